/**
 * loadModel on CLIP (aMUSEd-style) packages with the fake ORT: graph checks for the CLIP text
 * encoder and the micro-conditioned transformer, external data handed to session creation, the
 * fp16 base graph, and the checks of a swapped-in T5 encoder (EngineOptions.textEncoderSource).
 */
import { describe, expect, it } from 'vitest';
import { loadModel, type EngineOptions } from '../../../src/engine/engine';
import { PackageError } from '../../../src/engine/errors';
import { createMemorySource } from '../../../src/engine/package/memorySource';
import type { PackageSource } from '../../../src/engine/package/source';
import {
  clipBaseGraph,
  clipGraphs,
  fakeClipPackage,
  fakeClipPackageWithFp16,
  fakeGraphs,
  fakeOrt,
  fakePackage,
  recordingSource,
  setGraph,
  type FakeGraph,
  type FakePackage,
} from './helpers/fakePackage';

const enc = new TextEncoder();

async function loadError(pkg: FakePackage | PackageSource, extra: Partial<EngineOptions> = {}): Promise<PackageError> {
  const source = 'source' in pkg ? pkg.source : pkg;
  const err: unknown = await loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'], ...extra }).then(
    () => expect.unreachable('the package loaded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PackageError);
  return err as PackageError;
}

const withClipGraph = (path: string, change: (g: FakeGraph) => void) =>
  fakeClipPackage((files) => {
    const g = clipGraphs()[path];
    change(g);
    setGraph(files, path, g);
  });

describe('loadModel: CLIP packages (fake ORT)', () => {
  it('loads a CLIP package: four sessions, the manifest typed', async () => {
    const { ort, live } = fakeOrt();
    const model = await loadModel(fakeClipPackage().source, { ort, executionProviders: ['cpu'] });
    expect(live()).toBe(4);
    expect(model.manifest.textEncoder.kind).toBe('clip');
    await model.release();
    expect(live()).toBe(0);
  });

  it.each([
    ['text_encoder/model.onnx', (g: FakeGraph) => g.inputs.push({ name: 'attention_mask', type: 'int64', shape: ['batch', 8] }), 'text_encoder/model.onnx: expected inputs [input_ids], found [input_ids, attention_mask]'],
    ['text_encoder/model.onnx', (g: FakeGraph) => (g.outputs = [{ name: 'last_hidden_state', type: 'float32', shape: ['batch', 8, 32] }]), 'text_encoder/model.onnx: expected outputs [hidden_states, text_embeds], found [last_hidden_state]'],
    ['text_encoder/model.onnx', (g: FakeGraph) => (g.inputs[0].shape = ['batch', 16]), 'text_encoder/model.onnx: input input_ids must have shape [?, 8], found [batch, 16]'],
    ['text_encoder/model.onnx', (g: FakeGraph) => (g.outputs[0].shape = ['batch', 8, 64]), 'text_encoder/model.onnx: output hidden_states must have shape [?, 8, 32], found [batch, 8, 64]'],
    ['text_encoder/model.onnx', (g: FakeGraph) => (g.outputs[1].shape = ['batch', 32]), 'text_encoder/model.onnx: output text_embeds must have shape [?, 24], found [batch, 32]'],
    ['text_encoder/model.onnx', (g: FakeGraph) => (g.inputs[0].shape = [2, 8]), 'text_encoder/model.onnx: input input_ids has fixed batch 2; it must be dynamic or 1'],
    ['transformer/base.onnx', (g: FakeGraph) => g.inputs.splice(3, 1), 'transformer/base.onnx: expected inputs [tokens, text_states, pooled_text, micro_conds], found [tokens, text_states, pooled_text]'],
    ['transformer/base.onnx', (g: FakeGraph) => (g.inputs[3] = { name: 'text_mask', type: 'int64', shape: ['batch', 8] }), 'transformer/base.onnx: expected inputs [tokens, text_states, pooled_text, micro_conds], found [tokens, text_states, pooled_text, text_mask]'],
    ['transformer/base.onnx', (g: FakeGraph) => (g.inputs[3].shape = ['batch', 4]), 'transformer/base.onnx: input micro_conds must have shape [batch, 5], found [batch, 4]'],
    ['transformer/base.onnx', (g: FakeGraph) => (g.inputs[2].shape = ['batch', 32]), 'transformer/base.onnx: input pooled_text must have shape [batch, 24], found [batch, 32]'],
    ['transformer/base.onnx', (g: FakeGraph) => (g.inputs[2].type = 'float16'), 'transformer/base.onnx: input pooled_text must be float32, found float16'],
    ['transformer/base.onnx', (g: FakeGraph) => (g.inputs[3].shape = [2, 5]), 'transformer/base.onnx: input micro_conds must have shape [batch, 5], found [2, 5] (the batch dimension must be dynamic)'],
  ])('%s: a wrong graph is refused (%#)', async (path, change, message) => {
    expect((await loadError(withClipGraph(path, change))).message).toBe(message);
  });

  it('the CLIP config widths must agree with the manifest', async () => {
    const pkg = fakeClipPackage((files) => files.set('text_encoder/config.json', enc.encode(JSON.stringify({ hidden_size: 768, projection_dim: 24 }))));
    expect((await loadError(pkg)).message).toBe('text_encoder/config.json: hidden_size is 768 but textEncoder.hiddenSize is 32');
    const pkg2 = fakeClipPackage((files) => files.set('text_encoder/config.json', enc.encode(JSON.stringify({ hidden_size: 32, projection_dim: 768 }))));
    expect((await loadError(pkg2)).message).toBe('text_encoder/config.json: projection_dim is 768 but textEncoder.projectionDim is 24');
  });
});

describe('loadModel: external data', () => {
  it('passes the data file to session creation under the name the graph uses', async () => {
    const { ort, created } = fakeOrt();
    await loadModel(fakeClipPackage().source, { ort, executionProviders: ['cpu'] });
    const withData = created.filter((c) => c.options?.externalData);
    expect(withData).toHaveLength(1);
    expect(withData[0].graph.inputs.map((i) => i.name)).toContain('micro_conds');
    expect(withData[0].options?.externalData).toEqual([{ path: 'base.onnx.data', data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }]);
    expect(withData[0].options?.executionProviders).toEqual(['cpu']);
  });

  it('checks the data file like any other file', async () => {
    const pkg = fakeClipPackage(undefined, (files) => files.set('transformer/base.onnx.data', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 0])));
    expect((await loadError(pkg)).message).toMatch(/^transformer\/base.onnx.data: sha256 mismatch/);
  });
});

describe('loadModel: fp16 base graph', () => {
  it('preferFp16 opens stages.base.onnxFp16 and never reads the fp32 graph or its data', async () => {
    const { ort, created } = fakeOrt();
    const { source, reads } = recordingSource(fakeClipPackageWithFp16().source);
    const model = await loadModel(source, { ort, executionProviders: ['webgpu'], preferFp16: true });
    expect(reads).toContain('transformer/base.fp16.onnx');
    expect(reads).toContain('transformer/base.fp16.onnx.data');
    expect(reads).not.toContain('transformer/base.onnx');
    expect(reads).not.toContain('transformer/base.onnx.data');
    expect(created.map((c) => c.options?.externalData?.[0]?.path).filter(Boolean)).toEqual(['base.fp16.onnx.data']);
    expect(model.manifest.stages.base.onnxFp16).toBe('transformer/base.fp16.onnx');
  });

  it('without preferFp16 the fp32 graph is used and the fp16 copy is not read', async () => {
    const { source, reads } = recordingSource(fakeClipPackageWithFp16().source);
    await loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'] });
    expect(reads).toContain('transformer/base.onnx');
    expect(reads.filter((r) => r.includes('fp16'))).toEqual([]);
  });

  it('preferFp16 on a package without an fp16 copy uses the fp32 graph', async () => {
    const { source, reads } = recordingSource(fakeClipPackage().source);
    await loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'], preferFp16: true });
    expect(reads).toContain('transformer/base.onnx');
  });

  it('the fp16 copy must have the base graph contract (float32 inputs and outputs)', async () => {
    const bad = clipBaseGraph();
    bad.outputs[0].type = 'float16';
    expect((await loadError(fakeClipPackageWithFp16(bad), { preferFp16: true })).message).toBe('transformer/base.fp16.onnx: output logits must be float32, found float16');
  });
});

describe('loadModel: textEncoderSource (pretrained T5 swap) checks', () => {
  const t5Files = (config: unknown, graph: FakeGraph = fakeGraphs()['text_encoder/onnx/encoder_model.onnx']) => {
    const pkg = fakePackage();
    return createMemorySource('hub/t5-small', {
      'config.json': enc.encode(JSON.stringify(config)),
      'tokenizer.json': pkg.files.get('text_encoder/tokenizer.json')!,
      'onnx/encoder_model.onnx': enc.encode(JSON.stringify(graph)),
    });
  };

  it('replaces the package text encoder: its own files are not read', async () => {
    const { source, reads } = recordingSource(fakePackage().source);
    const model = await loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'], textEncoderSource: t5Files({ model_type: 't5', d_model: 32 }) });
    expect(reads.filter((r) => r.startsWith('text_encoder/'))).toEqual([]);
    expect(model.manifest.name).toBe('unit-fake');
  });

  it('d_model must equal the package hiddenSize', async () => {
    const err = await loadError(fakePackage(), { textEncoderSource: t5Files({ model_type: 't5', d_model: 512 }) });
    expect(err.message).toBe(
      "hub/t5-small/config.json: d_model is 512 but this package's transformers take text states of width 32 (textEncoder.hiddenSize): this encoder cannot replace the package's",
    );
  });

  it('a config without d_model is not a T5 encoder', async () => {
    const err = await loadError(fakePackage(), { textEncoderSource: t5Files({ model_type: 'bert', hidden_size: 32 }) });
    expect(err.message).toBe('hub/t5-small/config.json: has no numeric d_model: not a T5 encoder config (model_type "bert")');
  });

  it('the encoder graph must have the T5 contract', async () => {
    const g = fakeGraphs()['text_encoder/onnx/encoder_model.onnx'];
    g.outputs[0].shape = ['batch', 'sequence', 64];
    const err = await loadError(fakePackage(), { textEncoderSource: t5Files({ d_model: 32 }, g) });
    expect(err.message).toBe('hub/t5-small/onnx/encoder_model.onnx: output last_hidden_state must have shape [?, ?, 32], found [batch, sequence, 64]');
  });

  it('a CLIP package refuses a T5 encoder', async () => {
    const err = await loadError(fakeClipPackage(), { textEncoderSource: t5Files({ d_model: 32 }) });
    expect(err.message).toMatch(/^hub\/t5-small\/config.json: a T5 encoder cannot replace this package's text encoder: its textEncoder.kind is "clip"/);
  });

  it('a missing file of the layout is named', async () => {
    const src = createMemorySource('hub/t5-small', { 'config.json': enc.encode('{"d_model": 32}') });
    expect((await loadError(fakePackage(), { textEncoderSource: src })).message).toBe('tokenizer.json: file not found in hub/t5-small');
  });
});
