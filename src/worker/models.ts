/**
 * Which model is loaded on which backend, and the fallback from WebGPU to WASM: opening a
 * package on the best backend the preference allows, swapping it in, and reopening on WASM when
 * WebGPU fails at run time or loses its device (backend.ts decides the first backend to try).
 */
import { createUrlSource, loadModel, type JobQueue, type LoadedModel, type LoadProgress, type VerifyMode } from '../engine';
import type { AtlasCache } from '../engine/pipeline/mosaic';
import { createStoredSource } from '../storage/storedSource';
import { storedIdOf } from '../storage/layout';
import { chooseBackend, errorMessage, sessionRuntime } from './backend';
import { gpuConstantPlacer } from './gpuConstants';
import type { BackendKind, BackendPreference, WorkerEvent } from './protocol';
import type { OrtFor, OrtWeb } from './runtime';

/**
 * Hash once: a stored package's files were hashed when it was installed (and again whenever the
 * user asks the Model panel to check them), so its loads, reloads and backend switches compare
 * sizes only and a size that differs is refused. Any other source (a URL) has no such record
 * and is hashed on every load.
 */
export function verifyModeFor(url: string): VerifyMode {
  return storedIdOf(url) !== null ? 'size' : 'sha256';
}

export interface Current {
  model: LoadedModel;
  url: string;
  backend: BackendKind;
  /** The WebGPU adapter is a software one: its name (see BackendChoice.softwareAdapter). */
  softwareAdapter?: string;
  /** WebGPU with shader-f16: the base transformer runs its fp16 copy when the package has one. */
  shaderF16?: boolean;
}

export interface ModelHostDeps {
  /** ORT for a backend (runtime.ts: the plain WASM build for WASM, `/webgpu` for WebGPU). */
  ort: OrtFor;
  /** The worker's one queue: models run their calls on it. */
  jobs: JobQueue;
  post(event: WorkerEvent): void;
  /** The worker's own URL, to resolve page-relative package URLs. */
  baseUrl: string;
  wasmThreads: number;
  atlasCache?: AtlasCache;
}

/** The loaded model and its backend, with the fallback rules of src/worker/README.md. */
export class ModelHost {
  preference: BackendPreference = 'auto';
  current: Current | undefined;
  /** Set once WebGPU failed in this worker (device lost, run-time error): it is not retried. */
  private webgpuBroken: string | undefined;
  private watchedDevice: unknown;

  constructor(private readonly deps: ModelHostDeps) {}

  private announce(active: BackendKind, reason?: string, softwareAdapter?: string, shaderF16?: boolean): void {
    this.deps.post({
      type: 'backend',
      active,
      preference: this.preference,
      reason,
      wasmThreads: this.deps.wasmThreads,
      ...(softwareAdapter !== undefined ? { softwareAdapter } : {}),
      ...(shaderF16 ? { shaderF16 } : {}),
    });
  }

  /**
   * Opens a package on the best backend the preference allows. A WebGPU failure that is not
   * the package's fault falls back to WASM with the reason; package errors are rethrown.
   */
  async open(url: string, onLoadProgress?: (p: LoadProgress) => void): Promise<Current & { reason?: string }> {
    const { jobs, atlasCache } = this.deps;
    // `stored:<id>`: a package in the model store (Cache Storage), read without the network.
    const storedId = storedIdOf(url);
    const source = storedId !== null ? createStoredSource(storedId) : createUrlSource(new URL(url, this.deps.baseUrl).href);
    const shared = {
      queue: jobs,
      verify: verifyModeFor(url),
      ...(atlasCache ? { atlasCache } : {}),
      ...(onLoadProgress ? { onLoadProgress } : {}),
    };
    let choice = await chooseBackend(this.preference);
    if (choice.kind === 'webgpu' && this.webgpuBroken) {
      choice = { kind: 'wasm', reason: `${this.webgpuBroken} Reload the page to try WebGPU again.` };
    }
    if (choice.kind === 'webgpu') {
      try {
        const ort = await this.deps.ort('webgpu');
        const model = await loadModel(source, {
          ...shared,
          ort,
          ...sessionRuntime('webgpu', choice.softwareAdapter !== undefined),
          preferFp16: choice.shaderF16 === true,
          placeConstants: gpuConstantPlacer(ort),
        });
        this.watchDeviceLoss(ort);
        return {
          model, url, backend: 'webgpu', shaderF16: choice.shaderF16 === true,
          ...(choice.softwareAdapter !== undefined ? { softwareAdapter: choice.softwareAdapter } : {}),
        };
      } catch (e) {
        // The engine reports any session-creation failure as a PackageError, so a WebGPU-only
        // problem (unsupported op, no device) looks like a bad package: WASM decides which it is.
        // A package that fails on WASM too rejects below with WASM's message.
        choice = { kind: 'wasm', reason: `WebGPU could not run this model: ${errorMessage(e)}` };
      }
    }
    const model = await loadModel(source, { ...shared, ort: await this.deps.ort('wasm'), ...sessionRuntime('wasm') });
    return { model, url, backend: 'wasm', reason: choice.reason };
  }

  /** Swaps in a newly opened model; the previous one is released only after success. */
  async install(next: Current & { reason?: string }): Promise<void> {
    const previous = this.current;
    this.current = { model: next.model, url: next.url, backend: next.backend, softwareAdapter: next.softwareAdapter, shaderF16: next.shaderF16 };
    this.announce(next.backend, next.reason, next.softwareAdapter, next.shaderF16);
    if (previous && previous.model !== next.model) await previous.model.release().catch(() => {});
    // The atlas from Cache Storage (milliseconds). When it is not there, it is built after the
    // first image (warmPreviewsLater), so it never delays the image the user asked for.
    void next.model.warmPreviews({ cachedOnly: true }).catch(() => {});
  }

  /**
   * After an image job: builds the preview atlas if the current model still lacks it. A job sent
   * while it builds waits (the UI says "Preparing previews…"); the image that was asked for first
   * did not.
   */
  warmPreviewsLater(): void {
    const model = this.current?.model;
    if (model && !model.previewsReady()) void model.warmPreviews().catch(() => {});
  }

  /** WebGPU failed while running a job: remember why, and reopen the current model on WASM. */
  async fallBackToWasm(reason: string): Promise<void> {
    this.webgpuBroken = reason;
    if (this.current) await this.install(await this.open(this.current.url));
  }

  /** After the first WebGPU session, ORT exposes its device: a lost device means falling back. */
  private watchDeviceLoss(ort: OrtWeb): void {
    void Promise.resolve(ort.env.webgpu.device)
      .then((device) => {
        const d = device as unknown as { lost?: Promise<{ reason?: string; message?: string }> } | undefined;
        if (!d?.lost || this.watchedDevice === d) return;
        this.watchedDevice = d;
        void d.lost.then((info) => {
          if (info.reason === 'destroyed') return;
          const reason = `The WebGPU device was lost (${info.message || info.reason || 'unknown reason'}).`;
          this.webgpuBroken = reason;
          if (this.current?.backend !== 'webgpu') return;
          void this.deps.jobs
            .run({
              kind: 'internal',
              run: async () => {
                if (this.current?.backend === 'webgpu') await this.fallBackToWasm(reason);
              },
            })
            .catch(() => {});
        });
      })
      .catch(() => {});
  }
}
