/** The worker's VQ check of a photo: one terminal `vqChecked` with the model's figure, run inside its job. */
import { describe, expect, it } from 'vitest';
import { JobQueue, type LoadedModel, type RgbaImage } from '../../../src/engine';
import { WorkerJobs } from '../../../src/worker/jobs';
import type { ModelHost } from '../../../src/worker/models';
import type { WorkerEvent } from '../../../src/worker/protocol';

function setup(model: Partial<LoadedModel> | undefined) {
  const queue = new JobQueue();
  const events: WorkerEvent[] = [];
  const host = { current: model ? { model: model as LoadedModel, url: 'u', backend: 'wasm' } : undefined } as unknown as ModelHost;
  return { queue, events, jobs: new WorkerJobs(queue, host, (e) => events.push(e)) };
}

const image = { width: 2, height: 1, rgba: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]).buffer };

describe('vqCheck', () => {
  it('answers with the PSNR the model measured on the pixels sent, inside the queue job', async () => {
    const seen: RgbaImage[] = [];
    const { queue, events, jobs } = setup({
      vqRoundTrip: (img, hooks) => {
        seen.push(img);
        // Called from inside its own job: it must run there, not queue behind it.
        expect(hooks?.job).toBe(queue.active);
        return Promise.resolve({ psnr: 19.5, poor: true, size: [256, 256] });
      },
    });
    jobs.vqCheck('j1', image);
    await queue.run({ kind: 'probe', run: () => Promise.resolve() });
    expect(events).toEqual([{ type: 'vqChecked', jobId: 'j1', psnr: 19.5, poor: true }]);
    expect(seen[0].width).toBe(2);
    expect(Array.from(seen[0].data)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it('without a model: one error event, noModel', async () => {
    const { queue, events, jobs } = setup(undefined);
    jobs.vqCheck('j2', image);
    await queue.run({ kind: 'probe', run: () => Promise.resolve() });
    expect(events).toMatchObject([{ type: 'error', jobId: 'j2', code: 'noModel' }]);
  });
});
