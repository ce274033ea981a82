/**
 * The worker's image-job rule: one image job runs and one waits; a third is refused as busy.
 * Non-image jobs (a load, the preview warm-up after a load) do not take an image job's place.
 */
import { describe, expect, it } from 'vitest';
import { JobQueue, type LoadedModel } from '../../../src/engine';
import { WorkerJobs } from '../../../src/worker/jobs';
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
