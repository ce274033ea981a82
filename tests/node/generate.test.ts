import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, LoadedModel, Progress } from '../../src/engine';
import { loadFixture } from './helpers';

// The fixture: base grid 4×4 (32×32 px), super-res 8×8 (64×64 px), K = 64, defaults 6 + 4 steps.
let model: LoadedModel;
beforeAll(async () => {
  model = await loadFixture();
});
afterAll(async () => {
  await model?.release();
});

const req: GenerateRequest = { prompt: 'a red house', seed: 1234 };

async function run(r: GenerateRequest, previews = true) {
  const events: Progress[] = [];
  const result = await model.generate(r, { onProgress: (p) => events.push(p), previews });
  return { result, events };
}

const tokensOf = (r: Awaited<ReturnType<typeof run>>['result']) => ({
  base: r.tokens.base.map((t) => Array.from(t)),
  superRes: r.tokens.superRes?.map((t) => Array.from(t)),
});

describe('generate on the ONNX fixture (onnxruntime-node)', () => {
  it('produces super-res-sized images, valid tokens and the settings used', async () => {
    const { result } = await run(req);
    expect(result.images).toHaveLength(1);
    const img = result.images[0];
    expect([img.width, img.height, img.data.length]).toEqual([64, 64, 64 * 64 * 4]);
    expect(img.data.every((_, i) => i % 4 !== 3 || img.data[i] === 255)).toBe(true);
    expect(result.tokens.base[0]).toHaveLength(16);
    expect(result.tokens.superRes?.[0]).toHaveLength(64);
    for (const t of [...result.tokens.base, ...(result.tokens.superRes ?? [])]) expect(t.every((x) => x >= 0 && x < 64)).toBe(true);
    expect(result.settings.base).toEqual({ steps: 6, guidance: 3, guidanceRamp: 'linear', temperature: 1, confidenceNoise: 4.5 });
    expect(result.settings.superRes?.steps).toBe(4);
    expect(result.promptTruncated).toBe(false);
  });

  it('times each phase as a part of the whole: the phases fit in the total, the first preview comes after the text', async () => {
    const { timings } = (await run(req)).result;
    expect(Object.keys(timings).sort()).toEqual(['base', 'decode', 'firstPreview', 'superRes', 'text', 'total']);
    const phases = timings['text'] + timings['base'] + timings['superRes'] + timings['decode'];
    // Sequential phases measured inside the job: together they cannot exceed its total.
    expect(phases).toBeLessThanOrEqual(timings['total'] + 1e-6);
    expect(timings['firstPreview']).toBeGreaterThanOrEqual(timings['text']);
    expect(timings['firstPreview']).toBeLessThanOrEqual(timings['total']);
    // Without previews there is no first preview to time.
    expect(Object.keys((await run(req, false)).result.timings)).not.toContain('firstPreview');
  });

  it('reports one progress event per iteration, with previews (but the last), plus text and decode', async () => {
    const { events } = await run({ ...req, count: 2 });
    const base = events.filter((e) => e.stage === 'base');
    const sr = events.filter((e) => e.stage === 'superRes');
    expect(base.length + sr.length).toBe(6 + 4);
    expect(events.map((e) => e.stage)).toEqual(['text', ...Array(6).fill('base'), ...Array(4).fill('superRes'), 'decode']);
    expect(base.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...base, ...sr].map((e) => e.overallStep)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.every((e) => e.overallTotal === 10)).toBe(true);
    for (const e of base) expect(e.preview?.map((p) => [p.width, p.height])).toEqual([[32, 32], [32, 32]]);
    for (const e of sr.slice(0, -1)) expect(e.preview?.map((p) => [p.width, p.height])).toEqual([[64, 64], [64, 64]]);
    // The last iteration's tokens are final: the result's decode follows, not a second one for a preview.
    expect(sr.at(-1)?.preview).toBeUndefined();
  });

  it('skips previews when asked', async () => {
    const { events } = await run(req, false);
    expect(events).toHaveLength(12);
    expect(events.some((e) => e.preview)).toBe(false);
  });

  it('honours step overrides', async () => {
    const { events, result } = await run({ ...req, base: { steps: 3 }, superRes: { steps: 2 } });
    expect(events.filter((e) => e.stage === 'base')).toHaveLength(3);
    expect(events.filter((e) => e.stage === 'superRes')).toHaveLength(2);
    expect(result.settings.base.steps).toBe(3);
  });

  it('same seed ⇒ identical tokens and pixels; another seed ⇒ different', async () => {
    const a = (await run(req, false)).result;
    const b = (await run(req, false)).result;
    expect(tokensOf(b)).toEqual(tokensOf(a));
    expect(b.images[0].data).toEqual(a.images[0].data);
    const c = (await run({ ...req, seed: 1235 }, false)).result;
    expect(tokensOf(c)).not.toEqual(tokensOf(a));
  });

  it('image k of a batch is the image of seed + k', async () => {
    const batch = (await run({ ...req, count: 3 }, false)).result;
    expect(batch.images).toHaveLength(3);
    for (const k of [0, 2]) {
      const single = (await run({ ...req, seed: req.seed + k }, false)).result;
      expect(Array.from(batch.tokens.base[k])).toEqual(Array.from(single.tokens.base[0]));
      expect(Array.from(batch.tokens.superRes![k])).toEqual(Array.from(single.tokens.superRes![0]));
    }
  });

  it('a negative prompt changes the output', async () => {
    const plain = (await run(req, false)).result;
    const neg = (await run({ ...req, negativePrompt: 'blue sea at night' }, false)).result;
    expect(tokensOf(neg)).not.toEqual(tokensOf(plain));
  });

  it('guidance 1 (conditional only, no unconditional pass) differs from guided output', async () => {
    const guided = (await run(req, false)).result;
    const plain = (await run({ ...req, base: { guidance: 1 }, superRes: { guidance: 1 } }, false)).result;
    expect(tokensOf(plain)).not.toEqual(tokensOf(guided));
    expect(tokensOf((await run({ ...req, base: { guidance: 1 }, superRes: { guidance: 1 } }, false)).result)).toEqual(tokensOf(plain));
  });

  it('reports a truncated prompt', async () => {
    const { result } = await run({ ...req, prompt: 'a red hot-air balloon over the sea at sunset with three boats' }, false);
    expect(result.promptTruncated).toBe(true);
  });

  it('cancels between iterations with an AbortError, and the model stays usable', async () => {
    const controller = new AbortController();
    const events: Progress[] = [];
    const err: unknown = await model
      .generate(req, {
        signal: controller.signal,
        onProgress: (p) => {
          events.push(p);
          if (p.stage === 'base' && p.step === 2) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(events.filter((e) => e.stage === 'base').map((e) => e.step)).toEqual([1, 2]);
    expect((await run(req, false)).result.images).toHaveLength(1);
  });

  it('an already aborted signal rejects before any work', async () => {
    const err: unknown = await model.generate(req, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });

  it('rejects a bad request with a RequestError naming the field', async () => {
    await expect(model.generate({ ...req, count: 9 })).rejects.toThrow('count must be a whole number from 1 to 4, got 9');
    await expect(model.generate({ ...req, base: { steps: 100 } })).rejects.toThrow(/base.steps must be a whole number from 1 to 64/);
  });
});
