import { PackageError, describeError } from './errors';
import { parseManifest } from './manifest/parse';
import type { Manifest } from './manifest/types';
import { graphSpecs, type GraphKey } from './onnx/graphs';
import { checkGraph, createSession } from './onnx/session';
import type { Ort, OrtSession } from './ort';
import type { PackageSource } from './package/source';
import { verifyFile } from './package/verify';
import { edit } from './edit/edit';
import { generate, type ModelParts } from './pipeline/generate';
import { createPromptEncoder } from './text/promptEncoder';
import { loadTokenizer } from './text/tokenizer';
import type { EditRequest, EditResult, GenerateHooks, GenerateRequest, GenerateResult, LoadedModel } from './types';

export type * from './types';

export interface EngineOptions {
  /** onnxruntime-web in the browser worker, onnxruntime-node in the CLI and tests. */
  ort: Ort;
  /** ORT execution providers in order of preference, e.g. ['webgpu'] or ['wasm'] or ['cpu']. */
  executionProviders: string[];
}

const MANIFEST = 'manifest.json';

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new PackageError(`is not valid JSON (${describeError(err)})`, file);
  }
}

/** Reads and parses manifest.json of `source` (no file checks): for listing packages cheaply. */
export async function readManifest(source: PackageSource): Promise<Manifest> {
  return parseManifest(parseJson(await source.read(MANIFEST), MANIFEST), MANIFEST);
}

/**
 * Loads and checks a whole package: the manifest, the size and sha256 of every listed file, the
 * tokenizer, and every ONNX graph's inputs and outputs. Any problem rejects with a PackageError
 * naming the file, after releasing whatever was already created, so a bad package never
 * half-replaces a working model.
 */
export async function loadModel(source: PackageSource, opts: EngineOptions): Promise<LoadedModel> {
  const manifest = await readManifest(source);
  const { ort, executionProviders } = opts;
  const specs = graphSpecs(manifest);
  const sessions: OrtSession[] = [];
  const verified = new Set<string>();

  const readVerified = async (path: string): Promise<Uint8Array> => {
    const bytes = await source.read(path);
    await verifyFile(path, bytes, manifest.files[path]);
    verified.add(path);
    return bytes;
  };
  const openGraph = async (key: GraphKey, path: string): Promise<OrtSession> => {
    const session = await createSession(ort, await readVerified(path), path, executionProviders);
    sessions.push(session);
    const spec = specs[key];
    if (spec) checkGraph(session, spec, path);
    return session;
  };

  try {
    const te = manifest.textEncoder;
    const config = parseJson(await readVerified(te.config), te.config) as Record<string, unknown> | null;
    // Transformers.js configs name the width d_model; a mismatch would fail later, less clearly.
    if (typeof config?.['d_model'] === 'number' && config['d_model'] !== te.hiddenSize) {
      throw new PackageError(`d_model is ${config['d_model']} but textEncoder.hiddenSize is ${te.hiddenSize}`, te.config);
    }
    const tokenizer = loadTokenizer(parseJson(await readVerified(te.tokenizer), te.tokenizer), te, te.tokenizer);
    const textSession = await openGraph('textEncoder', te.onnx);
    const prompts = createPromptEncoder(ort, textSession, tokenizer, te.hiddenSize, te.onnx);
    const encoder = await openGraph('vqEncoder', manifest.vqgan.encoder);
    const decoder = await openGraph('vqDecoder', manifest.vqgan.decoder);
    const base = await openGraph('base', manifest.stages.base.onnx);
    const sr = manifest.stages.superRes;
    const superRes = sr ? await openGraph('superRes', sr.onnx) : undefined;
    // Files the runtime does not open (licences, notes) must still be what the manifest says.
    for (const path of Object.keys(manifest.files)) if (!verified.has(path)) await readVerified(path);

    const parts: ModelParts = {
      ort,
      manifest,
      prompts,
      vq: { ort, session: decoder, file: manifest.vqgan.decoder, downsample: manifest.vqgan.downsample, pixelRange: manifest.vqgan.pixelRange },
      vqEncoder: { ort, session: encoder, file: manifest.vqgan.encoder, downsample: manifest.vqgan.downsample, codebookSize: manifest.vqgan.codebookSize },
      base,
      ...(superRes ? { superRes } : {}),
    };
    return createLoadedModel(parts, sessions);
  } catch (err) {
    await Promise.allSettled(sessions.map((s) => s.release()));
    throw err;
  }
}

function createLoadedModel(parts: ModelParts, sessions: OrtSession[]): LoadedModel {
  // Sessions must not run two jobs at once (WebGPU and WASM sessions are not re-entrant), so
  // generate and edit calls queue behind each other.
  let queue: Promise<unknown> = Promise.resolve();
  let released = false;
  const enqueue = <T>(run: () => Promise<T>): Promise<T> => {
    const job = queue.then(() => {
      if (released) throw new Error('this model was released; load it again to use it');
      return run();
    });
    queue = job.catch(() => undefined);
    return job;
  };
  return {
    manifest: parts.manifest,
    generate(req: GenerateRequest, hooks?: GenerateHooks): Promise<GenerateResult> {
      return enqueue(() => generate(parts, req, hooks));
    },
    edit(req: EditRequest, hooks?: GenerateHooks): Promise<EditResult> {
      return enqueue(() => edit(parts, req, hooks));
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await queue;
      await Promise.allSettled(sessions.map((s) => s.release()));
    },
  };
}
