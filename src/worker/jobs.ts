/**
 * The worker's jobs on its one queue (engine JobQueue, shared with the loaded model): load,
 * backend switch, generate, edit, VQ check of a photo, cancel (and, outside the queue, the prompt's
 * unknown words). Every request ends with exactly one terminal event;
 * one image job may wait behind the running one, a further one is refused as `busy`.
 * After a load or a backend switch, a short warm-up generation runs every graph once; any request
 * cancels it (see warmUp).
 */
import { isAbortError, type GenerateHooks, type GenerateRequest, type JobContext, type JobQueue, type LoadedModel } from '../engine';
import { errorMessage } from './backend';
import type { ModelHost } from './models';
import type { BackendKind, BackendPreference, EditJobRequest, ErrorCode, GenerateJobRequest, QueueWait, WireImage, WorkerEvent } from './protocol';
import { editResultEvent, progressEvent, resultEvent, type Outgoing } from './wire';

const IMAGE_JOBS = ['generate', 'edit'] as const;

const isPackageError = (e: unknown): boolean => e instanceof Error && e.name === 'PackageError';
const isRequestError = (e: unknown): boolean => e instanceof Error && e.name === 'RequestError';
const codeOf = (e: unknown): ErrorCode => (isPackageError(e) ? 'package' : isRequestError(e) ? 'request' : 'internal');

/**
 * The warm-up generation: the unconditional prompt (which every job needs and the model caches),
 * one base step (with its preview, a VQ decode at the base grid) and one super-res step, then the
 * final decode: every graph at the shapes a default job uses, in the order a job uses them.
 */
export const WARM_UP: GenerateRequest = { prompt: '', seed: 0, base: { steps: 1 }, superRes: { steps: 1 } };

export class WorkerJobs {
  /** The id of the warm-up job while it waits or runs. */
  private warming: string | undefined;
  private warmUps = 0;

  constructor(
    private readonly jobs: JobQueue,
    private readonly host: ModelHost,
    private readonly post: (event: WorkerEvent, transfer?: Transferable[]) => void,
  ) {}

  fail(jobId: string, code: ErrorCode, e: unknown): void {
    this.post({ type: 'error', jobId, code, message: errorMessage(e), fatal: false });
  }

  /** The loaded model, or undefined after answering `jobId` with the no-model error. */
  private currentOrFail(jobId: string): ModelHost['current'] {
    const current = this.host.current;
    if (!current) this.fail(jobId, 'noModel', new Error('No model is loaded yet.'));
    return current;
  }

  /**
   * Runs `run` as job `jobId`; anything it throws is answered as an internal error. A request
   * never waits for the warm-up: it is cancelled, and stops after the ONNX run it is in.
   */
  private enqueue(jobId: string, kind: string, run: (ctx: JobContext) => Promise<void>): Promise<void> {
    this.stopWarmUp();
    return this.jobs.run({ id: jobId, kind, run }).catch((e: unknown) => {
      // A waiting job cancelled before it started: its only event.
      if (isAbortError(e)) this.post({ type: 'cancelled', jobId });
      else this.fail(jobId, 'internal', e);
    });
  }

  load(jobId: string, modelUrl: string): void {
    void this.enqueue(jobId, 'load', async () => {
      const t0 = performance.now();
      try {
        const next = await this.host.open(modelUrl, (p) => this.post({ type: 'loadProgress', jobId, done: p.done, total: p.total }));
        await this.host.install(next);
        this.post({ type: 'loaded', jobId, modelUrl, manifest: next.model.manifest, backend: next.backend, ms: performance.now() - t0 });
        this.warmUp();
      } catch (e) {
        this.fail(jobId, isPackageError(e) ? 'package' : 'internal', e);
      }
    });
  }

  setBackend(jobId: string, preference: BackendPreference): void {
    void this.enqueue(jobId, 'setBackend', async () => {
      this.host.preference = preference;
      const current = this.host.current;
      if (current) {
        try {
          await this.host.install(await this.host.open(current.url));
        } catch (e) {
          this.fail(jobId, codeOf(e), e);
          return;
        }
      }
      this.post({ type: 'backendSet', jobId, preference });
      if (current) this.warmUp();
    });
  }

  generate(req: GenerateJobRequest): void {
    this.image(req.jobId, 'generate', async (model, hooks, backend) =>
      resultEvent(req.jobId, req.request, model.manifest.name, await model.generate(req.request, hooks), backend),
    );
  }

  edit(req: EditJobRequest): void {
    this.image(req.jobId, 'edit', async (model, hooks, backend) =>
      editResultEvent(req.jobId, req.request, model.manifest.name, await model.edit(req.request, hooks), backend),
    );
  }

  /** Measures the current model's VQ round trip on a photo (not an image job: it takes no image slot). */
  vqCheck(jobId: string, image: WireImage): void {
    void this.enqueue(jobId, 'vqCheck', async (job) => {
      const current = this.currentOrFail(jobId);
      if (!current) return;
      try {
        const r = await current.model.vqRoundTrip({ width: image.width, height: image.height, data: new Uint8ClampedArray(image.rgba) }, { job });
        this.post({ type: 'vqChecked', jobId, psnr: r.psnr, poor: r.poor });
      } catch (e) {
        this.fail(jobId, codeOf(e), e);
      }
    });
  }

  /**
   * The prompt's words the current model's tokenizer maps to `<unk>`, answered at once: it is a
   * tokenizer look-up (well under a millisecond), so it does not wait behind a running image job.
   */
  unknownWords(jobId: string, prompt: string): void {
    let words: string[] = [];
    try {
      words = this.host.current?.model.unknownWords(prompt) ?? [];
    } catch (e) {
      return this.fail(jobId, 'internal', e);
    }
    this.post({ type: 'unknownWords', jobId, words });
  }

  /** Cancels a running or waiting job; an unknown id already ended and had its terminal event. */
  cancel(jobId: string): void {
    this.jobs.cancel(jobId);
  }

  /**
   * Queues the warm-up (WARM_UP) on the model just installed. A first generation in a fresh
   * worker pays for things a warm one does not: the first run of each graph, and WebAssembly
   * code still being compiled (docs/BENCHMARKS.md, issue 14.2). The warm-up pays for them while
   * the user types a prompt. It is not a user's job: it posts nothing, and every request cancels
   * it (enqueue), so a Generate waits at most for the one ONNX run it is in. Not on a software
   * WebGPU adapter, where one run can take many seconds.
   */
  private warmUp(): void {
    const current = this.host.current;
    if (!current || current.softwareAdapter !== undefined) return;
    const id = `warm-up-${++this.warmUps}`;
    this.warming = id;
    void this.jobs
      .run({
        id,
        kind: 'warmUp',
        run: async (job) => {
          await current.model.generate(WARM_UP, { signal: job.signal, job, onProgress: () => {} });
        },
      })
      // Cancelled, or failed: the user's own job meets (and reports) any real problem.
      .catch(() => {})
      .finally(() => {
        if (this.warming === id) this.warming = undefined;
      });
  }

  private stopWarmUp(): void {
    if (this.warming !== undefined) this.jobs.cancel(this.warming);
    this.warming = undefined;
  }

  /**
   * Queues an image job (or refuses it when one already waits). It runs on the current model:
   * `started`, progress with previews, then exactly one terminal event. A run-time WebGPU
   * failure retries the job once on WASM; aborts become `cancelled`, refused settings `request`.
   */
  private image(jobId: string, kind: (typeof IMAGE_JOBS)[number], work: (model: LoadedModel, hooks: GenerateHooks, backend: BackendKind) => Promise<Outgoing>): void {
    // One image job runs and one waits. A non-image job (a load, the preview warm-up) may run
    // ahead of both, so count image jobs in the whole queue, the running one included.
    if (this.jobs.count(IMAGE_JOBS) >= 2) {
      this.post({ type: 'error', jobId, code: 'busy', message: 'One image job is running and another is queued; wait or cancel first.' });
      return;
    }
    this.stopWarmUp();
    const behind = this.behind();
    void this.enqueue(jobId, kind, async (job) => {
      const onProgress: GenerateHooks['onProgress'] = (p) => {
        const out = progressEvent(jobId, p);
        this.post(out.event, out.transfer);
      };
      for (let attempt = 0; ; attempt++) {
        const current = this.currentOrFail(jobId);
        if (!current) return;
        this.post({ type: 'started', jobId, backend: current.backend });
        try {
          const done = await work(current.model, { signal: job.signal, onProgress, job }, current.backend);
          this.post(done.event, done.transfer);
          this.host.warmPreviewsLater();
          return;
        } catch (e) {
          if (job.signal.aborted || isAbortError(e)) {
            this.post({ type: 'cancelled', jobId });
            return;
          }
          if (current.backend === 'webgpu' && attempt === 0 && !isPackageError(e) && !isRequestError(e)) {
            // A run-time WebGPU failure (unsupported op, lost device): retry this job on WASM.
            await this.host.fallBackToWasm(`WebGPU failed while ${kind === 'edit' ? 'editing' : 'generating'}: ${errorMessage(e)}`);
            continue;
          }
          this.fail(jobId, codeOf(e), e);
          return;
        }
      }
    });
    if (behind) this.post({ type: 'queued', jobId, behind });
  }

  /** What a job queued now waits for (the running job's kind), or undefined when it starts at once. */
  private behind(): QueueWait | undefined {
    if (this.jobs.idle) return undefined;
    const kind = this.jobs.active?.kind;
    switch (kind) {
      case 'load':
        return 'load';
      case 'setBackend':
      case 'internal': // the fallback to WASM reopens the model
        return 'backend';
      case 'warmPreviews':
        return 'previews';
      case 'generate':
      case 'edit':
        return 'image';
      case 'warmUp': // cancelled by this request (stopWarmUp): it ends with its current ONNX run
        return undefined;
      default:
        return 'other';
    }
  }
}
