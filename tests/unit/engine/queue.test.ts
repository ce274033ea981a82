/** The one job queue: order, one at a time, cancel (running and waiting), owners, in-job calls. */
import { describe, expect, it } from 'vitest';
import { JobQueue, type JobContext } from '../../../src/engine/queue';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A job that runs until released, recording when it starts. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return {
    open,
    run: async (ctx: JobContext) => {
      log.push(`start ${name}`);
      await Promise.race([done, new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new DOMException('stop', 'AbortError'))))]);
      log.push(`end ${name}`);
      return name;
    },
  };
}

describe('JobQueue', () => {
  it('runs jobs one at a time, in order', async () => {
    const q = new JobQueue();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const pa = q.run({ kind: 'x', run: a.run });
    const pb = q.run({ kind: 'x', run: b.run });
    await tick();
    expect(log).toEqual(['start a']);
    expect(q.waiting(['x'])).toBe(1);
    expect(q.count(['x'])).toBe(2);
    expect(q.count(['y'])).toBe(0);
    a.open();
    expect(await pa).toBe('a');
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.open();
    expect(await pb).toBe('b');
    expect(q.idle).toBe(true);
  });

  it('cancel aborts the running job and removes a waiting one with an AbortError', async () => {
    const q = new JobQueue();
    const log: string[] = [];
    const pa = q.run({ id: 'a', kind: 'x', run: gate(log, 'a').run });
    const pb = q.run({ id: 'b', kind: 'x', run: gate(log, 'b').run });
    await tick();
    expect(q.cancel('b')).toBe(true);
    await expect(pb).rejects.toMatchObject({ name: 'AbortError' });
    expect(q.cancel('a')).toBe(true);
    await expect(pa).rejects.toMatchObject({ name: 'AbortError' });
    expect(log).toEqual(['start a']);
    expect(q.cancel('a')).toBe(false);
  });

  it('a job that throws at once still frees the queue', async () => {
    const q = new JobQueue();
    const bad = q.run({ kind: 'x', run: () => { throw new Error('boom'); } });
    await expect(bad).rejects.toThrow('boom');
    await expect(q.run({ kind: 'x', run: async () => 7 })).resolves.toBe(7);
  });

  it('dropWaiting rejects only the owner\'s waiting jobs', async () => {
    const q = new JobQueue();
    const log: string[] = [];
    const owner = {};
    const running = gate(log, 'r');
    const pr = q.run({ kind: 'x', owner, run: running.run });
    const pw = q.run({ kind: 'x', owner, run: async () => 'w' });
    const po = q.run({ kind: 'x', run: async () => 'other' });
    await tick();
    q.dropWaiting(owner, new Error('released'));
    await expect(pw).rejects.toThrow('released');
    running.open();
    await expect(pr).resolves.toBe('r');
    await expect(po).resolves.toBe('other');
  });

  it('reports the running job, so a call from inside it can run in place', async () => {
    const q = new JobQueue();
    let seen: JobContext | undefined;
    await q.run({ id: 'j', kind: 'load', run: async (ctx) => { seen = q.active; expect(ctx).toBe(seen); } });
    expect(seen?.id).toBe('j');
    expect(q.active).toBeUndefined();
  });
});
