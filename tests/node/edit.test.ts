/**
 * Editing on the ONNX fixture (random weights, so only structure is checked: sizes, kept
 * pixels, changed pixels, determinism, errors, progress, cancel). Quality on the trained model
 * belongs in tests/node/editQuality*.test.ts (see src/cli/editPng.ts: editFromPng).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EditRequest, EditResult, LoadedModel, Progress, RgbaImage } from '../../src/engine';
import { diff, loadFixture, photo, rectMask } from './helpers';

// The fixture: base 4×4 tokens (32 px), super-res 8×8 tokens (64 px), 6 + 4 steps.
let model: LoadedModel;
beforeAll(async () => {
  model = await loadFixture();
});
afterAll(async () => {
  await model?.release();
});

const run = (req: EditRequest, previews = false): Promise<EditResult> => model.edit(req, { previews });

describe('inpainting on the fixture', () => {
  const img = photo(150, 100);
  const mask = rectMask(150, 100, 60, 30, 90, 55);
  const feather = 3;
  // Within the mask grown by the feather (Chebyshev distance ≤ feather ⊇ Euclidean ≤ feather).
  const nearMask = (x: number, y: number) => x >= 60 - feather && x < 90 + feather && y >= 30 - feather && y < 55 + feather;
  const req: EditRequest = { prompt: 'a red boat', seed: 11, image: img, mode: 'inpaint', mask, feather };

  it('keeps the size, keeps every pixel outside mask + feather byte for byte, and changes the masked region', async () => {
    const before = { image: img.data.slice(), mask: mask.data.slice() };
    const r = await run(req);
    // the request's buffers are read, never written (a worker may reuse them)
    expect(Buffer.from(img.data).equals(Buffer.from(before.image))).toBe(true);
    expect(Buffer.from(mask.data).equals(Buffer.from(before.mask))).toBe(true);
    expect(r.images).toHaveLength(1);
    const out = r.images[0];
    expect([out.width, out.height, out.data.length]).toEqual([150, 100, 150 * 100 * 4]);
    const d = diff(out, img, nearMask);
    expect(d.outside).toBe(0); // PSNR outside the feather band = ∞
    expect(d.inside).toBeGreaterThan(30 * 25 * 0.5);
    // changedFraction counts the mask and its feather band exactly
    expect(r.changedFraction).toBeGreaterThan((30 * 25) / (150 * 100));
    expect(r.changedFraction).toBeLessThan(((30 + 2 * feather) * (25 + 2 * feather)) / (150 * 100));
    // one window around the hole: 2× its larger side (30 + 2·feather → 72), inside the photo
    expect(r.windows).toEqual([{ x: 39, y: 6, width: 72, height: 72 }]);
    for (const key of ['text', 'encode', 'base', 'superRes', 'decode', 'blend', 'total']) expect(r.timings[key]).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic by seed; another seed or a negative prompt changes the result', async () => {
    const a = (await run(req)).images[0];
    const b = (await run(req)).images[0];
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    const c = (await run({ ...req, seed: 12 })).images[0];
    expect(Buffer.from(c.data).equals(Buffer.from(a.data))).toBe(false);
    const n = (await run({ ...req, negativePrompt: 'blue sea at night' })).images[0];
    expect(Buffer.from(n.data).equals(Buffer.from(a.data))).toBe(false);
  });

  it('variation k of a batch is the edit of seed + k', async () => {
    const batch = await run({ ...req, count: 2 });
    const second = await run({ ...req, seed: 12 });
    expect(batch.images).toHaveLength(2);
    expect(Buffer.from(batch.images[1].data).equals(Buffer.from(second.images[0].data))).toBe(true);
  });

  it('an all-white mask on a model-sized image is exactly generation', async () => {
    const gen = await model.generate({ prompt: 'a red house', seed: 3 }, { previews: false });
    const start = photo(64, 64);
    const r = await run({ prompt: 'a red house', seed: 3, image: start, mode: 'inpaint', mask: rectMask(64, 64, 0, 0, 64, 64) });
    expect(r.changedFraction).toBe(1);
    expect(Buffer.from(r.images[0].data).equals(Buffer.from(gen.images[0].data))).toBe(true);
  });

  it('an all-white mask on a wide photo regenerates everything, window by window', async () => {
    const wide = photo(160, 64);
    const r = await run({ prompt: 'x', seed: 1, image: wide, mode: 'inpaint', mask: rectMask(160, 64, 0, 0, 160, 64) });
    expect(r.windows.map((w) => w.x)).toEqual([0, 32, 64, 96]);
    expect(diff(r.images[0], wide, () => true).inside).toBeGreaterThan(160 * 64 * 0.9);
  });

  it('refuses an empty mask with the message the UI shows', async () => {
    await expect(run({ ...req, mask: rectMask(150, 100, 0, 0, 0, 0) })).rejects.toThrow('the mask is empty: paint the region to regenerate');
    await expect(run({ ...req, mask: rectMask(149, 100, 1, 1, 5, 5) })).rejects.toThrow(/mask is 149x100 but the image is 150x100/);
  });

  it('reports progress like generation, with the window, and previews of the model window', async () => {
    const events: Progress[] = [];
    await model.edit(req, { onProgress: (p) => events.push(p) });
    expect(events.map((e) => e.stage)).toEqual(['text', ...Array(6).fill('base'), ...Array(4).fill('superRes'), 'decode']);
    expect(events.filter((e) => e.stage === 'base').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.slice(1, 11).map((e) => e.overallStep)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.slice(1, 11).every((e) => e.window?.index === 1 && e.window.count === 1)).toBe(true);
    expect(events[1].preview?.map((p) => [p.width, p.height])).toEqual([[32, 32]]);
    expect(events[9].preview?.map((p) => [p.width, p.height])).toEqual([[64, 64]]);
    expect(events[10].preview).toBeUndefined(); // the job's last iteration: the result follows
  });

  it('cancels between iterations with an AbortError and the model stays usable', async () => {
    const controller = new AbortController();
    const err = await model
      .edit(req, { signal: controller.signal, onProgress: (p) => p.stage === 'base' && p.step === 2 && controller.abort() })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect((await run(req)).images).toHaveLength(1);
  });

  it('queues behind a running generation', async () => {
    const [g, e] = await Promise.all([model.generate({ prompt: 'a', seed: 1 }, { previews: false }), run(req)]);
    expect(g.images).toHaveLength(1);
    expect(e.images).toHaveLength(1);
  });
});

describe('outpainting on the fixture', () => {
  const img = photo(64, 64);

  it('returns input + extension, keeps the photo outside the feather band, fills the new area', async () => {
    const extend = { left: 0, right: 48, top: 16, bottom: 0 };
    const feather = 2;
    const r = await run({ prompt: 'the sea', seed: 4, image: img, mode: 'outpaint', extend, feather });
    const out = r.images[0];
    expect([out.width, out.height]).toEqual([112, 80]);
    // the photo sits at (0, 16); its pixels farther than the feather from the new area are exact
    const crop: RgbaImage = { width: 64 - feather, height: 64 - feather, data: new Uint8ClampedArray((64 - feather) ** 2 * 4) };
    for (let y = 0; y < crop.height; y++) crop.data.set(out.data.subarray(((y + 16 + feather) * 112) * 4, ((y + 16 + feather) * 112 + crop.width) * 4), y * crop.width * 4);
    const original: RgbaImage = { width: crop.width, height: crop.height, data: new Uint8ClampedArray(crop.data.length) };
    for (let y = 0; y < crop.height; y++) original.data.set(img.data.subarray(((y + feather) * 64) * 4, ((y + feather) * 64 + crop.width) * 4), y * crop.width * 4);
    expect(Buffer.from(crop.data).equals(Buffer.from(original.data))).toBe(true);
    expect(r.changedFraction).toBeCloseTo(1 - ((64 - feather) * (64 - feather)) / (112 * 80), 2);
    // every window is inside the result and the model size
    for (const w of r.windows) {
      expect([w.width, w.height]).toEqual([80, 80]);
      expect(w.x + w.width).toBeLessThanOrEqual(112);
    }
  });

  it('slides the window when the extension is larger than half the result, one progress run per window', async () => {
    const events: Progress[] = [];
    const r = await model.edit({ prompt: 'x', seed: 2, image: img, mode: 'outpaint', extend: { left: 0, right: 96, top: 0, bottom: 0 }, feather: 0 }, { previews: false, onProgress: (p) => events.push(p) });
    expect(r.images[0].width).toBe(160);
    expect(r.windows).toEqual([
      { x: 32, y: 0, width: 64, height: 64 },
      { x: 64, y: 0, width: 64, height: 64 },
      { x: 96, y: 0, width: 64, height: 64 },
    ]);
    const stageEvents = events.filter((e) => e.stage === 'base' || e.stage === 'superRes');
    expect(stageEvents).toHaveLength(3 * 10);
    expect(stageEvents.map((e) => e.window?.index)).toEqual([...Array(10).fill(1), ...Array(10).fill(2), ...Array(10).fill(3)]);
    expect(stageEvents.map((e) => e.overallStep)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ stage: 'decode', overallStep: 30, overallTotal: 30 });
    // feather 0: the whole photo is byte for byte the input
    const left = r.images[0];
    for (let y = 0; y < 64; y++) expect(Buffer.from(left.data.subarray(y * 160 * 4, (y * 160 + 64) * 4)).equals(Buffer.from(img.data.subarray(y * 64 * 4, (y + 1) * 64 * 4)))).toBe(true);
  });
});

describe('outpainting with a mask on the fixture', () => {
  it('regenerates the extension and the masked region, and keeps the rest exactly', async () => {
    const img = photo(64, 64);
    const mask = rectMask(64, 64, 10, 10, 20, 20);
    const r = await run({ prompt: 'x', seed: 8, image: img, mode: 'outpaint', mask, extend: { left: 16, right: 0, top: 0, bottom: 0 }, feather: 0 });
    const out = r.images[0];
    expect([out.width, out.height]).toEqual([80, 64]);
    const shifted: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) };
    for (let y = 0; y < 64; y++) shifted.data.set(out.data.subarray((y * 80 + 16) * 4, (y * 80 + 80) * 4), y * 64 * 4);
    const d = diff(shifted, img, (x, y) => x >= 10 && x < 20 && y >= 10 && y < 20);
    expect(d.outside).toBe(0);
    expect(d.inside).toBeGreaterThan(50);
    expect(r.changedFraction).toBeCloseTo((16 * 64 + 100) / (80 * 64), 10);
  });
});

describe('editing by text on the fixture', () => {
  const img = photo(90, 60);
  const req: EditRequest = { prompt: 'at night', seed: 9, image: img, mode: 'text', strength: 0.6 };

  it('keeps the size, changes pixels, is deterministic, and reports rounds × steps', async () => {
    const events: Progress[] = [];
    const r = await model.edit(req, { previews: false, onProgress: (p) => events.push(p) });
    const out = r.images[0];
    expect([out.width, out.height]).toEqual([90, 60]);
    // Only pixels under changed tokens may change (the rest are the input's bytes).
    expect(r.changedFraction).toBeGreaterThan(0.5);
    expect(r.changedFraction).toBeLessThanOrEqual(1);
    expect(r.windows).toEqual([{ x: 0, y: 0, width: 90, height: 60 }]);
    const changed = diff(out, img, () => true).inside;
    expect(changed).toBeGreaterThan(90 * 60 * 0.5);
    expect(changed).toBeLessThanOrEqual(Math.round(r.changedFraction * 90 * 60));
    // strength 0.6: 3 rounds of the 6 base steps, then 4 super-res steps
    const base = events.filter((e) => e.stage === 'base');
    expect(base.map((e) => e.step)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(base.every((e) => e.totalSteps === 18)).toBe(true);
    expect(events.at(-1)).toMatchObject({ stage: 'decode', overallTotal: 22 });
    const again = (await run(req)).images[0];
    expect(Buffer.from(again.data).equals(Buffer.from(out.data))).toBe(true);
    const other = (await run({ ...req, seed: 10 })).images[0];
    expect(Buffer.from(other.data).equals(Buffer.from(out.data))).toBe(false);
  });

  it('a negative prompt and the strength change the result', async () => {
    const plain = (await run(req)).images[0];
    const neg = (await run({ ...req, negativePrompt: 'daylight' })).images[0];
    expect(Buffer.from(neg.data).equals(Buffer.from(plain.data))).toBe(false);
    const weak = (await run({ ...req, strength: 0.1 })).images[0];
    expect(Buffer.from(weak.data).equals(Buffer.from(plain.data))).toBe(false);
  });

  it('refuses a strength out of range', async () => {
    await expect(run({ ...req, strength: 0 })).rejects.toThrow(/strength must be a number above 0 and at most 1/);
  });
});
