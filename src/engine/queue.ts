/**
 * The one job queue: jobs run one at a time, in the order they were queued. A loaded model runs
 * its calls as jobs of a queue (its own, or the one given in EngineOptions.queue); the worker
 * gives every model the queue its own jobs (loads, backend switches, generations, edits) run on,
 * so one queue orders everything that touches ONNX sessions. A job may call a model of the same
 * queue from inside itself by passing its JobContext (GenerateHooks.job): the call then runs in
 * that job instead of queueing behind it.
 */
import { abortError } from './errors';

/** What a running job knows about itself. */
export interface JobContext {
  readonly id: string;
  readonly kind: string;
  /** Aborted by `cancel(id)` while the job runs; the job decides how to stop. */
  readonly signal: AbortSignal;
}

export interface Job<T> {
  /** Default: a fresh id. Ids name jobs for `cancel`. */
  id?: string;
  /** What the job is ("generate", "load"…), for `waiting(kinds)`. */
  kind: string;
  /** Groups jobs for `dropWaiting` (a model and its calls). */
  owner?: object;
  run(ctx: JobContext): Promise<T>;
}

interface Entry {
  ctx: JobContext;
  controller: AbortController;
  owner?: object;
  start(): void;
  reject(err: unknown): void;
}

export class JobQueue {
  private readonly queue: Entry[] = [];
  private current: Entry | undefined;
  private nextId = 1;

  /** Queues `job`; resolves or rejects with its outcome. A job cancelled while waiting rejects with an AbortError. */
  run<T>(job: Job<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      const ctx: JobContext = { id: job.id ?? `job-${this.nextId++}`, kind: job.kind, signal: controller.signal };
      const entry: Entry = {
        ctx,
        controller,
        ...(job.owner ? { owner: job.owner } : {}),
        start: () => {
          // The queue moves on before the caller hears the outcome, so a caller that awaits a job
          // and then queues another never sees the finished one still running.
          const settle = (): void => {
            this.current = undefined;
            this.pump();
          };
          // A job that throws before its first await still ends as a rejection, not a stuck queue.
          Promise.resolve()
            .then(() => job.run(ctx))
            .then(
              (value) => {
                settle();
                resolve(value);
              },
              (err: unknown) => {
                settle();
                reject(err);
              },
            );
        },
        reject,
      };
      this.queue.push(entry);
      this.pump();
    });
  }

  /** The running job, if any. */
  get active(): JobContext | undefined {
    return this.current?.ctx;
  }

  /** True when nothing runs and nothing waits. */
  get idle(): boolean {
    return this.current === undefined && this.queue.length === 0;
  }

  /** Jobs of these kinds, the running one included. */
  count(kinds: readonly string[]): number {
    const running = this.current !== undefined && kinds.includes(this.current.ctx.kind) ? 1 : 0;
    return running + this.waiting(kinds);
  }

  /** Waiting (not running) jobs of these kinds. */
  waiting(kinds: readonly string[]): number {
    return this.queue.filter((e) => kinds.includes(e.ctx.kind)).length;
  }

  /**
   * Cancels job `id`: a running job's signal is aborted (it ends as it sees fit); a waiting one is
   * removed and its promise rejects with an AbortError. False when no such job is queued.
   */
  cancel(id: string): boolean {
    if (this.current?.ctx.id === id) {
      this.current.controller.abort();
      return true;
    }
    const i = this.queue.findIndex((e) => e.ctx.id === id);
    if (i < 0) return false;
    this.queue.splice(i, 1)[0]!.reject(abortError());
    return true;
  }

  /** Removes every waiting job of `owner`, rejecting each with `reason` (a released model's calls). */
  dropWaiting(owner: object, reason: Error): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.owner === owner) this.queue.splice(i, 1)[0]!.reject(reason);
    }
  }

  private pump(): void {
    if (this.current) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    next.start();
  }
}
