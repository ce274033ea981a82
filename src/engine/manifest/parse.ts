import { PackageError } from '../errors';
import { pathProblem } from './paths';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  type ConfidenceSchedule,
  type FileEntry,
  type Manifest,
  type MicroConditioning,
  type Provenance,
  type StageSettings,
  type StageSpec,
  type SuperResStageSpec,
  type TextEncoderSpec,
  type VqganSpec,
} from './types';

type Obj = Record<string, unknown>;

/** Short JSON rendering of a bad value for messages ("got [8]"). */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Hand-written validator: each reader takes the parent object, the key and the dotted path used
 * in messages, and throws a PackageError on the first problem. The first problem is enough for
 * a user to act on and keeps messages short.
 */
class Reader {
  constructor(private readonly label: string) {}

  fail(path: string, problem: string): never {
    throw new PackageError(`${path} ${problem}`, this.label);
  }

  private get(o: Obj, key: string, path: string): unknown {
    const v = o[key];
    if (v === undefined || v === null) this.fail(path, 'is missing');
    return v;
  }

  object(o: Obj, key: string, path: string): Obj {
    const v = this.get(o, key, path);
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(path, `must be an object, got ${show(v)}`);
    return v as Obj;
  }

  string(o: Obj, key: string, path: string, allowEmpty = false): string {
    const v = this.get(o, key, path);
    if (typeof v !== 'string') this.fail(path, `must be a string, got ${show(v)}`);
    if (!allowEmpty && v.trim() === '') this.fail(path, 'must not be empty');
    return v;
  }

  boolean(o: Obj, key: string, path: string): boolean {
    const v = this.get(o, key, path);
    if (typeof v !== 'boolean') this.fail(path, `must be true or false, got ${show(v)}`);
    return v;
  }

  integer(o: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.get(o, key, path);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `${min}–${max}`;
      this.fail(path, `must be an integer ${range}, got ${show(v)}`);
    }
    return v;
  }

  number(o: Obj, key: string, path: string, min: number, minExclusive = false): number {
    const v = this.get(o, key, path);
    const ok = typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min);
    if (!ok) this.fail(path, `must be a number ${minExclusive ? '>' : '≥'} ${min}, got ${show(v)}`);
    return v as number;
  }

  /** Two positive integers, e.g. a grid [rows, cols] or an image size [height, width]. */
  pair(o: Obj, key: string, path: string): [number, number] {
    const v = this.get(o, key, path);
    const ok = Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0);
    if (!ok) this.fail(path, `must be two positive integers, got ${show(v)}`);
    return [v[0] as number, v[1] as number];
  }

  /** A package-relative path that `files` lists. */
  file(o: Obj, key: string, path: string, files: Record<string, FileEntry>): string {
    const v = this.string(o, key, path);
    const problem = pathProblem(v);
    if (problem) this.fail(path, `"${v}" ${problem}`);
    if (!(v in files)) this.fail(path, `names "${v}", which is not listed in files`);
    return v;
  }
}

function readFiles(r: Reader, root: Obj): Record<string, FileEntry> {
  const filesObj = r.object(root, 'files', 'files');
  const files: Record<string, FileEntry> = Object.create(null) as Record<string, FileEntry>;
  for (const p of Object.keys(filesObj)) {
    const problem = pathProblem(p);
    if (problem) r.fail(`files["${p}"]`, `path ${problem}`);
    const entry = r.object(filesObj, p, `files["${p}"]`);
    const sha256 = r.string(entry, 'sha256', `files["${p}"].sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      r.fail(`files["${p}"].sha256`, `must be 64 lower-case hex digits, got ${show(sha256)}`);
    }
    files[p] = { sha256, bytes: r.integer(entry, 'bytes', `files["${p}"].bytes`, 0) };
  }
  return files;
}

function readSettings(r: Reader, stage: Obj, path: string): StageSettings {
  const d = r.object(stage, 'defaults', `${path}.defaults`);
  const p = `${path}.defaults`;
  const ramp = r.string(d, 'guidanceRamp', `${p}.guidanceRamp`);
  if (ramp !== 'none' && ramp !== 'linear') r.fail(`${p}.guidanceRamp`, `must be "none" or "linear", got ${show(ramp)}`);
  return {
    steps: r.integer(d, 'steps', `${p}.steps`, 1, 64),
    guidance: r.number(d, 'guidance', `${p}.guidance`, 0),
    guidanceRamp: ramp,
    temperature: r.number(d, 'temperature', `${p}.temperature`, 0, true),
    confidenceNoise: r.number(d, 'confidenceNoise', `${p}.confidenceNoise`, 0),
  };
}

function readStage(r: Reader, stage: Obj, path: string, vq: VqganSpec, files: Record<string, FileEntry>): StageSpec {
  const grid = r.pair(stage, 'grid', `${path}.grid`);
  const imageSize = r.pair(stage, 'imageSize', `${path}.imageSize`);
  const want: [number, number] = [grid[0] * vq.downsample, grid[1] * vq.downsample];
  if (imageSize[0] !== want[0] || imageSize[1] !== want[1]) {
    r.fail(`${path}.imageSize`, `must be grid × vqgan.downsample = ${show(want)}, got ${show(imageSize)}`);
  }
  const maskTokenId = r.integer(stage, 'maskTokenId', `${path}.maskTokenId`, 0);
  if (maskTokenId < vq.codebookSize) {
    r.fail(`${path}.maskTokenId`, `must be ≥ vqgan.codebookSize (${vq.codebookSize}), got ${maskTokenId}`);
  }
  const onnx = r.file(stage, 'onnx', `${path}.onnx`, files);
  const spec: StageSpec = { onnx, grid, imageSize, maskTokenId, defaults: readSettings(r, stage, path) };
  if (stage['onnxFp16'] !== undefined) {
    spec.onnxFp16 = r.file(stage, 'onnxFp16', `${path}.onnxFp16`, files);
    if (spec.onnxFp16 === onnx) r.fail(`${path}.onnxFp16`, `must name a different file than ${path}.onnx`);
  }
  if (stage['confidenceSchedule'] !== undefined) {
    const s = r.string(stage, 'confidenceSchedule', `${path}.confidenceSchedule`);
    if (!SCHEDULES.includes(s as ConfidenceSchedule)) {
      r.fail(`${path}.confidenceSchedule`, `must be ${SCHEDULES.map((x) => `"${x}"`).join(' or ')}, got ${show(s)}`);
    }
    spec.confidenceSchedule = s as ConfidenceSchedule;
  }
  return spec;
}

const SCHEDULES: readonly ConfidenceSchedule[] = ['linear-from-next', 'amused'];

function readMicroConditioning(r: Reader, stage: Obj, path: string): MicroConditioning {
  const mc = r.object(stage, 'microConditioning', path);
  const values = mc['values'];
  const ok = Array.isArray(values) && values.length > 0 && values.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!ok) r.fail(`${path}.values`, `must be a non-empty list of finite numbers, got ${show(values)}`);
  const out: MicroConditioning = { values: (values as number[]).slice() };
  const names = mc['names'];
  if (names !== undefined) {
    const okNames = Array.isArray(names) && names.every((x) => typeof x === 'string');
    if (!okNames) r.fail(`${path}.names`, `must be a list of strings, got ${show(names)}`);
    if ((names as string[]).length !== out.values.length) {
      r.fail(`${path}.names`, `must name each of the ${out.values.length} values, got ${(names as string[]).length} names`);
    }
    out.names = (names as string[]).slice();
  }
  return out;
}

function readTextEncoder(r: Reader, root: Obj, files: Record<string, FileEntry>): TextEncoderSpec {
  const t = r.object(root, 'textEncoder', 'textEncoder');
  const kind = r.string(t, 'kind', 'textEncoder.kind');
  if (kind !== 't5' && kind !== 'clip') r.fail('textEncoder.kind', `"${kind}" is not supported (this studio reads "t5" and "clip")`);
  const common = {
    onnx: r.file(t, 'onnx', 'textEncoder.onnx', files),
    tokenizer: r.file(t, 'tokenizer', 'textEncoder.tokenizer', files),
    config: r.file(t, 'config', 'textEncoder.config', files),
    maxLength: r.integer(t, 'maxLength', 'textEncoder.maxLength', 1, 4096),
    hiddenSize: r.integer(t, 'hiddenSize', 'textEncoder.hiddenSize', 1),
    padTokenId: r.integer(t, 'padTokenId', 'textEncoder.padTokenId', 0),
  };
  if (kind === 'clip') return { kind, ...common, projectionDim: r.integer(t, 'projectionDim', 'textEncoder.projectionDim', 1) };
  if (t['projectionDim'] !== undefined) r.fail('textEncoder.projectionDim', 'is only for kind "clip" (a T5 encoder has no pooled output)');
  return { kind, ...common };
}

/** `externalData`: graph path -> data file path, each graph one of `graphs`, the data in its folder. */
function readExternalData(r: Reader, root: Obj, files: Record<string, FileEntry>, graphs: Set<string>): Record<string, string> | undefined {
  if (root['externalData'] === undefined) return undefined;
  const ext = r.object(root, 'externalData', 'externalData');
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const folder = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);
  for (const graph of Object.keys(ext)) {
    const path = `externalData["${graph}"]`;
    if (!graphs.has(graph)) r.fail(path, `"${graph}" is not one of the package's ONNX graphs (${[...graphs].join(', ')})`);
    const data = r.file(ext, graph, path, files);
    if (graphs.has(data)) r.fail(path, `"${data}" is an ONNX graph, not its external data`);
    if (folder(data) !== folder(graph)) r.fail(path, `"${data}" must be in the graph's folder ("${folder(graph) || './'}")`);
    out[graph] = data;
  }
  return out;
}

function readVqgan(r: Reader, root: Obj, files: Record<string, FileEntry>): VqganSpec {
  const v = r.object(root, 'vqgan', 'vqgan');
  const range = v['pixelRange'];
  if (range === undefined || range === null) r.fail('vqgan.pixelRange', 'is missing');
  const nums = Array.isArray(range) && range.length === 2 && range.every((x) => typeof x === 'number' && Number.isFinite(x));
  const [lo, hi] = nums ? (range as [number, number]) : [0, 0];
  if (!nums || !(lo < hi)) r.fail('vqgan.pixelRange', `must be two numbers [low, high] with low < high, got ${show(range)}`);
  return {
    encoder: r.file(v, 'encoder', 'vqgan.encoder', files),
    decoder: r.file(v, 'decoder', 'vqgan.decoder', files),
    downsample: r.integer(v, 'downsample', 'vqgan.downsample', 1),
    codebookSize: r.integer(v, 'codebookSize', 'vqgan.codebookSize', 2),
    pixelRange: [lo, hi],
  };
}

/**
 * Validates a parsed manifest.json against docs/MODEL_PACKAGE.md (format version 1) and returns
 * it typed. Checks every rule that needs no file contents (hashes and ONNX graphs are checked by
 * loadModel). Throws a PackageError whose message starts with `label` (normally "manifest.json").
 */
export function parseManifest(json: unknown, label = 'manifest.json'): Manifest {
  const r: Reader = new Reader(label);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PackageError(`must hold a JSON object, got ${show(json)}`, label);
  }
  const root = json as Obj;
  if (root['format'] !== FORMAT_NAME) {
    throw new PackageError(`not a Muse Studio model package (format is ${show(root['format'])}, expected "${FORMAT_NAME}")`, label);
  }
  if (root['formatVersion'] !== FORMAT_VERSION) {
    throw new PackageError(`unsupported package format version ${show(root['formatVersion'])} (this studio reads version ${FORMAT_VERSION})`, label);
  }
  const name = r.string(root, 'name', 'name');
  if (!/^[a-z0-9-]+$/.test(name)) r.fail('name', `must use only a-z, 0-9 and "-", got ${show(name)}`);

  const provObj = r.object(root, 'provenance', 'provenance');
  // trainingCommand is optional: fixtures and converted checkpoints have no training run.
  const provenance: Provenance = {
    source: r.string(provObj, 'source', 'provenance.source'),
    created: r.string(provObj, 'created', 'provenance.created'),
  };
  if (provObj['trainingCommand'] !== undefined) {
    provenance.trainingCommand = r.string(provObj, 'trainingCommand', 'provenance.trainingCommand', true);
  }
  if (Number.isNaN(Date.parse(provenance.created))) {
    r.fail('provenance.created', `must be an ISO date, got ${show(provenance.created)}`);
  }

  const files = readFiles(r, root);
  const textEncoder = readTextEncoder(r, root, files);
  const vqgan = readVqgan(r, root, files);

  const stagesObj = r.object(root, 'stages', 'stages');
  const baseObj = r.object(stagesObj, 'base', 'stages.base');
  const base = readStage(r, baseObj, 'stages.base', vqgan, files);
  const clip = textEncoder.kind === 'clip';
  if (clip) {
    if (baseObj['microConditioning'] === undefined) {
      r.fail('stages.base.microConditioning', 'is missing (required with textEncoder.kind "clip": the values fed as micro_conds)');
    }
    base.microConditioning = readMicroConditioning(r, baseObj, 'stages.base.microConditioning');
  } else if (baseObj['microConditioning'] !== undefined) {
    r.fail('stages.base.microConditioning', 'is only for packages with textEncoder.kind "clip"');
  }
  let superRes: SuperResStageSpec | undefined;
  if (stagesObj['superRes'] !== undefined) {
    if (clip) r.fail('stages.superRes', 'is not supported with textEncoder.kind "clip" (CLIP packages are single-stage)');
    const srObj = r.object(stagesObj, 'superRes', 'stages.superRes');
    const sr = readStage(r, srObj, 'stages.superRes', vqgan, files);
    if (srObj['microConditioning'] !== undefined) r.fail('stages.superRes.microConditioning', 'is only for the base stage');
    if (sr.onnxFp16 !== undefined) r.fail('stages.superRes.onnxFp16', 'is only for the base stage');
    const lowResGrid = r.pair(srObj, 'lowResGrid', 'stages.superRes.lowResGrid');
    if (lowResGrid[0] !== base.grid[0] || lowResGrid[1] !== base.grid[1]) {
      r.fail('stages.superRes.lowResGrid', `must equal stages.base.grid ${show(base.grid)}, got ${show(lowResGrid)}`);
    }
    superRes = { ...sr, lowResGrid };
  }
  const graphs = new Set([textEncoder.onnx, vqgan.encoder, vqgan.decoder, base.onnx]);
  if (base.onnxFp16) graphs.add(base.onnxFp16);
  if (superRes) graphs.add(superRes.onnx);
  const externalData = readExternalData(r, root, files, graphs);

  return {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    name,
    displayName: r.string(root, 'displayName', 'displayName'),
    description: r.string(root, 'description', 'description', true),
    fixture: r.boolean(root, 'fixture', 'fixture'),
    license: r.string(root, 'license', 'license'),
    provenance,
    textEncoder,
    vqgan,
    stages: superRes ? { base, superRes } : { base },
    ...(externalData ? { externalData } : {}),
    files,
  };
}
