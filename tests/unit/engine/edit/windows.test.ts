import { describe, expect, it } from 'vitest';
import { canvasMask, extendCanvas } from '../../../../src/engine/edit/fill';
import { holeOf } from '../../../../src/engine/edit/mask';
import { inpaintWindow, largestWindow, planWindows, tileWindows } from '../../../../src/engine/edit/windows';
import type { PixelRect } from '../../../../src/engine/types';

const MODEL: [number, number] = [256, 256];

const contains = (outer: PixelRect, inner: PixelRect): boolean =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

/** The unknown map of an outpaint: 1 outside the image placed at (left, top). */
function outpaintUnknown(w: number, h: number, ext: { left: number; right: number; top: number; bottom: number }): { unknown: Uint8Array; width: number; height: number } {
  const width = w + ext.left + ext.right;
  const height = h + ext.top + ext.bottom;
  const mask = canvasMask({ image: { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }, mask: null, extend: ext, width, height });
  return { unknown: holeOf(mask, 0).hole, width, height };
}

/** Simulates running `windows` in order: returns each window's known fraction at its turn. */
function knownFractions(unknown: Uint8Array, width: number, windows: PixelRect[]): number[] {
  const u = unknown.slice();
  return windows.map((r) => {
    let n = 0;
    for (let y = r.y; y < r.y + r.height; y++) {
      for (let x = r.x; x < r.x + r.width; x++) {
        n += u[y * width + x];
        u[y * width + x] = 0;
      }
    }
    return 1 - n / (r.width * r.height);
  });
}

function coversAll(unknown: Uint8Array, width: number, windows: PixelRect[]): boolean {
  for (let p = 0; p < unknown.length; p++) {
    if (!unknown[p]) continue;
    const x = p % width;
    const y = Math.floor(p / width);
    if (!windows.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)) return false;
  }
  return true;
}

describe('inpainting window', () => {
  it('is the model size around a small hole, centred, inside the photo', () => {
    const box = { x: 500, y: 300, width: 40, height: 30 };
    const w = inpaintWindow(box, 1024, 768, MODEL)!;
    expect(w).toEqual({ x: 392, y: 187, width: 256, height: 256 });
    expect(contains(w, box)).toBe(true);
  });

  it('spans twice the larger side of a bigger hole', () => {
    const box = { x: 300, y: 300, width: 200, height: 150 };
    expect(inpaintWindow(box, 1024, 1024, MODEL)).toEqual({ x: 200, y: 175, width: 400, height: 400 });
  });

  it('is shifted inside the photo near an edge and clamped to the photo', () => {
    const nearCorner = inpaintWindow({ x: 0, y: 5, width: 20, height: 20 }, 600, 400, MODEL)!;
    expect(nearCorner).toEqual({ x: 0, y: 0, width: 256, height: 256 });
    // a photo smaller than the model: the whole photo (the largest square that fits)
    expect(inpaintWindow({ x: 10, y: 10, width: 20, height: 20 }, 100, 80, MODEL)).toEqual({ x: 0, y: 0, width: 80, height: 80 });
    // a hole needing more than the photo allows: the largest square, still holding the hole
    const big = { x: 100, y: 10, width: 300, height: 280 };
    const w = inpaintWindow(big, 1000, 300, MODEL)!;
    expect(w).toEqual({ x: 100, y: 0, width: 300, height: 300 });
  });

  it('does not exist when the hole is wider than the photo is tall', () => {
    expect(inpaintWindow({ x: 0, y: 0, width: 700, height: 100 }, 800, 300, MODEL)).toBeNull();
  });

  it('follows a non-square model aspect', () => {
    expect(largestWindow(1000, 1000, [256, 512])).toEqual({ width: 1000, height: 500 });
    const w = inpaintWindow({ x: 400, y: 400, width: 10, height: 10 }, 1000, 1000, [256, 512])!;
    expect([w.width, w.height]).toEqual([512, 256]);
  });
});

describe('outpainting windows (greedy, at least half known)', () => {
  it('extending a square by half: one window over the last half of the photo and the new half', () => {
    const { unknown, width, height } = outpaintUnknown(256, 256, { left: 0, right: 128, top: 0, bottom: 0 });
    expect(tileWindows(unknown, width, height, largestWindow(width, height, MODEL))).toEqual([{ x: 128, y: 0, width: 256, height: 256 }]);
  });

  it('extending by a full width slides the window: the second overlaps the first one’s new half', () => {
    const { unknown, width, height } = outpaintUnknown(256, 256, { left: 0, right: 256, top: 0, bottom: 0 });
    const windows = tileWindows(unknown, width, height, largestWindow(width, height, MODEL));
    expect(windows).toEqual([
      { x: 128, y: 0, width: 256, height: 256 },
      { x: 256, y: 0, width: 256, height: 256 },
    ]);
    expect(knownFractions(unknown, width, windows)).toEqual([0.5, 0.5]);
  });

  it('extends left and right symmetrically', () => {
    const { unknown, width, height } = outpaintUnknown(256, 256, { left: 64, right: 64, top: 0, bottom: 0 });
    const windows = tileWindows(unknown, width, height, largestWindow(width, height, MODEL));
    expect(windows).toEqual([
      { x: 0, y: 0, width: 256, height: 256 },
      { x: 128, y: 0, width: 256, height: 256 },
    ]);
  });

  it('all sides and corners: every new pixel covered, every window inside, each at least half known', () => {
    const { unknown, width, height } = outpaintUnknown(400, 300, { left: 90, right: 40, top: 70, bottom: 100 });
    const size = largestWindow(width, height, MODEL);
    expect(size).toEqual({ width: 470, height: 470 });
    const windows = tileWindows(unknown, width, height, size);
    expect(coversAll(unknown, width, windows)).toBe(true);
    for (const w of windows) expect(contains({ x: 0, y: 0, width, height }, w)).toBe(true);
    for (const f of knownFractions(unknown, width, windows)) expect(f).toBeGreaterThanOrEqual(0.5);
  });

  it('a photo too small for half-known windows still gets covered, most context first', () => {
    const { unknown, width, height } = outpaintUnknown(64, 64, { left: 0, right: 400, top: 0, bottom: 0 });
    const windows = tileWindows(unknown, width, height, largestWindow(width, height, MODEL));
    expect(coversAll(unknown, width, windows)).toBe(true);
    expect(windows[0]).toEqual({ x: 32, y: 0, width: 64, height: 64 });
    expect(windows.every((w) => w.x % 8 === 0 || w.x === width - 64)).toBe(true);
  });

  it('an all-unknown wide canvas is swept left to right in half-window steps', () => {
    const unknown = new Uint8Array(768 * 256).fill(1);
    const windows = tileWindows(unknown, 768, 256, { width: 256, height: 256 });
    expect(windows.map((w) => w.x)).toEqual([0, 128, 256, 384, 512]);
  });

  it('skips nothing and repeats nothing for random holes', () => {
    let s = 99;
    const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 4; trial++) {
      const width = 200 + Math.floor(rand() * 300);
      const height = 150 + Math.floor(rand() * 200);
      const unknown = new Uint8Array(width * height);
      for (let k = 0; k < 5; k++) {
        const x0 = Math.floor(rand() * width);
        const y0 = Math.floor(rand() * height);
        for (let y = y0; y < Math.min(height, y0 + 40); y++) unknown.fill(1, y * width + x0, y * width + Math.min(width, x0 + 60));
      }
      const windows = tileWindows(unknown, width, height, largestWindow(width, height, [64, 64]));
      expect(coversAll(unknown, width, windows)).toBe(true);
      expect(knownFractions(unknown, width, windows).every((f) => f < 1)).toBe(true); // each window had work
    }
  });
});

describe('planWindows', () => {
  it('inpainting uses one centred window when the mask fits, tiles otherwise', () => {
    const hole = new Uint8Array(800 * 300);
    for (let y = 100; y < 120; y++) hole.fill(1, y * 800 + 10, y * 800 + 790);
    const wide = planWindows('inpaint', hole, { x: 10, y: 100, width: 780, height: 20 }, 800, 300, MODEL);
    expect(wide.length).toBeGreaterThan(1);
    expect(wide.every((w) => w.width === 300 && w.height === 300)).toBe(true);
    expect(coversAll(hole, 800, wide)).toBe(true);
    const small = planWindows('inpaint', hole, { x: 300, y: 100, width: 50, height: 20 }, 800, 300, MODEL);
    expect(small).toEqual([{ x: 197, y: 0, width: 256, height: 256 }]);
  });
});

describe('outpainting canvas', () => {
  it('places the photo at (left, top) and fills new pixels from the nearest edge', () => {
    const image = { width: 2, height: 1, data: Uint8ClampedArray.from([1, 2, 3, 4, 5, 6, 7, 8]) };
    const c = extendCanvas(image, { left: 1, right: 0, top: 1, bottom: 0 });
    expect([c.width, c.height]).toEqual([3, 2]);
    expect(Array.from(c.data)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
