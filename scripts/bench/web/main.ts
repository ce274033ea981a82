/**
 * The bench page: starts the bench worker, relays its phase marks to the Node orchestrator
 * (which reads the browser's process memory at each one) and exposes `window.__bench` for
 * Playwright.
 */
import type { BackendResult, CachedVisit, RunnerConfig, StartPath } from '../shared/types';
import type { Backend, FromWorker, ToWorker } from './messages';

declare global {
  interface Window {
    /** Provided by the orchestrator with page.exposeFunction; absent when the page is opened by hand. */
    __benchMark?: (phase: string) => Promise<void>;
    __bench: {
      /** `againstUrl`: a second package measured in the same worker, its jobs interleaved (--against). */
      run(backend: Backend, pkgUrl: string, cfg: RunnerConfig, againstUrl?: string): Promise<BackendResult>;
      loadInNewWorker(backend: Backend, pkgUrl: string): Promise<number>;
      visit(backend: Backend, pkgUrl: string, path: StartPath, sessionOptions?: Record<string, unknown>): Promise<CachedVisit>;
    };
  }
}

const logEl = document.getElementById('log')!;
const show = (line: string): void => {
  logEl.textContent += `${line}\n`;
  console.log(line);
};

function start(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'muse-bench' });
}

function talk<T>(worker: Worker, request: ToWorker, done: (msg: FromWorker) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const msg = ev.data;
      if (msg.type === 'log') show(msg.line);
      else if (msg.type === 'error') reject(new Error(msg.message));
      else if (msg.type === 'mark') {
        void (window.__benchMark?.(msg.phase) ?? Promise.resolve()).then(() => worker.postMessage({ type: 'markDone' } satisfies ToWorker));
      } else {
        const v = done(msg);
        if (v !== undefined) resolve(v);
      }
    };
    worker.onerror = (ev) => reject(new Error(`worker error: ${ev.message}`));
    worker.postMessage(request);
  });
}

window.__bench = {
  async run(backend, pkgUrl, cfg, againstUrl) {
    const worker = start();
    try {
      return await talk(worker, { type: 'run', backend, pkgUrl, cfg, ...(againstUrl ? { againstUrl } : {}) }, (m) => (m.type === 'result' ? m.result : undefined));
    } finally {
      worker.terminate();
    }
  },
  async loadInNewWorker(backend, pkgUrl) {
    const worker = start();
    try {
      return await talk(worker, { type: 'load', backend, pkgUrl }, (m) => (m.type === 'loaded' ? m.ms : undefined));
    } finally {
      worker.terminate();
    }
  },
  async visit(backend, pkgUrl, path, sessionOptions) {
    const worker = start();
    try {
      return await talk(worker, { type: 'visit', backend, pkgUrl, path, ...(sessionOptions ? { sessionOptions } : {}) }, (m) => (m.type === 'visited' ? m.visit : undefined));
    } finally {
      worker.terminate();
    }
  },
};
show(`bench page ready (crossOriginIsolated: ${String(self.crossOriginIsolated)})`);
