/**
 * Memory of the studio page and its engine worker, read through the DevTools protocol after a
 * forced garbage collection, so two readings compare what is still held, not what is waiting
 * to be collected. Used by the soak test (soak.spec.ts) and `scripts/bench/soak.ts`.
 *
 * - JS heap: V8's used heap (Runtime.getHeapUsage) of the page and of the worker.
 * - WASM memory: the byte length of every WebAssembly.Memory alive in the worker (ORT's heap;
 *   its threads share it), found with Runtime.queryObjects, so no app code has to expose it.
 * - Array buffers: V8's backing stores (ArrayBuffers outside the JS heap) of page and worker.
 *
 * ORT's WASM threads are nested workers of the engine worker; they share its WASM memory and
 * hold next to no JS heap of their own, so they are not attached.
 */
import type { CDPSession, Page } from '@playwright/test';

export interface MemoryReading {
  pageJsHeap: number;
  workerJsHeap: number;
  wasmMemory: number;
  arrayBuffers: number;
}

interface Reply {
  id?: number;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export class MemoryProbe {
  private readonly workers = new Set<string>();
  private readonly pending = new Map<number, (r: Reply) => void>();
  private nextId = 1;

  private constructor(private readonly cdp: CDPSession) {}

  /** Attaches to `page` and to the workers it starts from now on (call before the studio loads). */
  static async attach(page: Page): Promise<MemoryProbe> {
    const probe = new MemoryProbe(await page.context().newCDPSession(page));
    const { cdp } = probe;
    cdp.on('Target.attachedToTarget', (ev: { sessionId: string; targetInfo: { type: string } }) => {
      if (ev.targetInfo.type === 'worker') probe.workers.add(ev.sessionId);
    });
    cdp.on('Target.detachedFromTarget', (ev: { sessionId: string }) => void probe.workers.delete(ev.sessionId));
    cdp.on('Target.receivedMessageFromTarget', (ev: { message: string }) => {
      const m = JSON.parse(ev.message) as Reply;
      if (m.id === undefined) return;
      probe.pending.get(m.id)?.(m);
      probe.pending.delete(m.id);
    });
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return probe;
  }

  /** Sends one DevTools command to a worker target and waits for its answer. */
  private ask(sessionId: string, method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.pending.set(id, (r) => (r.error ? reject(new Error(`${method}: ${r.error.message}`)) : resolve(r.result ?? {})));
    });
    void this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    return answer;
  }

  /** Bytes of all WebAssembly.Memory objects alive in one worker. */
  private async wasmBytes(sessionId: string): Promise<number> {
    const proto = await this.ask(sessionId, 'Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const protoId = (proto['result'] as { objectId: string }).objectId;
    const found = await this.ask(sessionId, 'Runtime.queryObjects', { prototypeObjectId: protoId });
    const arrayId = (found['objects'] as { objectId: string }).objectId;
    const sum = await this.ask(sessionId, 'Runtime.callFunctionOn', {
      objectId: arrayId,
      functionDeclaration: 'function () { return this.reduce((s, m) => s + m.buffer.byteLength, 0); }',
      returnByValue: true,
    });
    return (sum['result'] as { value: number }).value;
  }

  /** Collects garbage in the page and its workers, then reads what they hold. */
  async read(): Promise<MemoryReading> {
    if (this.workers.size === 0) throw new Error('no worker attached: attach the probe before the studio starts its worker');
    await this.cdp.send('HeapProfiler.collectGarbage');
    const page = (await this.cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    let workerJsHeap = 0;
    let wasmMemory = 0;
    let arrayBuffers = page.backingStorageSize ?? 0;
    for (const w of this.workers) {
      await this.ask(w, 'HeapProfiler.collectGarbage');
      const usage = (await this.ask(w, 'Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      workerJsHeap += usage.usedSize;
      arrayBuffers += usage.backingStorageSize ?? 0;
      wasmMemory += await this.wasmBytes(w);
    }
    return { pageJsHeap: page.usedSize, workerJsHeap, wasmMemory, arrayBuffers };
  }
}

export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
