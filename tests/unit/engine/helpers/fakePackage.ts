/**
 * A model package whose "ONNX" files are JSON descriptions of a graph's inputs and outputs, and
 * a fake ORT that turns such bytes into a session with that metadata. This lets the unit tests
 * exercise loadModel's checks (files, hashes, graph I/O) without native code; real generation
 * is covered by tests/node on the ONNX fixture.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Ort } from '../../../../src/engine/ort';
import { createMemorySource } from '../../../../src/engine/package/memorySource';
import type { PackageSource } from '../../../../src/engine/package/source';

type Dim = number | string;
export interface FakeValue {
  name: string;
  type: string;
  shape: Dim[];
}
export interface FakeGraph {
  inputs: FakeValue[];
  outputs: FakeValue[];
}

const v = (name: string, type: string, shape: Dim[]): FakeValue => ({ name, type, shape });

/** Graphs matching the manifest below: S = 16, D = 32, K = 64, base 4×4, super-res 8×8. */
export function fakeGraphs(): Record<string, FakeGraph> {
  const text = [v('text_states', 'float32', ['batch', 16, 32]), v('text_mask', 'int64', ['batch', 16])];
  return {
    'text_encoder/onnx/encoder_model.onnx': {
      inputs: [v('input_ids', 'int64', ['batch', 'sequence']), v('attention_mask', 'int64', ['batch', 'sequence'])],
      outputs: [v('last_hidden_state', 'float32', ['batch', 'sequence', 32])],
    },
    'vqgan/encoder.onnx': {
      inputs: [v('pixels', 'float32', ['batch', 3, 'height', 'width'])],
      outputs: [v('tokens', 'int64', ['batch', 'rows', 'cols'])],
    },
    'vqgan/decoder.onnx': {
      inputs: [v('tokens', 'int64', ['batch', 'rows', 'cols'])],
      outputs: [v('pixels', 'float32', ['batch', 3, 'height', 'width'])],
    },
    'transformer/base.onnx': {
      inputs: [v('tokens', 'int64', ['batch', 16]), ...text],
      outputs: [v('logits', 'float32', ['batch', 16, 64])],
    },
    'transformer/super_res.onnx': {
      inputs: [v('tokens', 'int64', ['batch', 64]), v('low_res_tokens', 'int64', ['batch', 16]), ...text],
      outputs: [v('logits', 'float32', ['batch', 64, 64])],
    },
  };
}

/** A valid manifest (without `files`, which fakePackage fills in from the bytes). */
export function baseManifest(): Record<string, unknown> {
  const defaults = (steps: number, guidance: number, ramp: string) => ({ steps, guidance, guidanceRamp: ramp, temperature: 1, confidenceNoise: 4.5 });
  return {
    format: 'muse-studio-package',
    formatVersion: 1,
    name: 'unit-fake',
    displayName: 'Unit-test fake',
    description: 'JSON graphs for unit tests',
    fixture: true,
    license: 'MIT',
    provenance: { source: 'tests/unit/engine/helpers/fakePackage.ts', trainingCommand: '', created: '2026-11-25' },
    textEncoder: {
      kind: 't5',
      onnx: 'text_encoder/onnx/encoder_model.onnx',
      tokenizer: 'text_encoder/tokenizer.json',
      config: 'text_encoder/config.json',
      maxLength: 16,
      hiddenSize: 32,
      padTokenId: 0,
    },
    vqgan: { encoder: 'vqgan/encoder.onnx', decoder: 'vqgan/decoder.onnx', downsample: 8, codebookSize: 64, pixelRange: [-1, 1] },
    stages: {
      base: { onnx: 'transformer/base.onnx', grid: [4, 4], imageSize: [32, 32], maskTokenId: 64, defaults: defaults(6, 3, 'linear') },
      superRes: {
        onnx: 'transformer/super_res.onnx',
        grid: [8, 8],
        imageSize: [64, 64],
        maskTokenId: 64,
        lowResGrid: [4, 4],
        defaults: defaults(4, 2, 'none'),
      },
    },
  };
}

const encoder = new TextEncoder();
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The tokenizer.json of the ONNX fixture (a real Unigram tokenizer made with `tokenizers`). */
export const FIXTURE_TOKENIZER = readFileSync(new URL('../../../fixtures/tiny/text_encoder/tokenizer.json', import.meta.url));

/** The package's files by path, before any manifest is written. */
export function fakeFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [path, graph] of Object.entries(fakeGraphs())) files.set(path, encoder.encode(JSON.stringify(graph)));
  files.set('text_encoder/config.json', encoder.encode(JSON.stringify({ model_type: 't5', d_model: 32 })));
  files.set('text_encoder/tokenizer.json', new Uint8Array(FIXTURE_TOKENIZER));
  return files;
}

export interface FakePackage {
  source: PackageSource;
  files: Map<string, Uint8Array>;
  manifest: Record<string, unknown>;
}

type Edit = (files: Map<string, Uint8Array>, manifest: Record<string, unknown>) => void;

/** Hashes `files` into `manifest.files` between `edit` and `tamper`, and serves it all from memory. */
function buildPackage(files: Map<string, Uint8Array>, manifest: Record<string, unknown>, edit: Edit, tamper: Edit): FakePackage {
  edit(files, manifest);
  manifest['files'] = Object.fromEntries([...files].map(([p, b]) => [p, { sha256: sha256(b), bytes: b.byteLength }]));
  tamper(files, manifest);
  const all = new Map(files);
  all.set('manifest.json', encoder.encode(JSON.stringify(manifest)));
  return { source: createMemorySource('fake', all), files, manifest };
}

/**
 * Builds a package: `edit` may change the files before hashing (a wrong graph with a matching
 * hash), `tamper` may change files or the manifest after hashing (a damaged download).
 */
export function fakePackage(edit: Edit = () => {}, tamper: Edit = () => {}): FakePackage {
  return buildPackage(fakeFiles(), baseManifest(), edit, tamper);
}

/** The tokenizer.json of the aMUSEd-layout fixture (CLIP byte-level BPE, BOS 587, EOS/pad 588). */
export const CLIP_TOKENIZER = readFileSync(new URL('../../../fixtures/amused-tiny/text_encoder/tokenizer.json', import.meta.url));

/**
 * Graphs of a CLIP (aMUSEd-style) package: S = 8, D = 32, P = 24, M = 5, K = 64, one 4×4 stage;
 * the base transformer's weights live in transformer/base.onnx.data.
 */
export function clipGraphs(): Record<string, FakeGraph> {
  return {
    'text_encoder/model.onnx': {
      inputs: [v('input_ids', 'int64', ['batch', 8])],
      outputs: [v('hidden_states', 'float32', ['batch', 8, 32]), v('text_embeds', 'float32', ['batch', 24])],
    },
    'vqgan/encoder.onnx': fakeGraphs()['vqgan/encoder.onnx'],
    'vqgan/decoder.onnx': fakeGraphs()['vqgan/decoder.onnx'],
    'transformer/base.onnx': clipBaseGraph(),
  };
}

/** The CLIP package's base transformer contract (also used for its fp16 copy). */
export function clipBaseGraph(): FakeGraph {
  return {
    inputs: [
      v('tokens', 'int64', ['batch', 16]),
      v('text_states', 'float32', ['batch', 8, 32]),
      v('pooled_text', 'float32', ['batch', 24]),
      v('micro_conds', 'float32', ['batch', 5]),
    ],
    outputs: [v('logits', 'float32', ['batch', 16, 64])],
  };
}

/** A valid CLIP manifest (without `files`) for clipGraphs(). */
export function clipManifest(): Record<string, unknown> {
  const m = baseManifest();
  m['name'] = 'unit-clip';
  m['textEncoder'] = {
    kind: 'clip',
    onnx: 'text_encoder/model.onnx',
    tokenizer: 'text_encoder/tokenizer.json',
    config: 'text_encoder/config.json',
    maxLength: 8,
    hiddenSize: 32,
    projectionDim: 24,
    padTokenId: 588,
  };
  m['vqgan'] = { encoder: 'vqgan/encoder.onnx', decoder: 'vqgan/decoder.onnx', downsample: 16, codebookSize: 64, pixelRange: [0, 1] };
  m['stages'] = {
    base: {
      onnx: 'transformer/base.onnx',
      grid: [4, 4],
      imageSize: [64, 64],
      maskTokenId: 71,
      confidenceSchedule: 'amused',
      microConditioning: { names: ['width', 'height', 'cropTop', 'cropLeft', 'aestheticScore'], values: [64, 64, 0, 0, 6] },
      defaults: { steps: 12, guidance: 10, guidanceRamp: 'none', temperature: 1, confidenceNoise: 2 },
    },
  };
  m['externalData'] = { 'transformer/base.onnx': 'transformer/base.onnx.data' };
  return m;
}

/** The CLIP package's files: graphs, config, tokenizer and the base graph's external data. */
export function clipFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [path, graph] of Object.entries(clipGraphs())) files.set(path, encoder.encode(JSON.stringify(graph)));
  files.set('transformer/base.onnx.data', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  files.set('text_encoder/config.json', encoder.encode(JSON.stringify({ model_type: 'clip_text_model', hidden_size: 32, projection_dim: 24 })));
  files.set('text_encoder/tokenizer.json', new Uint8Array(CLIP_TOKENIZER));
  return files;
}

/** A CLIP (aMUSEd-style) package; `edit` and `tamper` as for fakePackage. */
export function fakeClipPackage(edit: Edit = () => {}, tamper: Edit = () => {}): FakePackage {
  return buildPackage(clipFiles(), clipManifest(), edit, tamper);
}

/** A CLIP package whose base stage also has an fp16 copy (`stages.base.onnxFp16`) with its own external data. */
export function fakeClipPackageWithFp16(fp16Graph: FakeGraph = clipBaseGraph()): FakePackage {
  return fakeClipPackage((files, m) => {
    setGraph(files, 'transformer/base.fp16.onnx', fp16Graph);
    files.set('transformer/base.fp16.onnx.data', new Uint8Array([9, 9, 9]));
    ((m['stages'] as Record<string, Record<string, unknown>>)['base'])['onnxFp16'] = 'transformer/base.fp16.onnx';
    (m['externalData'] as Record<string, string>)['transformer/base.fp16.onnx'] = 'transformer/base.fp16.onnx.data';
  });
}

/** Wraps a source and records every path read from it. */
export function recordingSource(source: PackageSource): { source: PackageSource; reads: string[] } {
  const reads: string[] = [];
  return { source: { label: source.label, read: (path) => (reads.push(path), source.read(path)) }, reads };
}

/** Sets a graph's JSON (used inside `edit`). */
export function setGraph(files: Map<string, Uint8Array>, path: string, graph: FakeGraph): void {
  files.set(path, encoder.encode(JSON.stringify(graph)));
}

/** What a fake session was created with. */
export interface FakeCreated {
  graph: FakeGraph;
  options: { externalData?: { path: string; data: Uint8Array }[]; executionProviders?: string[]; graphOptimizationLevel?: string } | undefined;
}

/**
 * A fake ORT module: sessions come from JSON graph descriptions; counts live sessions and
 * records each session's graph and options in `created`.
 */
export function fakeOrt(): { ort: Ort; live(): number; created: FakeCreated[] } {
  let live = 0;
  const created: FakeCreated[] = [];
  class Tensor {
    constructor(
      readonly type: string,
      readonly data: unknown,
      readonly dims: readonly number[],
    ) {}
  }
  const InferenceSession = {
    async create(bytes: Uint8Array, options?: FakeCreated['options']) {
      let g: FakeGraph;
      try {
        g = JSON.parse(new TextDecoder().decode(bytes)) as FakeGraph;
        if (!Array.isArray(g.inputs)) throw new Error();
      } catch {
        throw new Error('Failed to load model because protobuf parsing failed.');
      }
      live++;
      created.push({ graph: g, options });
      const meta = (vals: FakeValue[]) => vals.map((x) => ({ ...x, isTensor: true }));
      return {
        inputNames: g.inputs.map((x) => x.name),
        outputNames: g.outputs.map((x) => x.name),
        inputMetadata: meta(g.inputs),
        outputMetadata: meta(g.outputs),
        run: () => Promise.reject(new Error('fake session: run is not supported')),
        release: async () => {
          live--;
        },
      };
    },
  };
  return { ort: { InferenceSession, Tensor } as unknown as Ort, live: () => live, created };
}

type Json = Record<string, unknown>;

/** Lists `files` in the manifest with their real digests, plus `extra` paths with dummy entries. */
export function withFiles(m: Json, files: Map<string, Uint8Array>, extra: string[] = []): Json {
  const entries = [...files].map(([p, b]) => [p, { sha256: sha256(b), bytes: b.byteLength }] as const);
  m['files'] = Object.fromEntries([...entries, ...extra.map((p) => [p, { sha256: 'a'.repeat(64), bytes: 1 }] as const)]);
  return m;
}

/** Sets (or, with `undefined`, deletes) the value at a dotted path; for breaking one field per test. */
export function setPath(m: Json, path: string, value: unknown): Json {
  const keys = path.split('.');
  let o = m;
  for (const k of keys.slice(0, -1)) o = o[k] as Json;
  const last = keys[keys.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return m;
}
