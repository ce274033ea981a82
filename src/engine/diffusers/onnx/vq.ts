/**
 * aMUSEd's VQ-GAN (diffusers' VQModel with lookup_from_codebook) as the package's two VQ graphs:
 * encoder pixels [B, 3, H, W] (in [0, 1], as the converter exports it) → tokens [B, H/f, W/f]
 * (nearest codebook entry), decoder tokens [B, h, w] → pixels [B, 3, h·f, w·f] (unclipped; the
 * engine clips). Layer for layer training/convert/vqmodel.py.
 */
import type { VQConfig } from '../configs';
import type { SafetensorsFile } from '../safetensors';
import { GraphBuilder } from './builder';
import { DT } from './proto';
import { conv, groupNorm, silu } from './layers';

type G = GraphBuilder;
const EPS = 1e-6;

function resnet(g: G, c: VQConfig, x: string, p: string, inCh: number, outCh: number): string {
  const groups = c.norm_num_groups;
  let h = conv(g, silu(g, groupNorm(g, x, `${p}.norm1`, inCh, groups, EPS)), `${p}.conv1`, inCh, outCh, 3, { pad: 1, bias: true });
  h = conv(g, silu(g, groupNorm(g, h, `${p}.norm2`, outCh, groups, EPS)), `${p}.conv2`, outCh, outCh, 3, { pad: 1, bias: true });
  const skip = inCh !== outCh ? conv(g, x, `${p}.conv_shortcut`, inCh, outCh, 1, { bias: true }) : x;
  return g.op('Add', [skip, h]);
}

function midBlock(g: G, c: VQConfig, x: string, p: string, ch: number): string {
  return resnet(g, c, resnet(g, c, x, `${p}.resnets.0`, ch, ch), `${p}.resnets.1`, ch, ch);
}

function embedDim(c: VQConfig): number {
  return c.vq_embed_dim ?? c.latent_channels;
}

/** The VQ encoder graph: pixels → token ids (Euclidean nearest codebook entry, first on ties). */
export function buildVQEncoderGraph(c: VQConfig, weights: SafetensorsFile, location: string): Uint8Array {
  const g = new GraphBuilder(weights, location);
  const ch = c.block_out_channels;
  const n = ch.length;
  const E = embedDim(c);
  const K = c.num_vq_embeddings;
  const pixels = g.input('pixels', DT.FLOAT, ['batch', 3, 'height', 'width']);
  let x = conv(g, pixels, 'encoder.conv_in', c.in_channels, ch[0], 3, { pad: 1, bias: true });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c.layers_per_block; j++) {
      x = resnet(g, c, x, `encoder.down_blocks.${i}.resnets.${j}`, j === 0 ? ch[Math.max(i - 1, 0)] : ch[i], ch[i]);
    }
    if (i < n - 1) {
      const padded = g.op('Pad', [x, g.i64([0, 0, 0, 0, 0, 0, 1, 1])]);
      x = conv(g, padded, `encoder.down_blocks.${i}.downsamplers.0.conv`, ch[i], ch[i], 3, { stride: 2, bias: true });
    }
  }
  x = midBlock(g, c, x, 'encoder.mid_block', ch[n - 1]);
  x = conv(g, silu(g, groupNorm(g, x, 'encoder.conv_norm_out', ch[n - 1], c.norm_num_groups, EPS)), 'encoder.conv_out', ch[n - 1], c.latent_channels, 3, { pad: 1, bias: true });
  const z = g.op('Transpose', [conv(g, x, 'quant_conv', c.latent_channels, E, 1, { bias: true })], { perm: [0, 2, 3, 1] });
  // ‖z‖² − 2 z·e + ‖e‖² for every codebook entry e; argmin over the codebook.
  const book = g.w('quantize.embedding.weight', [K, E]);
  const zz = g.op('ReduceSum', [g.op('Mul', [z, z]), g.i64([-1])], { keepdims: 1 });
  const ze = g.op('MatMul', [z, g.op('Transpose', [book], { perm: [1, 0] })]);
  const ee = g.op('ReduceSum', [g.op('Mul', [book, book]), g.i64([-1])], { keepdims: 0 });
  const d = g.op('Add', [g.op('Sub', [zz, g.op('Mul', [ze, g.scalar(2)])]), ee]);
  const tokens = g.op('ArgMin', [d], { axis: -1, keepdims: 0 });
  for (const k of weights.tensors.keys()) if (k.startsWith('decoder.') || k.startsWith('post_quant_conv.')) g.ignore(k);
  g.checkAllUsed();
  g.output(tokens, 'tokens', DT.INT64, ['batch', 'rows', 'cols']);
  return g.finish('vq_encoder');
}

/** The VQ decoder graph: token ids → codebook vectors → pixels. */
export function buildVQDecoderGraph(c: VQConfig, weights: SafetensorsFile, location: string): Uint8Array {
  const g = new GraphBuilder(weights, location);
  const ch = c.block_out_channels;
  const n = ch.length;
  const rev = [...ch].reverse();
  const E = embedDim(c);
  const tokens = g.input('tokens', DT.INT64, ['batch', 'rows', 'cols']);
  const vectors = g.op('Transpose', [g.op('Gather', [g.w('quantize.embedding.weight', [c.num_vq_embeddings, E]), tokens])], { perm: [0, 3, 1, 2] });
  let x = conv(g, vectors, 'post_quant_conv', E, c.latent_channels, 1, { bias: true });
  x = conv(g, x, 'decoder.conv_in', c.latent_channels, ch[n - 1], 3, { pad: 1, bias: true });
  x = midBlock(g, c, x, 'decoder.mid_block', ch[n - 1]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= c.layers_per_block; j++) {
      x = resnet(g, c, x, `decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? rev[Math.max(i - 1, 0)] : rev[i], rev[i]);
    }
    if (i < n - 1) {
      const up = g.op('Resize', [x, '', g.f32([1, 1, 2, 2])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
      x = conv(g, up, `decoder.up_blocks.${i}.upsamplers.0.conv`, rev[i], rev[i], 3, { pad: 1, bias: true });
    }
  }
  x = conv(g, silu(g, groupNorm(g, x, 'decoder.conv_norm_out', ch[0], c.norm_num_groups, EPS)), 'decoder.conv_out', ch[0], c.out_channels, 3, { pad: 1, bias: true });
  for (const k of weights.tensors.keys()) if (k.startsWith('encoder.') || k.startsWith('quant_conv.')) g.ignore(k);
  g.checkAllUsed();
  g.output(x, 'pixels', DT.FLOAT, ['batch', 3, 'height', 'width']);
  return g.finish('vq_decoder');
}
