/** The worker's answer to `unknownWords`: the current model's <unk> words, at once, even while an image job runs. */
import { describe, expect, it } from 'vitest';
import { JobQueue, type LoadedModel } from '../../../src/engine';
import { WorkerJobs } from '../../../src/worker/jobs';
import type { ModelHost } from '../../../src/worker/models';
import type { WorkerEvent } from '../../../src/worker/protocol';

function setup(model: Partial<LoadedModel> | undefined) {
  const queue = new JobQueue();
  const events: WorkerEvent[] = [];
  const host = { current: model ? { model: model as LoadedModel, url: 'u', backend: 'wasm' } : undefined } as unknown as ModelHost;
  return { queue, events, jobs: new WorkerJobs(queue, host, (e) => events.push(e)) };
}

describe('unknownWords', () => {
  it('answers with the model’s words at once, not behind the running job', async () => {
    const { queue, events, jobs } = setup({ unknownWords: (text) => (text.includes('猫') ? ['猫'] : []) });
    let finish = (): void => {};
    const gate = new Promise<void>((ok) => (finish = ok));
    const running = queue.run({ kind: 'generate', run: () => gate });
    await expect.poll(() => queue.active).toBeDefined();
    jobs.unknownWords('w1', 'a red 猫');
    expect(events).toEqual([{ type: 'unknownWords', jobId: 'w1', words: ['猫'] }]);
    finish();
    await running;
  });

  it('answers [] when no model is loaded: nothing to say yet, not an error', () => {
    const { events, jobs } = setup(undefined);
    jobs.unknownWords('w2', 'a red 猫');
    expect(events).toEqual([{ type: 'unknownWords', jobId: 'w2', words: [] }]);
  });
});
