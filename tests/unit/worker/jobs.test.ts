/**
 * The worker's image-job rule: one image job runs and one waits; a third is refused as busy.
 * Non-image jobs (a load, the preview warm-up after a load) do not take an image job's place.
 * The warm-up generation after a load never makes a user's job wait.
 */
import { describe, expect, it } from 'vitest';
import { JobQueue, type GenerateHooks, type GenerateRequest, type LoadedModel } from '../../../src/engine';
import { WARM_UP, WorkerJobs } from '../../../src/worker/jobs';
import type { ModelHost } from '../../../src/worker/models';
import type { GenerateJobRequest, WorkerEvent } from '../../../src/worker/protocol';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

function setup() {
  const queue = new JobQueue();
  const events: WorkerEvent[] = [];
  const release = gate();
  // A model whose generate never finishes until the test says so: enough to hold the queue.
  const model = { manifest: { name: 'm' }, generate: () => release.opened.then(() => Promise.reject(new Error('stop'))) };
  const host = { current: { model: model as unknown as LoadedModel, url: 'u', backend: 'wasm' } } as unknown as ModelHost;
  const jobs = new WorkerJobs(queue, host, (e) => events.push(e));
  const request = (jobId: string) => ({ type: 'generate', jobId, request: { prompt: 'a boat', seed: 1 } }) as unknown as GenerateJobRequest;
  const busy = () => events.flatMap((e) => (e.type === 'error' && e.code === 'busy' ? [e.jobId] : []));
  const queued = () => events.flatMap((e) => (e.type === 'queued' ? [e.jobId] : []));
  return { queue, jobs, events, request, busy, queued, release };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('WorkerJobs image queue', () => {
  it('one running and one waiting image job; a third is refused', async () => {
    const t = setup();
    t.jobs.generate(t.request('a'));
    await tick();
    t.jobs.generate(t.request('b'));
    t.jobs.generate(t.request('c'));
    expect(t.queued()).toEqual(['b']);
    expect(t.busy()).toEqual(['c']);
    t.release.open();
  });

  it('behind a running warm-up job, two image jobs still fit', async () => {
    const t = setup();
    const warm = gate();
    void t.queue.run({ kind: 'warmPreviews', run: () => warm.opened });
    await tick();
    t.jobs.generate(t.request('a'));
    t.jobs.generate(t.request('b'));
    t.jobs.generate(t.request('c'));
    expect(t.queued()).toEqual(['a', 'b']);
    expect(t.busy()).toEqual(['c']);
    warm.open();
    t.release.open();
  });

  it('a queued job says what it waits for, so the UI can name the wait', async () => {
    const t = setup();
    const load = gate();
    void t.queue.run({ kind: 'load', run: () => load.opened });
    await tick();
    t.jobs.generate(t.request('a'));
    load.open();
    await tick();
    t.jobs.generate(t.request('b'));
    const behind = t.events.flatMap((e) => (e.type === 'queued' ? [[e.jobId, e.behind]] : []));
    expect(behind).toEqual([
      ['a', 'load'],
      ['b', 'image'],
    ]);
    t.release.open();
  });
});

describe('WorkerJobs warm-up after a load', () => {
  /** A host whose load installs `model`, and a model whose warm-up runs until it is cancelled. */
  function warmSetup(softwareAdapter?: string) {
    const queue = new JobQueue();
    const events: WorkerEvent[] = [];
    const calls: Array<{ req: GenerateRequest; kind: string | undefined; signal: AbortSignal | undefined }> = [];
    const user = gate();
    const model = {
      manifest: { name: 'm' },
      generate: (req: GenerateRequest, hooks?: GenerateHooks) => {
        calls.push({ req, kind: hooks?.job?.kind, signal: hooks?.signal });
        if (req !== WARM_UP) return user.opened.then(() => Promise.reject(new Error('stop')));
        // Like a run in progress: ends only when its job is cancelled.
        return new Promise((_, reject) => hooks?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      },
    } as unknown as LoadedModel;
    const current = { model, url: 'u', backend: 'wasm' as const, ...(softwareAdapter ? { softwareAdapter } : {}) };
    const host = {
      current: undefined as unknown,
      open: async () => current,
      install: async (next: unknown) => {
        host.current = next;
      },
      warmPreviewsLater: () => {},
    };
    const jobs = new WorkerJobs(queue, host as unknown as ModelHost, (e) => events.push(e));
    return { queue, jobs, events, calls, user };
  }

  it('runs every graph once after Ready; a Generate sent meanwhile cancels it and starts at once', async () => {
    const t = warmSetup();
    t.jobs.load('load', 'u');
    await tick();
    await tick();
    expect(t.events.map((e) => e.type)).toContain('loaded');
    expect(t.calls).toHaveLength(1);
    const warm = t.calls[0]!;
    expect(warm.req).toBe(WARM_UP);
    expect(warm.kind).toBe('warmUp');
    expect(t.queue.active?.kind).toBe('warmUp');

    t.jobs.generate({ type: 'generate', jobId: 'a', request: { prompt: 'a boat', seed: 1 } });
    expect(warm.signal?.aborted).toBe(true);
    await tick();
    await tick();
    expect(t.calls.map((c) => c.kind)).toEqual(['warmUp', 'generate']);
    expect(t.events.filter((e) => e.type === 'started').map((e) => 'jobId' in e && e.jobId)).toEqual(['a']);
    // Not a user's job: it posts nothing of its own, and the Generate is not "queued" behind it.
    expect(t.events.every((e) => !('jobId' in e) || e.jobId === 'load' || e.jobId === 'a')).toBe(true);
    expect(t.events.some((e) => e.type === 'queued')).toBe(false);
    t.user.open();
  });

  it('does not run on a software WebGPU adapter', async () => {
    const t = warmSetup('SwiftShader');
    t.jobs.load('load', 'u');
    await tick();
    await tick();
    expect(t.events.map((e) => e.type)).toContain('loaded');
    expect(t.calls).toHaveLength(0);
    expect(t.queue.idle).toBe(true);
  });
});
