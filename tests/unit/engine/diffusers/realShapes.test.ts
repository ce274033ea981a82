/**
 * The graph builder at aMUSEd-256's published sizes (tests/fixtures/amused-256-shapes.json:
 * real tensor names and shapes, no data; training/make_amused_shapes.py): the configs parse,
 * every tensor is bound with the shape its config implies, none is left over, and the bound
 * parameters add up to the published counts. No weights are read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemorySnapshot, readSafetensorsHeader, snapshotNeeds, type DiffusersSnapshot, type SafetensorsFile } from '../../../../src/engine/diffusers';
import { parseClipConfig, parseUVitConfig, parseVQConfig } from '../../../../src/engine/diffusers/configs';
import { buildClipGraph, buildUVitGraph, buildVQDecoderGraph, buildVQEncoderGraph } from '../../../../src/engine/diffusers/onnx';

type Part = { config: Record<string, unknown>; params: number; header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> };
const SHAPES = JSON.parse(readFileSync('tests/fixtures/amused-256-shapes.json', 'utf8')) as Record<'transformer' | 'transformer_512' | 'vqvae' | 'text_encoder', Part>;

/** A header-only safetensors file: the real header, then one byte standing in for the data's last. */
async function headerOnly(part: Part, path: string): Promise<SafetensorsFile> {
  const json = new TextEncoder().encode(JSON.stringify(part.header));
  const ends = Object.values(part.header).map((t) => t.data_offsets[1]);
  const bytes = new Uint8Array(8 + json.length + 1);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  // Present only the bytes the reader asks for: the header and the last data byte.
  const last = 8 + json.length + Math.max(...ends) - 1;
  const src = createMemorySnapshot('shapes', { [path]: bytes });
  const sparse = { ...src, readRange: (p: string, s: number, e: number) => (s === last ? Promise.resolve(new Uint8Array(1)) : src.readRange(p, s, e)) };
  return readSafetensorsHeader(sparse, path);
}

const count = (f: SafetensorsFile): number => [...f.tensors.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);

describe('aMUSEd-256 at full size', () => {
  it('builds all four graphs (and the fp16 U-ViT), binding every published tensor', async () => {
    const clip = parseClipConfig(SHAPES.text_encoder.config, 'text_encoder/config.json');
    const uvit = parseUVitConfig(SHAPES.transformer.config, 'transformer/config.json');
    const vq = parseVQConfig(SHAPES.vqvae.config, 'vqvae/config.json');
    const te = await headerOnly(SHAPES.text_encoder, 'text_encoder/model.safetensors');
    const tr = await headerOnly(SHAPES.transformer, 'transformer/diffusion_pytorch_model.safetensors');
    const vqw = await headerOnly(SHAPES.vqvae, 'vqvae/diffusion_pytorch_model.safetensors');
    expect([count(tr), count(vqw), count(te)]).toEqual([603_537_664, 146_244_675, 123_650_304]);
    // Each builder throws on a missing, mis-shaped or unused tensor, so building is the check.
    const graphs = [
      buildClipGraph(clip, te, 'model.safetensors', 77),
      buildUVitGraph(uvit, tr, 'diffusion_pytorch_model.safetensors', { maxLength: 77, hiddenSize: 768, projectionDim: 768 }),
      // The fp16-compute copy (stages.base.onnxFp16), its fp32 weights narrowed in the graph.
      buildUVitGraph(uvit, tr, 'diffusion_pytorch_model.safetensors', { maxLength: 77, hiddenSize: 768, projectionDim: 768 }, 'float16'),
      buildVQEncoderGraph(vq, vqw, 'diffusion_pytorch_model.safetensors'),
      buildVQDecoderGraph(vq, vqw, 'diffusion_pytorch_model.safetensors'),
    ];
    // The graphs hold structure only; the 3.5 GB stay in the safetensors files.
    for (const g of graphs) expect(g.length).toBeLessThan(1_000_000);
  });

  it('builds aMUSEd-512’s transformer (down/up-sampling, 32×32 tokens)', async () => {
    const uvit = parseUVitConfig(SHAPES.transformer_512.config, 'transformer/config.json');
    const tr = await headerOnly(SHAPES.transformer_512, 'transformer/diffusion_pytorch_model.safetensors');
    expect(count(tr)).toBe(608_257_792);
    expect(buildUVitGraph(uvit, tr, 'diffusion_pytorch_model.safetensors', { maxLength: 77, hiddenSize: 768, projectionDim: 768 }).length).toBeLessThan(1_000_000);
  });
});

describe('what aMUSEd-256 needs, as the Model panel says it before the download', () => {
  it('counts the published parameters, the fp32 files\u2019 bytes and a memory estimate that includes them', async () => {
    const te = await headerOnly(SHAPES.text_encoder, 'text_encoder/model.safetensors');
    const tr = await headerOnly(SHAPES.transformer, 'transformer/diffusion_pytorch_model.safetensors');
    const vqw = await headerOnly(SHAPES.vqvae, 'vqvae/diffusion_pytorch_model.safetensors');
    const s = { transformer: { weights: tr }, vqvae: { weights: vqw }, textEncoder: { weights: te } } as unknown as DiffusersSnapshot;
    const needs = snapshotNeeds(s);
    // position_ids (I64, a buffer CLIP files may carry) is not a parameter.
    expect(needs.parameters).toBe(603_537_664 + 146_244_675 + 123_650_304);
    expect(needs.storedDtype).toBe('F32');
    expect(needs.weightsBytes).toBe(tr.fileBytes + vqw.fileBytes + te.fileBytes);
    expect(needs.weightsBytes).toBeGreaterThan(needs.parameters * 4);
    expect(needs.memoryBytes).toBeGreaterThan(needs.weightsBytes);
    // fp16 compute from fp32 files: an fp16 copy of the transformer's weights beside them while it loads.
    expect(needs.memoryFp16Bytes - needs.memoryBytes).toBe(603_537_664 * 2);
  });
});
