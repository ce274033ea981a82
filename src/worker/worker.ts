/**
 * Worker entry: the only place that imports onnxruntime-web. It wires the three parts of the
 * worker together — backend choice and fallback (models.ts, backend.ts), the jobs on the one
 * queue (jobs.ts) and the conversion of results to protocol events (wire.ts) — and routes each
 * request (protocol.ts) to them.
 */
// The `/webgpu` entry (native WebGPU EP, `ort-wasm-simd-threaded.asyncify.wasm`) runs both the
// WebGPU and the WASM execution providers. The default entry's JSEP build breaks WebGPU sessions
// when a WASM session is released after them (measured in Chromium 156: "no GPU data for input"),
// which is exactly what switching backends does.
import * as ort from 'onnxruntime-web/webgpu';
import { JobQueue } from '../engine';
import { cacheStorageAtlasCache } from './atlasCache';
import { configureWasm } from './backend';
import { WorkerJobs } from './jobs';
import { ModelHost } from './models';
import type { WorkerEvent, WorkerRequest } from './protocol';

/** The worker global, typed narrowly: the app's tsconfig has the DOM lib, not WebWorker. */
const scope = self as unknown as {
  postMessage(message: WorkerEvent, transfer: Transferable[]): void;
  location: Location;
  addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerRequest>) => void): void;
};

const post = (event: WorkerEvent, transfer: Transferable[] = []): void => scope.postMessage(event, transfer);

/**
 * In the production build ORT is bundled into this file, and ORT starts its WASM threads as
 * module workers of `import.meta.url` named "em-pthread…" — i.e. of this very file. Those must
 * keep Emscripten's own message handler, so the engine only listens in the real engine worker.
 */
const isOrtThread = (self as unknown as { name?: string }).name?.startsWith('em-pthread') === true;

function start(): void {
  const queue = new JobQueue();
  // The preview atlas outlives a page load in Cache Storage (where the browser has it).
  const atlasCache = cacheStorageAtlasCache();
  const host = new ModelHost({ ort, jobs: queue, post, baseUrl: scope.location.href, wasmThreads: configureWasm(ort.env), ...(atlasCache ? { atlasCache } : {}) });
  const jobs = new WorkerJobs(queue, host, post);

  scope.addEventListener('message', (ev) => {
    const msg = ev.data;
    switch (msg.type) {
      case 'load':
        return jobs.load(msg.jobId, msg.modelUrl);
      case 'setBackend':
        return jobs.setBackend(msg.jobId, msg.preference);
      case 'generate':
        return jobs.generate(msg);
      case 'edit':
        return jobs.edit(msg);
      case 'vqCheck':
        return jobs.vqCheck(msg.jobId, msg.image);
      case 'unknownWords':
        return jobs.unknownWords(msg.jobId, msg.prompt);
      case 'cancel':
        return jobs.cancel(msg.jobId);
      case 'crashForTest':
        setTimeout(() => {
          throw new Error('Worker crash requested by the test hook');
        });
        return;
      default: {
        // Compile-time exhaustiveness; at run time an unknown request is answered, not thrown.
        const unknown: never = msg;
        const jobId = String((unknown as { jobId?: unknown }).jobId ?? '');
        jobs.fail(jobId, 'internal', new Error(`Unknown request ${JSON.stringify((unknown as { type?: unknown }).type)}`));
      }
    }
  });
}

if (!isOrtThread) start();
