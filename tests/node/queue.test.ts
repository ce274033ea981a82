/**
 * A model on a shared queue (what the worker does): its calls wait behind the queue's other jobs,
 * run in place when made from inside the running job, and a release drops the calls still waiting.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { JobQueue, loadModel } from '../../src/engine';
import { createFsSource } from '../../src/node/fsSource';
import { FIXTURE_DIR } from './helpers';

const req = { prompt: 'a red house', seed: 3 };
const open = (queue: JobQueue) => loadModel(createFsSource(FIXTURE_DIR), { ort, executionProviders: ['cpu'], queue });

describe('one queue for the worker and the model', () => {
  it('a call waits behind the queue\'s running job, and runs in place from inside a job', async () => {
    const queue = new JobQueue();
    const model = await open(queue);
    const order: string[] = [];
    let release!: () => void;
    const outer = queue.run({ kind: 'load', run: () => new Promise<void>((r) => (release = r)).then(() => void order.push('load done')) });
    const waiting = model.generate(req, { previews: false }).then((r) => (order.push('generate'), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    release();
    await outer;
    const queued = await waiting;
    expect(order).toEqual(['load done', 'generate']);

    // Inside a job of the same queue, with the job named, the call runs in that job.
    const inJob = await queue.run({ kind: 'generate', run: (job) => model.generate(req, { previews: false, job }) });
    expect(Array.from(inJob.tokens.base[0]!)).toEqual(Array.from(queued.tokens.base[0]!));
    await model.release();
  });

  it('release drops the model\'s waiting calls with a clear error and leaves other jobs alone', async () => {
    const queue = new JobQueue();
    const model = await open(queue);
    let release!: () => void;
    const blocker = queue.run({ kind: 'load', run: () => new Promise<void>((r) => (release = r)) });
    const call = model.generate(req, { previews: false });
    const other = queue.run({ kind: 'internal', run: async () => 'other' });
    await model.release();
    await expect(call).rejects.toThrow('this model was released; load it again to use it');
    release();
    await blocker;
    await expect(other).resolves.toBe('other');
    await expect(model.generate(req)).rejects.toThrow(/released/);
  });
});
