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
import { buildClipGraph, buildUVitGraph, buildVQDecoderGraph, buildVQEncoderGraph, type Precision } from '../../src/engine/diffusers/onnx';
import { createFsSnapshotSource } from '../../src/node/fsSnapshotSource';
import { DT } from '../../src/engine/diffusers/onnx/proto';
import { typedNodes } from './onnxTypes';

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

/** The U-ViT built from `s` at `precision` (its weights named LOCATION). */
function uvit(s: DiffusersSnapshot, precision?: Precision): Uint8Array {
  const t = s.textEncoder.config;
  return buildUVitGraph(s.transformer.config, s.transformer.weights, LOCATION, { maxLength: 77, hiddenSize: t.hidden_size, projectionDim: t.projection_dim }, precision);
}

/** U-ViT inputs for `s`: batch 2, tokens cycling through the vocabulary (mask included), two micro-conditionings. */
function uvitFeeds(s: DiffusersSnapshot): Record<string, ort.Tensor> {
  const t = s.textEncoder.config;
  const N = s.grid * s.grid;
  return {
    tokens: new ort.Tensor('int64', BigInt64Array.from({ length: 2 * N }, (_, i) => BigInt((i * 7) % (s.maskTokenId + 1))), [2, N]),
    text_states: new ort.Tensor('float32', wave(2 * 77 * t.hidden_size, 2), [2, 77, t.hidden_size]),
    pooled_text: new ort.Tensor('float32', wave(2 * t.projection_dim, 1), [2, t.projection_dim]),
    micro_conds: new ort.Tensor('float32', Float32Array.from([256, 256, 0, 0, 6, 512, 512, 0, 0, 6]), [2, 5]),
  };
}

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
    const ours = await session(uvit(s), dir, s.transformer.weights.path);
    const ref = await ort.InferenceSession.create(`${pkg}/transformer/base.onnx`);
    const feeds = uvitFeeds(s);
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

// The fp16-compute U-ViT (stages.base.onnxFp16) against the float32 one built from the same
// weights file. Tolerance: fp16 keeps 11 significant bits (unit roundoff 2⁻¹¹ ≈ 4.9e-4) and the
// logits pass through every layer's fp16 products; measured max |Δ| / max |logit| 1.2e-3–2.0e-3
// on these fixtures (onnxruntime-node CPU). 1e-2 (≈ 20 roundoffs) leaves 5× headroom, while a
// missing float32 island (an overflow) or a weight read in the wrong type gives Inf, NaN or errors
// of order 1. The most likely token must agree at ≥ 99 % of positions (measured 99.8–100 %).
const FP16_CASES: [string, Variant | undefined][] = [['amused-tiny', undefined], ['amused-tiny-512', undefined], ['amused-tiny', 'fp16']];

/** Fraction of positions whose highest logit is the same token in `a` and `b` ([B, N, K]). */
function argmaxAgreement(a: ort.Tensor, b: ort.Tensor): number {
  const K = a.dims[2];
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let same = 0;
  for (let p = 0; p < x.length / K; p++) {
    let i = 0;
    let j = 0;
    for (let k = 1; k < K; k++) {
      if (x[p * K + k] > x[p * K + i]) i = k;
      if (y[p * K + k] > y[p * K + j]) j = k;
    }
    if (i === j) same++;
  }
  return same / (x.length / K);
}

describe.each(FP16_CASES)('the fp16-compute U-ViT from %s (%s weights)', (name, variant) => {
  const dir = `tests/fixtures/${name}-diffusers`;

  it('gives the float32 graph’s logits within fp16 rounding, as float32', async () => {
    const s = await open(name, variant);
    const fp32 = await session(uvit(s), dir, s.transformer.weights.path);
    const fp16 = await session(uvit(s, 'float16'), dir, s.transformer.weights.path);
    const feeds = uvitFeeds(s);
    const [a, b] = [(await fp16.run(feeds)).logits, (await fp32.run(feeds)).logits];
    expect(a.type).toBe('float32');
    const err = relErr(a, b);
    expect(err).toBeLessThan(1e-2);
    // …and it does compute in fp16: not within float32's rounding of the float32 graph.
    expect(err).toBeGreaterThan(1e-5);
    expect(argmaxAgreement(a, b)).toBeGreaterThanOrEqual(0.99);
  });
});

// onnxruntime's CPU provider runs the fp16 ops it has no fp16 kernel for in float32 (it inserts
// casts), so the numbers above cannot show an fp16 overflow; what a GPU computes in fp16 is
// checked on the graph itself: where its statistics and softmax run, and that the heavy ops are fp16.
describe.each(FP16_CASES)('which ops of the fp16 U-ViT from %s (%s weights) run in float32', (name, variant) => {
  it('norm statistics, softmax, the micro-conditioning embedding and the logits in float32; products in fp16', async () => {
    const s = await open(name, variant);
    const nodes = typedNodes(uvit(s, 'float16'));
    const dtypesOf = (op: string): Set<number> => new Set(nodes.filter((n) => n.op === op).map((n) => n.inputTypes[0]));
    for (const op of ['ReduceMean', 'ReduceSum', 'Sqrt', 'Softmax', 'LayerNormalization', 'Sin', 'Cos']) expect([op, [...dtypesOf(op)]]).toEqual([op, [DT.FLOAT]]);
    const matmuls = nodes.filter((n) => n.op === 'MatMul');
    // Every matrix product (projections, attention scores and values, feed-forward) in fp16.
    expect(matmuls.every((n) => n.inputTypes.every((t) => t === DT.FLOAT16))).toBe(true);
    const convs = nodes.filter((n) => n.op === 'Conv');
    // mlm_layer.conv2 (the logits) is the one float32 convolution.
    expect(convs.filter((n) => n.inputTypes[0] === DT.FLOAT)).toHaveLength(1);
    expect(convs.filter((n) => n.inputTypes[0] === DT.FLOAT16).length).toBeGreaterThan(1);
  });
});
