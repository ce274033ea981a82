/**
 * The graphs src/engine/diffusers/onnx writes from a snapshot's configs, with weights bound to
 * the safetensors bytes, against the graphs the Python converter exported from the same
 * checkpoints (tests/fixtures/amused-tiny*, whose sources are tests/fixtures/*-diffusers): the
 * same inputs give the same outputs, for the 256- and 512-style layouts and the fp16 files.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openSnapshot, type DiffusersSnapshot, type Variant } from '../../src/engine/diffusers';
import { buildClipGraph, buildUVitGraph, buildVQDecoderGraph, buildVQEncoderGraph } from '../../src/engine/diffusers/onnx';
import { createFsSnapshotSource } from '../../src/node/fsSnapshotSource';

const LOCATION = 'weights.safetensors';
const open = (name: string, variant?: Variant): Promise<DiffusersSnapshot> =>
  openSnapshot(createFsSnapshotSource(`tests/fixtures/${name}-diffusers`), variant ? { variant } : {});
const session = (graph: Uint8Array, snapshotDir: string, weightsPath: string): Promise<ort.InferenceSession> =>
  ort.InferenceSession.create(graph, { externalData: [{ path: LOCATION, data: readFileSync(`${snapshotDir}/${weightsPath}`) }] });

/** max |a − b| / max |b|. */
function relErr(a: ort.Tensor, b: ort.Tensor): number {
  expect(a.dims).toEqual(b.dims);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / den;
}

const wave = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i * 12.9898));

const CASES: [string, Variant | undefined, number][] = [
  ['amused-tiny', undefined, 1e-4],
  ['amused-tiny-512', undefined, 1e-4],
  // fp16 files: the weights themselves differ from the fp32 ones by fp16 rounding.
  ['amused-tiny', 'fp16', 1e-2],
];

describe.each(CASES)('graphs built from %s (%s weights)', (name, variant, limit) => {
  const dir = `tests/fixtures/${name}-diffusers`;
  const pkg = `tests/fixtures/${name}`;

  it('the CLIP text graph gives the converter’s penultimate states and projected pooled embedding', async () => {
    const s = await open(name, variant);
    const ours = await session(buildClipGraph(s.textEncoder.config, s.textEncoder.weights, LOCATION, 77), dir, s.textEncoder.weights.path);
    const ref = await ort.InferenceSession.create(`${pkg}/text_encoder/model.onnx`);
    const expected = JSON.parse(readFileSync('tests/fixtures/amused-tiny-expected.json', 'utf8')) as { ids: Record<string, number[]> };
    const rows = Object.values(expected.ids).slice(0, 4);
    const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, 77]) };
    const [a, b] = [await ours.run(feeds), await ref.run(feeds)];
    expect(relErr(a.hidden_states, b.hidden_states)).toBeLessThan(limit);
    expect(relErr(a.text_embeds, b.text_embeds)).toBeLessThan(limit);
  });

  it('the U-ViT graph gives the converter’s logits', async () => {
    const s = await open(name, variant);
    const t = s.textEncoder.config;
    const graph = buildUVitGraph(s.transformer.config, s.transformer.weights, LOCATION, { maxLength: 77, hiddenSize: t.hidden_size, projectionDim: t.projection_dim });
    const ours = await session(graph, dir, s.transformer.weights.path);
    const ref = await ort.InferenceSession.create(`${pkg}/transformer/base.onnx`);
    const N = s.grid * s.grid;
    const feeds = {
      tokens: new ort.Tensor('int64', BigInt64Array.from({ length: 2 * N }, (_, i) => BigInt((i * 7) % (s.maskTokenId + 1))), [2, N]),
      text_states: new ort.Tensor('float32', wave(2 * 77 * t.hidden_size, 2), [2, 77, t.hidden_size]),
      pooled_text: new ort.Tensor('float32', wave(2 * t.projection_dim, 1), [2, t.projection_dim]),
      micro_conds: new ort.Tensor('float32', Float32Array.from([256, 256, 0, 0, 6, 512, 512, 0, 0, 6]), [2, 5]),
    };
    expect(relErr((await ours.run(feeds)).logits, (await ref.run(feeds)).logits)).toBeLessThan(limit);
  });

  it('the VQ graphs give the converter’s token ids and pixels, at any image size', async () => {
    const s = await open(name, variant);
    const data = s.vqvae.weights.path;
    const enc = await session(buildVQEncoderGraph(s.vqvae.config, s.vqvae.weights, LOCATION), dir, data);
    const dec = await session(buildVQDecoderGraph(s.vqvae.config, s.vqvae.weights, LOCATION), dir, data);
    const encRef = await ort.InferenceSession.create(`${pkg}/vqgan/encoder.onnx`);
    const decRef = await ort.InferenceSession.create(`${pkg}/vqgan/decoder.onnx`);
    const pixels = { pixels: new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 64 * 96 }, (_, i) => 0.5 + 0.5 * Math.sin(i * 0.37)), [2, 3, 64, 96]) };
    const ids = (await enc.run(pixels)).tokens;
    expect(ids.dims).toEqual([2, 4, 6]);
    expect(Array.from(ids.data as BigInt64Array)).toEqual(Array.from((await encRef.run(pixels)).tokens.data as BigInt64Array));
    const feeds = { tokens: ids };
    expect(relErr((await dec.run(feeds)).pixels, (await decRef.run(feeds)).pixels)).toBeLessThan(limit);
  });
});

describe('a checkpoint that disagrees with its config', () => {
  it('names the missing, mis-shaped or unexpected tensor', async () => {
    const s = await open('amused-tiny');
    const t = s.transformer;
    const cut = new Map(t.weights.tensors);
    cut.delete('mlm_layer.conv2.weight');
    const text = { maxLength: 77, hiddenSize: 32, projectionDim: 24 };
    expect(() => buildUVitGraph(t.config, { ...t.weights, tensors: cut }, LOCATION, text)).toThrow(/diffusion_pytorch_model\.safetensors: missing tensor "mlm_layer\.conv2\.weight"/);
    const wide = { ...t.config, intermediate_size: 64 };
    expect(() => buildUVitGraph(wide, t.weights, LOCATION, text)).toThrow(/tensor "transformer_layers\.0\.ff\.net\.0\.proj\.weight" has shape \[96,32\] but the config implies \[128,32\]/);
    const shallow = { ...t.config, num_hidden_layers: 1 };
    expect(() => buildUVitGraph(shallow, t.weights, LOCATION, text)).toThrow(/unexpected tensor\(s\) "transformer_layers\.1\./);
  });
});
