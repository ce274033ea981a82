import { PackageError, describeError } from './errors';
import { JobQueue } from './queue';
import { parseManifest } from './manifest/parse';
import type { Manifest } from './manifest/types';
import { graphSpecs, t5EncoderSpec, type GraphKey } from './onnx/graphs';
import type { ConstantPlacer } from './onnx/constants';
import { checkGraph, createSession } from './onnx/session';
import type { Ort, OrtSession, SessionRuntime } from './ort';
import type { PackageSource } from './package/source';
import { verifyFile, verifySize, type VerifyMode } from './package/verify';
import { verifyFileStream } from './package/verifyStream';
import { edit } from './edit/edit';
import { vqRoundTrip, type VqRoundTrip } from './edit/fidelity';
import { generate, type ModelParts } from './pipeline/generate';
import { atlasFromBytes, atlasKey, previewAtlas, type AtlasCache } from './pipeline/mosaic';
import type { VqDecoder } from './pipeline/vq';
import { createClipPromptEncoder, createPromptEncoder, type PromptEncoder } from './text/promptEncoder';
import { loadTokenizer } from './text/tokenizer';
import type { EditRequest, EditResult, GenerateHooks, GenerateRequest, GenerateResult, LoadedModel, RgbaImage } from './types';

export type * from './types';

/** `executionProviders` and `graphOptimizationLevel` (ort.ts) apply to every session of the model. */
export interface EngineOptions extends SessionRuntime {
  /** onnxruntime-web in the browser worker, onnxruntime-node in the CLI and tests. */
  ort: Ort;
  /**
   * Use the package's fp16 copy of the base transformer (`stages.base.onnxFp16`) when it has
   * one. The worker sets this only on WebGPU with the `shader-f16` feature; the VQ graphs and
   * the text encoder always stay fp32. Default false.
   */
  preferFp16?: boolean;
  /**
   * A T5 encoder in the Transformers.js layout (`config.json`, `tokenizer.json`,
   * `onnx/encoder_model.onnx`) that replaces the package's own text encoder. Only for packages
   * with `textEncoder.kind` "t5"; its `d_model` must equal `textEncoder.hiddenSize`.
   */
  textEncoderSource?: PackageSource;
  /**
   * Where each stage's constant inputs live during its iterations (see onnx/constants.ts). The
   * worker passes a GPU-buffer placer on WebGPU; default: CPU tensors.
   */
  placeConstants?: ConstantPlacer;
  /** Keeps the super-res preview atlas between loads (pipeline/mosaic.ts); default: built per load. */
  atlasCache?: AtlasCache;
  /**
   * The queue the model's calls run on (queue.ts). The worker passes the one its own jobs run on;
   * default: a queue of this model's own.
   */
  queue?: JobQueue;
  /**
   * How each file is checked against the manifest (package/verify.ts): 'sha256' (default) hashes
   * every byte; 'size' compares sizes only and trusts a record that the files were hashed
   * before: the worker passes it for packages in the model store, which verified every file at
   * install (and again when the user asks to check them). A size that differs is refused.
   * With 'size', a source that offers `graphFile` (PackageSource) has its graphs opened by the
   * runtime from disk, weights included, instead of read here.
   */
  verify?: VerifyMode;
  /**
   * Told after each file of the package has been read and checked, so a load can say how far it
   * is ("Loading model 3/7 files…"). `total` counts the files this load reads.
   */
  onLoadProgress?: (p: LoadProgress) => void;
}

/** How far a load is: files read and checked so far, of the files this load reads. */
export interface LoadProgress {
  done: number;
  total: number;
  file: string;
}

const MANIFEST = 'manifest.json';
/** How far ahead of the graph being opened a load reads (loadModel, readAhead). */
const READ_AHEAD_BYTES = 256 * 2 ** 20;

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new PackageError(`is not valid JSON (${describeError(err)})`, file);
  }
}

/** A JSON object, or a PackageError naming `file`. */
function parseJsonObject(bytes: Uint8Array, file: string): Record<string, unknown> {
  const v = parseJson(bytes, file);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PackageError('must hold a JSON object', file);
  return v as Record<string, unknown>;
}

/** Reads and parses manifest.json of `source` (no file checks): for listing packages cheaply. */
export async function readManifest(source: PackageSource): Promise<Manifest> {
  return parseManifest(parseJson(await source.read(MANIFEST), MANIFEST), MANIFEST);
}

/** One file that failed a check, with the reason (PackageError message without the path). */
export interface FileProblem {
  path: string;
  message: string;
}

/**
 * Hashes every file the manifest lists and compares it with the manifest: the full check that
 * install does and that a user asks for again ("Check files"), since loads of a stored package
 * compare sizes only (`EngineOptions.verify`). Every file is checked, a bad one does not stop
 * the rest; `onFile` is told after each. Rejects only when the manifest itself cannot be read.
 */
export async function checkPackageFiles(source: PackageSource, onFile?: (path: string, done: number, total: number) => void): Promise<{ files: number; problems: FileProblem[] }> {
  const manifest = await readManifest(source);
  const paths = Object.keys(manifest.files);
  const problems: FileProblem[] = [];
  for (const [i, path] of paths.entries()) {
    try {
      const body = await source.stream?.(path);
      if (body) await verifyFileStream(path, body, manifest.files[path]);
      else await verifyFile(path, await source.read(path), manifest.files[path]);
    } catch (e) {
      const message = e instanceof PackageError ? e.message.replace(`${path}: `, '') : describeError(e);
      problems.push({ path, message });
    }
    onFile?.(path, i + 1, paths.length);
  }
  return { files: paths.length, problems };
}

/** Checks a transformers config's width fields against the manifest (a mismatch would fail later, less clearly). */
function checkConfigWidths(config: Record<string, unknown>, want: Record<string, [string, number]>, file: string): void {
  for (const [key, [field, value]] of Object.entries(want)) {
    const got = config[key];
    if (typeof got === 'number' && got !== value) throw new PackageError(`${key} is ${got} but ${field} is ${value}`, file);
  }
}

/** The last path segment: how a graph names its external-data file. */
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The Transformers.js layout of a T5 encoder given as `EngineOptions.textEncoderSource`. */
export const T5_SOURCE_FILES = { config: 'config.json', tokenizer: 'tokenizer.json', onnx: 'onnx/encoder_model.onnx' } as const;

/**
 * Loads and checks a whole package: the manifest, the size and sha256 (size only with
 * `opts.verify` 'size') of every listed file, the
 * tokenizer, and every ONNX graph's inputs and outputs. Any problem rejects with a PackageError
 * naming the file, after releasing whatever was already created, so a bad package never
 * half-replaces a working model. Files of graphs the engine does not use are neither read nor
 * checked: the base transformer's other precision (onnx vs onnxFp16) and, with
 * `textEncoderSource`, the package's own text encoder (graph, tokenizer, config).
 */
export async function loadModel(source: PackageSource, opts: EngineOptions): Promise<LoadedModel> {
  const manifest = await readManifest(source);
  const { ort } = opts;
  const specs = graphSpecs(manifest);
  const sessions: OrtSession[] = [];
  const verified = new Set<string>();
  const external = manifest.externalData ?? {};
  const te = manifest.textEncoder;
  const t5Source = opts.textEncoderSource;
  const baseSpec = manifest.stages.base;
  const useFp16 = opts.preferFp16 === true && baseSpec.onnxFp16 !== undefined;
  const baseFile = useFp16 ? (baseSpec.onnxFp16 as string) : baseSpec.onnx;

  // Graphs (and their data) that this load leaves unopened. A data file stays in use while any
  // opened graph names it (a diffusers snapshot's two base graphs share one weights file).
  const unopened = [useFp16 ? baseSpec.onnx : baseSpec.onnxFp16, ...(t5Source ? [te.onnx, te.tokenizer, te.config] : [])];
  const unused = new Set(unopened.filter((p): p is string => p !== undefined));
  const dataOf = Object.entries(external);
  for (const [, data] of dataOf) if (dataOf.every(([graph, d]) => d !== data || unused.has(graph))) unused.add(data);

  // The files this load reads, in the order it opens them: the text encoder's, the VQ graphs, the
  // transformers, then the rest (licences, notes), which must still be what the manifest says.
  const te0 = t5Source ? [] : [te.config, te.tokenizer, te.onnx];
  const graphs = [manifest.vqgan.encoder, manifest.vqgan.decoder, baseFile, ...(manifest.stages.superRes ? [manifest.stages.superRes.onnx] : [])];
  const withData = (paths: string[]): string[] => paths.flatMap((p) => (external[p] ? [p, external[p]] : [p]));
  const order = [...new Set([...withData(te0), ...withData(graphs), ...Object.keys(manifest.files)])].filter((p) => manifest.files[p] && !unused.has(p));
  // With sizes trusted (verify 'size'), a source that can put a graph on disk (graphFile) lets
  // the runtime read the weights from there: those graphs and their data are not read here.
  const fromDisk = new Set(opts.verify === 'size' && source.graphFile ? withData([...(t5Source ? [] : [te.onnx]), ...graphs]) : []);
  const reads = new Map<string, Promise<Uint8Array>>();
  const markVerified = (path: string): void => {
    if (verified.has(path)) return;
    verified.add(path);
    opts.onLoadProgress?.({ done: verified.size, total: order.length, file: path });
  };
  const readVerified = (path: string): Promise<Uint8Array> => {
    let read = reads.get(path);
    if (!read) {
      read = (async () => {
        const bytes = await source.read(path);
        await verifyFile(path, bytes, manifest.files[path], opts.verify);
        markVerified(path);
        return bytes;
      })();
      // A read started ahead that nobody awaits yet must not be an unhandled rejection.
      read.catch(() => {});
      reads.set(path, read);
    }
    return read;
  };
  /**
   * Starts reading the files after `path` (all of them from the start when `path` is undefined),
   * up to READ_AHEAD_BYTES ahead: fetching and hashing them (WebCrypto works off the JS thread)
   * overlaps ONNX Runtime's start and session creation, which is what a load waits on, while a
   * model of gigabytes is not held in memory twice over. Every file is read and hashed once: a
   * read in flight is shared through `reads` (kept until its session is made), and a file in
   * `verified` is skipped.
   */
  const readAhead = (path?: string): void => {
    let ahead = 0;
    for (const next of order.slice(path === undefined ? 0 : order.indexOf(path) + 1)) {
      ahead += manifest.files[next].bytes;
      if (ahead > READ_AHEAD_BYTES && ahead !== manifest.files[next].bytes) break;
      if (!verified.has(next) && !fromDisk.has(next)) void readVerified(next);
    }
  };
  // The text encoder's files first, on their own: its session is the first one, and creating it
  // also starts ONNX Runtime, so a load waits on these bytes. Read together with the rest of the
  // package they came in 1.4–1.9 s instead of 0.2 s (docs/BENCHMARKS.md, issue 14.2). The rest is
  // read ahead once the encoder's graph is in (openFromBytes / openFromDisk call readAhead), while
  // ORT starts and creates its session.
  const first = te0.filter((p) => order.includes(p) && !fromDisk.has(p));
  if (first.length === 0) readAhead();
  else first.forEach((p) => void readVerified(p));
  /** The session of graph `path` opened by the runtime from a file the source put on disk, or undefined when it has none. */
  const openFromDisk = async (path: string, dataPath: string | undefined): Promise<OrtSession | undefined> => {
    const disk = fromDisk.has(path) ? await source.graphFile?.(path, dataPath) : undefined;
    if (!disk) return undefined;
    try {
      const paths = dataPath ? [path, dataPath] : [path];
      paths.forEach((p, i) => verifySize(p, disk.bytes[i], manifest.files[p], 'size'));
      readAhead(dataPath ?? path);
      const session = await createSession(ort, disk.file, path, opts);
      paths.forEach(markVerified);
      return session;
    } finally {
      await disk.done();
    }
  };
  const openFromBytes = async (path: string, dataPath: string | undefined): Promise<OrtSession> => {
    const bytes = await readVerified(path);
    const data = dataPath ? [{ path: baseName(dataPath), data: await readVerified(dataPath) }] : undefined;
    readAhead(dataPath ?? path);
    const session = await createSession(ort, bytes, path, opts, data);
    // The session holds its own copy: let these bytes go before the next graph's arrive.
    reads.delete(path);
    if (dataPath) reads.delete(dataPath);
    return session;
  };
  const openGraph = async (key: GraphKey, path: string): Promise<OrtSession> => {
    const dataPath = external[path];
    const session = (await openFromDisk(path, dataPath)) ?? (await openFromBytes(path, dataPath));
    sessions.push(session);
    const spec = specs[key];
    if (spec) checkGraph(session, spec, path);
    return session;
  };

  try {
    let prompts: PromptEncoder;
    if (t5Source) {
      prompts = await openT5Source(t5Source, manifest, opts, sessions);
    } else {
      const config = parseJsonObject(await readVerified(te.config), te.config);
      const tokenizer = loadTokenizer(parseJson(await readVerified(te.tokenizer), te.tokenizer), te, te.tokenizer);
      const textSession = await openGraph('textEncoder', te.onnx);
      if (te.kind === 'clip') {
        // transformers' CLIPTextConfig names the widths hidden_size and projection_dim.
        checkConfigWidths(config, { hidden_size: ['textEncoder.hiddenSize', te.hiddenSize], projection_dim: ['textEncoder.projectionDim', te.projectionDim] }, te.config);
        prompts = createClipPromptEncoder(ort, textSession, tokenizer, te, te.onnx);
      } else {
        // Transformers.js configs name the width d_model.
        checkConfigWidths(config, { d_model: ['textEncoder.hiddenSize', te.hiddenSize] }, te.config);
        prompts = createPromptEncoder(ort, textSession, tokenizer, te.hiddenSize, te.onnx);
      }
    }
    const encoder = await openGraph('vqEncoder', manifest.vqgan.encoder);
    const decoder = await openGraph('vqDecoder', manifest.vqgan.decoder);
    const base = await openGraph('base', baseFile);
    const sr = manifest.stages.superRes;
    const superRes = sr ? await openGraph('superRes', sr.onnx) : undefined;
    // Files the runtime does not open (licences, notes) must still be what the manifest says.
    for (const path of order) if (!verified.has(path)) await readVerified(path);
    const { previewAtlas: atlasFile, codebookSize, downsample } = manifest.vqgan;
    const atlas = superRes && atlasFile ? atlasFromBytes(await readVerified(atlasFile), codebookSize, downsample) : undefined;

    const vq: VqDecoder = { ort, session: decoder, file: manifest.vqgan.decoder, downsample: manifest.vqgan.downsample, pixelRange: manifest.vqgan.pixelRange };
    const parts: ModelParts = {
      ort,
      manifest,
      prompts,
      vq,
      ...(superRes ? { previewAtlas: previewAtlas(vq, codebookSize, opts.atlasCache, atlasKey(manifest.files[manifest.vqgan.decoder].sha256), atlas) } : {}),
      vqEncoder: { ort, session: encoder, file: manifest.vqgan.encoder, downsample: manifest.vqgan.downsample, codebookSize: manifest.vqgan.codebookSize },
      base,
      baseFile,
      ...(superRes ? { superRes } : {}),
      ...(opts.placeConstants ? { placeConstants: opts.placeConstants } : {}),
    };
    return createLoadedModel(parts, sessions, opts.queue ?? new JobQueue());
  } catch (err) {
    await Promise.allSettled(sessions.map((s) => s.release()));
    throw err;
  }
}

/**
 * Opens a Transformers.js-layout T5 encoder in place of the package's text encoder: its
 * config.json must describe a T5 encoder whose d_model equals textEncoder.hiddenSize; its
 * tokenizer.json and pad_token_id replace the package's, and prompts are still truncated and
 * padded to the package's maxLength (the transformers' S). Messages name "<label>/<file>".
 */
async function openT5Source(src: PackageSource, manifest: Manifest, opts: EngineOptions, sessions: OrtSession[]): Promise<PromptEncoder> {
  const te = manifest.textEncoder;
  const name = (file: string): string => `${src.label.replace(/\/+$/, '')}/${file}`;
  if (te.kind !== 't5') {
    throw new PackageError(`a T5 encoder cannot replace this package's text encoder: its textEncoder.kind is "${te.kind}" (the transformer was trained on CLIP's outputs)`, name(T5_SOURCE_FILES.config));
  }
  const configFile = name(T5_SOURCE_FILES.config);
  const config = parseJsonObject(await src.read(T5_SOURCE_FILES.config), configFile);
  const dModel = config['d_model'];
  if (typeof dModel !== 'number') {
    throw new PackageError(`has no numeric d_model: not a T5 encoder config (model_type ${JSON.stringify(config['model_type'] ?? null)})`, configFile);
  }
  if (dModel !== te.hiddenSize) {
    throw new PackageError(`d_model is ${dModel} but this package's transformers take text states of width ${te.hiddenSize} (textEncoder.hiddenSize): this encoder cannot replace the package's`, configFile);
  }
  const pad = config['pad_token_id'];
  const padTokenId = typeof pad === 'number' && Number.isInteger(pad) && pad >= 0 ? pad : 0;
  const tokFile = name(T5_SOURCE_FILES.tokenizer);
  const tokenizer = loadTokenizer(parseJson(await src.read(T5_SOURCE_FILES.tokenizer), tokFile), { maxLength: te.maxLength, padTokenId }, tokFile);
  const onnxFile = name(T5_SOURCE_FILES.onnx);
  const session = await createSession(opts.ort, await src.read(T5_SOURCE_FILES.onnx), onnxFile, opts);
  sessions.push(session);
  checkGraph(session, t5EncoderSpec(te.hiddenSize), onnxFile);
  return createPromptEncoder(opts.ort, session, tokenizer, te.hiddenSize, onnxFile);
}

const RELEASED = 'this model was released; load it again to use it';

/**
 * The LoadedModel over `parts`. Sessions must not run two jobs at once (WebGPU and WASM sessions
 * are not re-entrant), so every call is a job of `queue`, or runs inside the caller's job when
 * the hooks name the queue's running job.
 */
function createLoadedModel(parts: ModelParts, sessions: OrtSession[], queue: JobQueue): LoadedModel {
  let released = false;
  /** This model's jobs, for dropping the waiting ones on release. */
  const owner = {};
  let running: Promise<unknown> = Promise.resolve();
  const call = <T>(kind: string, hooks: GenerateHooks | undefined, work: () => Promise<T>): Promise<T> => {
    const guarded = (): Promise<T> => {
      if (released) return Promise.reject(new Error(RELEASED));
      const p = work();
      running = p.catch(() => undefined);
      return p;
    };
    if (hooks?.job !== undefined && hooks.job === queue.active) return guarded();
    return queue.run({ kind, owner, run: guarded });
  };
  return {
    manifest: parts.manifest,
    generate(req: GenerateRequest, hooks?: GenerateHooks): Promise<GenerateResult> {
      return call('generate', hooks, () => generate(parts, req, hooks));
    },
    edit(req: EditRequest, hooks?: GenerateHooks): Promise<EditResult> {
      return call('edit', hooks, () => edit(parts, req, hooks));
    },
    unknownWords(text: string): string[] {
      return parts.prompts.unknownWords(text);
    },
    vqRoundTrip(image: RgbaImage, hooks?: Pick<GenerateHooks, 'job'>): Promise<VqRoundTrip> {
      return call('vqRoundTrip', hooks, () => vqRoundTrip(parts, image));
    },
    warmPreviews(opts?: { cachedOnly?: boolean }): Promise<boolean> {
      if (parts.previewAtlas?.now()) return Promise.resolve(true);
      return call('warmPreviews', undefined, async () => (await parts.previewAtlas?.get(opts?.cachedOnly)) !== undefined);
    },
    previewsReady(): boolean {
      return parts.previewAtlas?.now() !== undefined;
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      queue.dropWaiting(owner, new Error(RELEASED));
      await running;
      await Promise.allSettled(sessions.map((s) => s.release()));
    },
  };
}
