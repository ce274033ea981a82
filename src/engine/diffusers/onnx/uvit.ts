/**
 * aMUSEd's U-ViT (diffusers' UVit2DModel) as the package's base graph: tokens [B, N] (row-major
 * grid), text_states [B, S, D], pooled_text [B, P], micro_conds [B, 5] → logits [B, N, K].
 * Layer for layer what training/convert/uvit.py and layers.py compute (the converter's reference).
 *
 * In fp16 (`precision` 'float16', the package's `stages.base.onnxFp16`) the inputs and outputs
 * stay float32 and these run in float32, as the converter's AmusedBaseExportFp16 and diffusers'
 * fp16 run do: every RMSNorm and LayerNorm (a mean of squares: one value past ≈ 256 overflows fp16),
 * the global response norm (a sum of squares over the whole grid), the attention softmax (with
 * the queries scaled before the score product, layers.ts `attend`), the micro-conditioning's
 * sinusoidal embedding (arguments up to the image size), and the last norm and projection to
 * the logits (what the sampler ranks tokens by; about 1 % of a forward's arithmetic at aMUSEd-256's sizes).
 */
import type { UVitConfig } from '../configs';
import type { SafetensorsFile } from '../safetensors';
import { GraphBuilder, type Precision } from './builder';
import { DT } from './proto';
import { attend, conv, gelu, layerNorm, linear, rmsNorm, silu } from './layers';

type G = GraphBuilder;

/** RMSNorm computed in float32 whatever the graph's precision (see the file comment). */
const rms = (g: G, x: string, prefix: string, dim: number, eps: number, affine: boolean): string =>
  g.island([x], ([v]) => rmsNorm(g, v, prefix, dim, eps, affine));

const toNhwc = (g: G, x: string): string => g.op('Transpose', [x], { perm: [0, 2, 3, 1] });
const toNchw = (g: G, x: string): string => g.op('Transpose', [x], { perm: [0, 3, 1, 2] });
/** Splits the last-but-batch axis of [B, 2n] into two [B, n] halves. */
const halves = (g: G, x: string, n: number): string[] => g.opN('Split', [x, g.i64([n, n])], 2, { axis: 1 });

/** Cross- or self-attention with diffusers' projection names (to_q, to_k, to_v, to_out.0). */
function attention(g: G, x: string, ctx: string, p: string, dim: number, ctxDim: number, heads: number, bias: boolean): string {
  const q = linear(g, x, `${p}.to_q`, dim, dim, bias);
  const k = linear(g, ctx, `${p}.to_k`, ctxDim, dim, bias);
  const v = linear(g, ctx, `${p}.to_v`, ctxDim, dim, bias);
  return linear(g, attend(g, q, k, v, heads, dim / heads), `${p}.to_out.0`, dim, dim, bias);
}

/** ConvNeXt block with a global response norm and an adaptive scale/shift from `cond`. */
function convNext(g: G, c: UVitConfig, x: string, cond: string, p: string): string {
  const C = c.block_out_channels;
  const bias = c.use_bias;
  let h = conv(g, x, `${p}.depthwise`, C, C, 3, { pad: 1, groups: C, bias });
  h = rms(g, toNhwc(g, h), `${p}.norm`, C, c.layer_norm_eps, c.ln_elementwise_affine);
  h = gelu(g, linear(g, h, `${p}.channelwise_linear_1`, C, 4 * C, bias));
  // Global response norm over the spatial axes (ConvNeXt-V2); its normaliser in float32.
  const nx = g.island([h], ([v]) => {
    const gx = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [v, v]), g.i64([1, 2])], { keepdims: 1 })]);
    return g.op('Div', [gx, g.op('Add', [g.op('ReduceMean', [gx], { axes: [-1], keepdims: 1 }), g.scalar(1e-6)])]);
  });
  const gamma = g.w(`${p}.channelwise_norm.gamma`, [1, 1, 1, 4 * C]);
  const beta = g.w(`${p}.channelwise_norm.beta`, [1, 1, 1, 4 * C]);
  h = g.op('Add', [g.op('Add', [g.op('Mul', [gamma, g.op('Mul', [h, nx])]), beta]), h]);
  h = linear(g, h, `${p}.channelwise_linear_2`, 4 * C, C, bias);
  const y = g.op('Add', [toNchw(g, h), x]);
  const [scale, shift] = halves(g, linear(g, silu(g, cond), `${p}.cond_embeds_mapper`, c.hidden_size, 2 * C, bias), C);
  const s4 = g.op('Unsqueeze', [scale, g.i64([2, 3])]);
  const t4 = g.op('Unsqueeze', [shift, g.i64([2, 3])]);
  return g.op('Add', [g.op('Mul', [y, g.op('Add', [s4, g.scalar(1)])]), t4]);
}

/** One U-ViT block: optional ×2 down-sampling, ConvNeXt + two cross-attentions per level, optional up-sampling. */
function uvitBlock(g: G, c: UVitConfig, x: string, cond: string, text: string, p: string, down: boolean, up: boolean, side: number): string {
  const C = c.block_out_channels;
  const bias = c.use_bias;
  const eps = c.layer_norm_eps;
  const affine = c.ln_elementwise_affine;
  if (down) {
    const n = toNchw(g, rms(g, toNhwc(g, x), `${p}.downsample.norm`, C, eps, affine));
    const padded = g.op('Pad', [n, g.i64([0, 0, 0, 0, 0, 0, 1, 1])]);
    x = conv(g, padded, `${p}.downsample.conv`, C, C, 2, { stride: 2, bias });
    side /= 2;
  }
  for (let i = 0; i < c.num_res_blocks; i++) {
    x = convNext(g, c, x, cond, `${p}.res_blocks.${i}`);
    const a = `${p}.attention_blocks.${i}`;
    let seq = g.op('Transpose', [g.op('Reshape', [x, g.i64([0, C, -1])])], { perm: [0, 2, 1] });
    const ctx = c.hidden_size !== C ? linear(g, silu(g, text), `${a}.kv_mapper`, c.hidden_size, C, bias) : text;
    seq = g.op('Add', [attention(g, rms(g, seq, `${a}.norm1`, C, 1e-6, true), ctx, `${a}.attn1`, C, C, c.block_num_heads, bias), seq]);
    seq = g.op('Add', [attention(g, rms(g, seq, `${a}.norm2`, C, 1e-6, true), ctx, `${a}.attn2`, C, C, c.block_num_heads, bias), seq]);
    x = g.op('Reshape', [g.op('Transpose', [seq], { perm: [0, 2, 1] }), g.i64([0, C, side, side])]);
  }
  if (up) {
    const n = toNchw(g, rms(g, toNhwc(g, x), `${p}.upsample.norm`, C, eps, affine));
    const inputs = [n, g.w(`${p}.upsample.conv.weight`, [C, C, 2, 2])];
    if (bias) inputs.push(g.w(`${p}.upsample.conv.bias`, [C]));
    x = g.op('ConvTranspose', inputs, { kernel_shape: [2, 2], strides: [2, 2] });
  }
  return x;
}

/** norm(x)·(1 + scale) + shift with [scale, shift] = linear(silu(cond)) (AdaLayerNormContinuous). */
function adaNorm(g: G, c: UVitConfig, x: string, cond: string, p: string, kind: 'rms' | 'layer'): string {
  const H = c.hidden_size;
  const [scale, shift] = halves(g, linear(g, silu(g, cond), `${p}.linear`, H, 2 * H, c.use_bias), H);
  const n = kind === 'rms'
    ? rms(g, x, `${p}.norm`, H, c.layer_norm_eps, c.ln_elementwise_affine)
    : g.island([x], ([v]) => layerNorm(g, v, `${p}.norm`, H, c.layer_norm_eps, c.ln_elementwise_affine, c.use_bias));
  const s3 = g.op('Unsqueeze', [scale, g.i64([1])]);
  const t3 = g.op('Unsqueeze', [shift, g.i64([1])]);
  return g.op('Add', [g.op('Mul', [n, g.op('Add', [s3, g.scalar(1)])]), t3]);
}

/** diffusers' BasicTransformerBlock as aMUSEd configures it (ada_norm_continuous, GEGLU). */
function transformerLayer(g: G, c: UVitConfig, x: string, text: string, cond: string, p: string): string {
  const H = c.hidden_size;
  const F = c.intermediate_size;
  const bias = c.use_bias;
  const n1 = adaNorm(g, c, x, cond, `${p}.norm1`, 'rms');
  x = g.op('Add', [attention(g, n1, n1, `${p}.attn1`, H, H, c.num_attention_heads, bias), x]);
  x = g.op('Add', [attention(g, adaNorm(g, c, x, cond, `${p}.norm2`, 'rms'), text, `${p}.attn2`, H, H, c.num_attention_heads, bias), x]);
  const proj = linear(g, adaNorm(g, c, x, cond, `${p}.norm3`, 'layer'), `${p}.ff.net.0.proj`, H, 2 * F, bias);
  const [h, gate] = g.opN('Split', [proj, g.i64([F, F])], 2, { axis: -1 });
  return g.op('Add', [linear(g, g.op('Mul', [h, gelu(g, gate)]), `${p}.ff.net.2`, F, H, bias), x]);
}

/**
 * [N] values → [N, dim] = [cos(v·f_k), sin(v·f_k)], f_k = 10000^(−k/(dim/2)) (diffusers'
 * get_timestep_embedding, flip_sin_to_cos), computed in float32 and returned in the compute type.
 */
function microEmbedding(g: G, micro: string, dim: number): string {
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let k = 0; k < half; k++) freqs[k] = Math.exp((-Math.log(10000) * k) / half);
  const args = g.op('Mul', [g.op('Unsqueeze', [micro, g.i64([2])]), g.f32(freqs, [1, 1, half])]);
  const emb = g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: -1 });
  return g.toCompute(g.op('Reshape', [emb, g.i64([0, -1])]), DT.FLOAT);
}

/**
 * The U-ViT graph of config `c` with weights bound to `weights` (named `location` in the
 * session's external data), computing in `precision` (float32 inputs and outputs either way).
 */
export function buildUVitGraph(
  c: UVitConfig, weights: SafetensorsFile, location: string, text: { maxLength: number; hiddenSize: number; projectionDim: number },
  precision: Precision = 'float32',
): Uint8Array {
  const g = new GraphBuilder(weights, location, precision);
  const side = c.sample_size;
  const N = side * side;
  const H = c.hidden_size;
  const C = c.block_out_channels;
  const bias = c.use_bias;
  const eps = c.layer_norm_eps;
  const affine = c.ln_elementwise_affine;
  const tokens = g.input('tokens', DT.INT64, ['batch', N]);
  const states = g.toCompute(g.input('text_states', DT.FLOAT, ['batch', text.maxLength, text.hiddenSize]), DT.FLOAT);
  const pooled = g.toCompute(g.input('pooled_text', DT.FLOAT, ['batch', text.projectionDim]), DT.FLOAT);
  const micro = g.input('micro_conds', DT.FLOAT, ['batch', 5]);

  const txt = rms(g, linear(g, states, 'encoder_proj', c.encoder_hidden_size, H, bias), 'encoder_proj_layer_norm', H, eps, affine);
  const condIn = g.op('Concat', [pooled, microEmbedding(g, micro, c.micro_cond_encode_dim)], { axis: 1 });
  const cond = linear(g, silu(g, linear(g, condIn, 'cond_embed.linear_1', c.cond_embed_dim + c.micro_cond_embed_dim, H, bias)), 'cond_embed.linear_2', H, H, bias);

  const ids = g.op('Reshape', [tokens, g.i64([-1, side, side])]);
  const emb = rms(g, g.op('Gather', [g.w('embed.embeddings.weight', [c.vocab_size, c.in_channels]), ids]), 'embed.layer_norm', c.in_channels, eps, affine);
  let x = conv(g, toNchw(g, emb), 'embed.conv', c.in_channels, C, 1, { bias });

  x = uvitBlock(g, c, x, cond, txt, 'down_block', c.downsample, false, side);
  const inner = c.downsample ? side / 2 : side;
  let seq = g.op('Reshape', [toNhwc(g, x), g.i64([0, -1, C])]);
  seq = linear(g, rms(g, seq, 'project_to_hidden_norm', C, eps, affine), 'project_to_hidden', C, H, bias);
  for (let i = 0; i < c.num_hidden_layers; i++) seq = transformerLayer(g, c, seq, txt, cond, `transformer_layers.${i}`);
  seq = linear(g, rms(g, seq, 'project_from_hidden_norm', H, eps, affine), 'project_from_hidden', H, C, bias);
  x = toNchw(g, g.op('Reshape', [seq, g.i64([0, inner, inner, C])]));
  x = uvitBlock(g, c, x, cond, txt, 'up_block', false, c.upsample, inner);

  const m = conv(g, x, 'mlm_layer.conv1', C, c.in_channels, 1, { bias });
  // The logits in float32: the sampler's confidence is their log-softmax.
  const logits = g.island([m], ([v]) => {
    const mn = toNchw(g, rmsNorm(g, toNhwc(g, v), 'mlm_layer.layer_norm', c.in_channels, eps, affine));
    return conv(g, mn, 'mlm_layer.conv2', c.in_channels, c.codebook_size, 1, { bias });
  }, 'float32');
  const out = g.op('Transpose', [g.op('Reshape', [logits, g.i64([0, c.codebook_size, -1])])], { perm: [0, 2, 1] });
  g.checkAllUsed();
  g.output(out, 'logits', DT.FLOAT, ['batch', N, c.codebook_size]);
  return g.finish('uvit');
}
