/**
 * Worker entry: owns the engine and the ONNX Runtime module (the only place that imports
 * onnxruntime-web), runs one job at a time, and answers every request with a terminal event
 * as data (see protocol.ts for the invariants).
 */
// The `/webgpu` entry (native WebGPU EP, `ort-wasm-simd-threaded.asyncify.wasm`) runs both the
// WebGPU and the WASM execution providers. The default entry's JSEP build breaks WebGPU sessions
// when a WASM session is released after them (measured in Chromium 156: "no GPU data for input"),
// which is exactly what switching backends does.
import * as ort from 'onnxruntime-web/webgpu';
import { createUrlSource, loadModel, type GenerateHooks, type LoadedModel, type Progress, type RgbaImage } from '../engine';
import { chooseBackend, configureWasm, errorMessage, executionProviders } from './backend';
import { cacheStorageAtlasCache } from './atlasCache';
import { gpuConstantPlacer } from './gpuConstants';
import { createStoredSource } from '../app/models/storedSource';
import { storedIdOf } from '../app/models/layout';
import type {
  BackendKind,
  BackendPreference,
  EditJobRequest,
  ErrorCode,
  GenerateJobRequest,
  WireImage,
  WorkerEvent,
  WorkerRequest,
} from './protocol';

// The preview atlas outlives a page load in Cache Storage (where the browser has it).
const atlasCache = cacheStorageAtlasCache();
const atlasOption = atlasCache ? { atlasCache } : {};

/** The worker global, typed narrowly: the app's tsconfig has the DOM lib, not WebWorker. */
const scope = self as unknown as {
  postMessage(message: WorkerEvent, transfer: Transferable[]): void;
  location: Location;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerRequest>) => void): void;
};

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

const wasmThreads = configureWasm(ort.env);

// ------------------------------------------------------------------ backend state

let preference: BackendPreference = 'auto';
/** Set once WebGPU failed in this worker (device lost, run-time error): it is not retried. */
let webgpuBroken: string | undefined;
let watchedDevice: unknown;

interface Current {
  model: LoadedModel;
  url: string;
  backend: BackendKind;
}
let current: Current | undefined;

function announceBackend(active: BackendKind, reason?: string): void {
  post({ type: 'backend', active, preference, reason, wasmThreads });
}

function isPackageError(e: unknown): boolean {
  return e instanceof Error && e.name === 'PackageError';
}
function isRequestError(e: unknown): boolean {
  return e instanceof Error && e.name === 'RequestError';
}
function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (e instanceof Error && e.name === 'AbortError');
}

/**
 * Opens a package on the best backend the preference allows. A WebGPU failure that is not
 * the package's fault falls back to WASM with the reason; package errors are rethrown.
 */
async function openModel(url: string): Promise<Current & { reason?: string }> {
  // `stored:<id>`: a package in the model store (Cache Storage), read without the network.
  const storedId = storedIdOf(url);
  const source = storedId !== null ? createStoredSource(storedId) : createUrlSource(new URL(url, scope.location.href).href);
  let choice = await chooseBackend(preference);
  if (choice.kind === 'webgpu' && webgpuBroken) {
    choice = { kind: 'wasm', reason: `${webgpuBroken} Reload the page to try WebGPU again.` };
  }
  if (choice.kind === 'webgpu') {
    try {
      const model = await loadModel(source, {
        ort,
        executionProviders: executionProviders('webgpu'),
        preferFp16: choice.shaderF16 === true,
        placeConstants: gpuConstantPlacer(ort),
        ...atlasOption,
      });
      watchDeviceLoss();
      return { model, url, backend: 'webgpu' };
    } catch (e) {
      // The engine reports any session-creation failure as a PackageError, so a WebGPU-only
      // problem (unsupported op, no device) looks like a bad package: WASM decides which it is.
      // A package that fails on WASM too rejects below with WASM's message.
      choice = { kind: 'wasm', reason: `WebGPU could not run this model: ${errorMessage(e)}` };
    }
  }
  const model = await loadModel(source, { ort, executionProviders: executionProviders('wasm'), ...atlasOption });
  return { model, url, backend: 'wasm', reason: choice.reason };
}

/** Swaps in a newly opened model; the previous one is released only after success. */
async function install(next: Current & { reason?: string }): Promise<void> {
  const previous = current;
  current = { model: next.model, url: next.url, backend: next.backend };
  announceBackend(next.backend, next.reason);
  if (previous && previous.model !== next.model) await previous.model.release().catch(() => {});
  // While the user types: a job sent meanwhile waits for it in the model's own queue.
  void next.model.warmPreviews().catch(() => {});
}

/** After the first WebGPU session, ORT exposes its device: a lost device means falling back. */
function watchDeviceLoss(): void {
  void Promise.resolve(ort.env.webgpu.device)
    .then((device) => {
      const d = device as unknown as { lost?: Promise<{ reason?: string; message?: string }> } | undefined;
      if (!d?.lost || watchedDevice === d) return;
      watchedDevice = d;
      void d.lost.then((info) => {
        if (info.reason === 'destroyed') return;
        webgpuBroken = `The WebGPU device was lost (${info.message || info.reason || 'unknown reason'}).`;
        if (current?.backend === 'webgpu') {
          enqueue({ jobId: `device-lost-${Date.now()}`, kind: 'internal', run: reopenAfterGpuFailure });
        }
      });
    })
    .catch(() => {});
}

async function reopenAfterGpuFailure(): Promise<void> {
  if (!current || current.backend !== 'webgpu') return;
  await install(await openModel(current.url));
}

// ------------------------------------------------------------------ one job at a time

interface Task {
  jobId: string;
  kind: 'load' | 'generate' | 'edit' | 'setBackend' | 'internal';
  controller?: AbortController;
  run(task: Task): Promise<void>;
}
const queue: Task[] = [];
let running: Task | undefined;

function enqueue(task: Task): void {
  queue.push(task);
  void pump();
}

async function pump(): Promise<void> {
  if (running) return;
  const task = queue.shift();
  if (!task) return;
  running = task;
  try {
    await task.run(task);
  } catch (e) {
    fail(task.jobId, 'internal', e);
  } finally {
    running = undefined;
    void pump();
  }
}

function fail(jobId: string, code: ErrorCode, e: unknown, fatal = false): void {
  post({ type: 'error', jobId, code, message: errorMessage(e), fatal });
}

// ------------------------------------------------------------------ jobs

async function runLoad(jobId: string, modelUrl: string): Promise<void> {
  const t0 = performance.now();
  try {
    const next = await openModel(modelUrl);
    await install(next);
    post({
      type: 'loaded',
      jobId,
      modelUrl,
      manifest: next.model.manifest,
      backend: next.backend,
      ms: performance.now() - t0,
    });
  } catch (e) {
    fail(jobId, isPackageError(e) ? 'package' : 'internal', e);
  }
}

async function runSetBackend(jobId: string, pref: BackendPreference): Promise<void> {
  preference = pref;
  if (current) {
    try {
      await install(await openModel(current.url));
    } catch (e) {
      fail(jobId, isPackageError(e) ? 'package' : isRequestError(e) ? 'request' : 'internal', e);
      return;
    }
  }
  post({ type: 'backendSet', jobId, preference: pref });
}

function toWire(img: RgbaImage, copy: boolean): WireImage {
  const d = img.data;
  const whole = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer;
  const rgba = copy || !whole ? d.slice().buffer : (d.buffer as ArrayBuffer);
  return { width: img.width, height: img.height, rgba };
}

/** What an image job posts when it succeeds: its terminal event and the buffers to transfer. */
type Finished = { event: WorkerEvent; transfer: Transferable[] };

/**
 * Runs one image job (generate or edit) on the current model: `started`, progress with
 * previews, then exactly one terminal event. A run-time WebGPU failure retries the job once on
 * WASM; aborts become `cancelled`, refused settings `request` errors.
 */
async function runImageJob(
  task: Task,
  work: (model: LoadedModel, hooks: GenerateHooks, backend: BackendKind) => Promise<Finished>,
): Promise<void> {
  const { jobId } = task;
  const signal = task.controller!.signal;
  if (!current) {
    fail(jobId, 'noModel', new Error('No model is loaded yet.'));
    return;
  }
  const onProgress = (p: Progress): void => {
    // Previews may share memory with the engine's working buffers: copy, then transfer the copy.
    const previews = p.preview?.map((img) => toWire(img, true));
    post(
      {
        type: 'progress',
        jobId,
        stage: p.stage,
        step: p.step,
        totalSteps: p.totalSteps,
        overallStep: p.overallStep,
        overallTotal: p.overallTotal,
        previews,
        ...(p.window ? { window: p.window } : {}),
      },
      previews?.map((w) => w.rgba) ?? [],
    );
  };
  for (let attempt = 0; ; attempt++) {
    const { model, backend } = current;
    post({ type: 'started', jobId, backend });
    try {
      const done = await work(model, { signal, onProgress }, backend);
      post(done.event, done.transfer);
      return;
    } catch (e) {
      if (isAbort(e, signal)) {
        post({ type: 'cancelled', jobId });
        return;
      }
      if (backend === 'webgpu' && attempt === 0 && !isPackageError(e) && !isRequestError(e)) {
        // A run-time WebGPU failure (unsupported op, lost device): retry this job on WASM.
        webgpuBroken = `WebGPU failed while ${task.kind === 'edit' ? 'editing' : 'generating'}: ${errorMessage(e)}`;
        await install(await openModel(current.url));
        continue;
      }
      fail(jobId, isPackageError(e) ? 'package' : isRequestError(e) ? 'request' : 'internal', e);
      return;
    }
  }
}

function runGenerate(task: Task, req: GenerateJobRequest): Promise<void> {
  return runImageJob(task, async (model, hooks, backend) => {
    const result = await model.generate(req.request, hooks);
    const images = result.images.map((img) => toWire(img, false));
    const tokens = {
      base: result.tokens.base.map((t) => t.slice()),
      superRes: result.tokens.superRes?.map((t) => t.slice()),
    };
    return {
      event: {
        type: 'result',
        jobId: task.jobId,
        images,
        tokens,
        settings: result.settings,
        promptTruncated: result.promptTruncated,
        timings: result.timings,
        backend,
      },
      transfer: [...images.map((w) => w.rgba), ...tokens.base.map((t) => t.buffer), ...(tokens.superRes ?? []).map((t) => t.buffer)],
    };
  });
}

function runEdit(task: Task, req: EditJobRequest): Promise<void> {
  return runImageJob(task, async (model, hooks, backend) => {
    const result = await model.edit(req.request, hooks);
    const images = result.images.map((img) => toWire(img, false));
    return {
      event: {
        type: 'editResult',
        jobId: task.jobId,
        images,
        settings: result.settings,
        promptTruncated: result.promptTruncated,
        timings: result.timings,
        backend,
        changedFraction: result.changedFraction,
        windows: result.windows,
      },
      transfer: images.map((w) => w.rgba),
    };
  });
}

/** Image jobs (generate and edit share one queue of one) waiting behind the running job. */
function queuedImageJobs(): number {
  return queue.filter((t) => t.kind === 'generate' || t.kind === 'edit').length;
}

/** Queues an image job, or refuses it when one is already waiting. */
function enqueueImageJob(jobId: string, kind: 'generate' | 'edit', run: (task: Task) => Promise<void>): void {
  if (queuedImageJobs() >= 1) {
    post({
      type: 'error',
      jobId,
      code: 'busy',
      message: 'One image job is running and another is queued; wait or cancel first.',
    });
    return;
  }
  const willWait = running !== undefined || queue.length > 0;
  enqueue({ jobId, kind, controller: new AbortController(), run });
  if (willWait) post({ type: 'queued', jobId });
}

function cancel(jobId: string): void {
  if (running?.jobId === jobId) {
    running.controller?.abort();
    return;
  }
  const i = queue.findIndex((t) => t.jobId === jobId);
  if (i >= 0) {
    queue.splice(i, 1);
    post({ type: 'cancelled', jobId });
  }
  // Unknown id: the job already ended and its terminal event was sent.
}

/**
 * In the production build ORT is bundled into this file, and ORT starts its WASM threads as
 * module workers of `import.meta.url` named "em-pthread…" — i.e. of this very file. Those must
 * keep Emscripten's own message handler, so the engine only listens in the real engine worker.
 */
const isOrtThread = (self as unknown as { name?: string }).name?.startsWith('em-pthread') === true;

function onRequest(ev: MessageEvent<WorkerRequest>): void {
  const msg = ev.data;
  switch (msg.type) {
    case 'load':
      enqueue({ jobId: msg.jobId, kind: 'load', run: () => runLoad(msg.jobId, msg.modelUrl) });
      break;
    case 'setBackend':
      enqueue({ jobId: msg.jobId, kind: 'setBackend', run: () => runSetBackend(msg.jobId, msg.preference) });
      break;
    case 'generate':
      enqueueImageJob(msg.jobId, 'generate', (task) => runGenerate(task, msg));
      break;
    case 'edit':
      enqueueImageJob(msg.jobId, 'edit', (task) => runEdit(task, msg));
      break;
    case 'cancel':
      cancel(msg.jobId);
      break;
    case 'crashForTest':
      setTimeout(() => {
        throw new Error('Worker crash requested by the test hook');
      });
      break;
    default: {
      // Compile-time exhaustiveness; at run time an unknown request is answered, not thrown.
      const unknown: never = msg;
      const jobId = String((unknown as { jobId?: unknown }).jobId ?? '');
      fail(jobId, 'internal', new Error(`Unknown request ${JSON.stringify((unknown as { type?: unknown }).type)}`));
    }
  }
}

if (!isOrtThread) scope.addEventListener('message', onRequest);
