import { describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/app/engineClient';
import type { WorkerEvent, WorkerRequest } from '../../../src/worker/protocol';

/** A stand-in for a Worker: records what was posted and lets the test play the worker's side. */
class FakeWorker {
  posted: WorkerRequest[] = [];
  terminated = false;
  onmessage: ((ev: MessageEvent<WorkerEvent>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  postMessage(msg: WorkerRequest) {
    this.posted.push(msg);
  }
  terminate() {
    this.terminated = true;
  }
  emit(event: WorkerEvent) {
    this.onmessage?.({ data: event } as MessageEvent<WorkerEvent>);
  }
  crash(message: string) {
    this.onerror?.({ message, preventDefault() {} } as ErrorEvent);
  }
}

function setup() {
  const workers: FakeWorker[] = [];
  const client = new EngineClient(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  const events: WorkerEvent[] = [];
  const restarts: string[] = [];
  client.onEvent((e) => events.push(e));
  client.onRestart((r) => restarts.push(r));
  return { client, workers, events, restarts };
}

describe('EngineClient', () => {
  it('gives every request its own job id and forwards events', () => {
    const { client, workers, events } = setup();
    const a = client.send({ type: 'load', modelUrl: '/m/' });
    const b = client.send({ type: 'setBackend', preference: 'wasm' });
    expect(a).not.toBe(b);
    expect(workers[0].posted.map((r) => r.jobId)).toEqual([a, b]);
    workers[0].emit({ type: 'backendSet', jobId: b, preference: 'wasm' });
    expect(events).toEqual([{ type: 'backendSet', jobId: b, preference: 'wasm' }]);
  });

  it('on a crash, fails only the jobs still open, restarts the worker and says so', () => {
    const { client, workers, events, restarts } = setup();
    const load = client.send({ type: 'load', modelUrl: '/m/' });
    const gen = client.send({ type: 'generate', request: { prompt: '', seed: 1 } });
    workers[0].emit({ type: 'loaded', jobId: load, modelUrl: '/m/', manifest: {} as never, backend: 'wasm', ms: 1 });
    events.length = 0;
    workers[0].crash('boom');
    expect(workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(client.restartCount).toBe(1);
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', jobId: gen, code: 'crashed', fatal: true }),
    ]);
    expect((events[0] as { message: string }).message).toContain('boom');
    expect(restarts).toEqual(['boom']);
    // The fresh worker gets new requests.
    client.send({ type: 'load', modelUrl: '/m/' });
    expect(workers[1].posted).toHaveLength(1);
  });

  it('cancel names the job to cancel and opens no job of its own', () => {
    const { client, workers, events } = setup();
    const gen = client.send({ type: 'generate', request: { prompt: 'x', seed: 2 } });
    client.cancel(gen);
    expect(workers[0].posted.at(-1)).toEqual({ type: 'cancel', jobId: gen });
    workers[0].emit({ type: 'cancelled', jobId: gen });
    events.length = 0;
    workers[0].crash('later');
    expect(events).toEqual([]);
  });
});
