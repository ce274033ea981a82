/**
 * The only module that talks to the engine worker.
 *
 * It hands out job ids, remembers which jobs have not ended yet, and — when the worker crashes
 * (an uncaught error or a failed module load) — ends each of those jobs with an `error` event
 * `{ code: 'crashed', fatal: true }`, starts a fresh worker and tells its listeners through
 * `onRestart`, so the store can reload the model. Nothing here touches the gallery.
 */
import type { TerminalEvent, WorkerEvent, WorkerRequest } from '../worker/protocol';

type Listener = (event: WorkerEvent) => void;
export type RequestWithoutId = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'jobId'> : never) : never;

const terminalTypes = new Set<WorkerEvent['type']>(['loaded', 'result', 'editResult', 'vqChecked', 'unknownWords', 'cancelled', 'backendSet', 'error']);
function isTerminal(e: WorkerEvent): e is TerminalEvent {
  return terminalTypes.has(e.type);
}

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: 'muse-engine' });

export class EngineClient {
  private worker: Worker;
  private readonly listeners = new Set<Listener>();
  private readonly restartListeners = new Set<(reason: string) => void>();
  /** Jobs sent and not yet ended, by id. */
  private readonly open = new Set<string>();
  private nextId = 1;
  private restarts = 0;

  constructor(private readonly factory: WorkerFactory = defaultFactory) {
    this.worker = this.spawn();
  }

  /** Sends a request and returns its job id. Buffers in `transfer` are moved, not copied. */
  send(request: RequestWithoutId, transfer: Transferable[] = []): string {
    const jobId = `job-${this.nextId++}`;
    this.sendWithId({ ...request, jobId } as WorkerRequest, transfer);
    return jobId;
  }

  /** Cancels a running or queued job; the job ends with a `cancelled` event. */
  cancel(jobId: string): void {
    this.worker.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest);
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after a crashed worker was replaced by a fresh one (with no model loaded). */
  onRestart(listener: (reason: string) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  get restartCount(): number {
    return this.restarts;
  }

  dispose(): void {
    this.worker.terminate();
    this.listeners.clear();
    this.restartListeners.clear();
  }

  private sendWithId(request: WorkerRequest, transfer: Transferable[]): void {
    if (request.type !== 'cancel') this.open.add(request.jobId);
    this.worker.postMessage(request, transfer);
  }

  private spawn(): Worker {
    const worker = this.factory();
    worker.onmessage = (ev: MessageEvent<WorkerEvent>) => {
      const event = ev.data;
      if ('jobId' in event && isTerminal(event)) this.open.delete(event.jobId);
      this.emit(event);
    };
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.crashed(ev.message || 'the engine worker stopped with an uncaught error');
    };
    worker.onmessageerror = () => this.crashed('a message from the engine worker could not be read');
    return worker;
  }

  private crashed(reason: string): void {
    this.worker.terminate();
    this.restarts++;
    const lost = [...this.open];
    this.open.clear();
    this.worker = this.spawn();
    for (const jobId of lost) {
      this.emit({
        type: 'error',
        jobId,
        code: 'crashed',
        fatal: true,
        message: `The engine worker crashed (${reason}); it was restarted.`,
      });
    }
    for (const l of this.restartListeners) l(reason);
  }

  private emit(event: WorkerEvent): void {
    for (const l of this.listeners) l(event);
  }
}
