import { describe, expect, it } from 'vitest';
import { squaredDistanceToSet } from '../../../../src/engine/edit/distance';
import { blendRgba, boundingBox, countSet, dilateTokens, featherWeights, holeOf, maskFromRgba, tokenMask } from '../../../../src/engine/edit/mask';
import { initialTokens } from '../../../../src/engine/pipeline/stage';

/** A width × height map with the listed [x, y] pixels set to `value`. */
function map(width: number, height: number, pixels: [number, number][], value = 1): Uint8Array {
  const m = new Uint8Array(width * height);
  for (const [x, y] of pixels) m[y * width + x] = value;
  return m;
}

/** Token grid as rows of 0/1 strings, for readable expectations. */
const show = (mask: Uint8Array, cols: number): string[] =>
  Array.from({ length: mask.length / cols }, (_, r) => Array.from(mask.subarray(r * cols, (r + 1) * cols)).join(''));

describe('pixel mask → hole', () => {
  it('counts the pixels above the threshold', () => {
    const mask = Uint8Array.from([0, 1, 127, 128, 255]);
    expect(holeOf(mask, 0)).toEqual({ hole: Uint8Array.from([0, 1, 1, 1, 1]), count: 4 });
    expect(holeOf(mask, 127).count).toBe(2);
  });

  it('finds the bounding box of the set pixels', () => {
    expect(boundingBox(map(10, 8, [[2, 3], [6, 5]]), 10, 8)).toEqual({ x: 2, y: 3, width: 5, height: 3 });
    expect(boundingBox(new Uint8Array(16), 4, 4)).toBeNull();
  });
});

describe('pixel mask → token mask', () => {
  const W = 16; // a 16×16 window over a 4×4 grid: 4-pixel cells

  it('masks a token when any hole pixel lies in its cell (no dilation)', () => {
    const rect = { x: 0, y: 0, width: W, height: W };
    expect(show(tokenMask(map(W, W, [[3, 3]]), W, rect, [4, 4], 0), 4)).toEqual(['1000', '0000', '0000', '0000']);
    expect(show(tokenMask(map(W, W, [[4, 4], [15, 0]]), W, rect, [4, 4], 0), 4)).toEqual(['0001', '0100', '0000', '0000']);
  });

  it('counts partly covered pixels in both cells when cells are not whole pixels', () => {
    // 10 pixels over 4 columns: cells [0, 2.5), [2.5, 5), …; pixel 2 straddles cells 0 and 1.
    const m = map(10, 1, [[2, 0]]);
    expect(show(tokenMask(m, 10, { x: 0, y: 0, width: 10, height: 1 }, [1, 4], 0), 4)).toEqual(['1100']);
  });

  it('reads only the window, at its offset', () => {
    const m = map(32, 32, [[18, 9], [2, 2]]); // (18, 9) is window pixel (2, 1); (2, 2) is outside
    const rect = { x: 16, y: 8, width: 8, height: 8 };
    expect(show(tokenMask(m, 32, rect, [2, 2], 0), 2)).toEqual(['10', '00']);
  });

  it('dilates by whole tokens, clipped at the grid edge', () => {
    const one = map(5, 5, [[0, 0]]);
    expect(show(dilateTokens(one, [5, 5], 1), 5)).toEqual(['11000', '11000', '00000', '00000', '00000']);
    const centre = map(5, 5, [[2, 2]]);
    expect(show(dilateTokens(centre, [5, 5], 1), 5)).toEqual(['00000', '01110', '01110', '01110', '00000']);
    expect(countSet(dilateTokens(centre, [5, 5], 2))).toBe(25);
    expect(dilateTokens(centre, [5, 5], 0)).toEqual(centre);
  });

  it('N₀ is the number of masked tokens, and known tokens stay as given', () => {
    const rect = { x: 0, y: 0, width: W, height: W };
    const decode = tokenMask(map(W, W, [[5, 5]]), W, rect, [4, 4], 1); // cell (1,1) + its ring = 3×3
    const known = Int32Array.from({ length: 16 }, (_, j) => j);
    const { tokens, n0 } = initialTokens(16, 99, { tokens: known, decode });
    expect(n0).toBe(9);
    for (let j = 0; j < 16; j++) expect(tokens[j]).toBe(decode[j] ? 99 : j);
    expect(initialTokens(16, 99).n0).toBe(16); // generation: everything masked
  });
});

describe('feathered blend weights', () => {
  it('is 255 in the mask, a linear ramp out to the feather radius, then exactly 0', () => {
    const mask = new Uint8Array(20 * 20);
    for (let y = 8; y < 12; y++) for (let x = 8; x < 12; x++) mask[y * 20 + x] = 255;
    const w = featherWeights(mask, 20, 20, 3, 0);
    const at = (x: number, y: number) => w[y * 20 + x];
    expect(at(8, 8)).toBe(255);
    // straight out from the edge: d = 1, 2, 3 → 255·(1 − d/4); d = 4 → 0
    expect([at(7, 9), at(6, 9), at(5, 9), at(4, 9)]).toEqual([191, 128, 64, 0]);
    expect(at(7, 7)).toBe(Math.round(255 * (1 - Math.SQRT2 / 4))); // diagonal, d = √2
    expect(at(5, 5)).toBe(0); // d = 3√2 > 3
    // Everything with weight > 0 lies within the feather radius of the mask.
    const d2 = squaredDistanceToSet(20, 20, (x, y) => mask[y * 20 + x] === 255);
    for (let p = 0; p < w.length; p++) expect(w[p] > 0).toBe(d2[p] <= 9);
  });

  it('keeps soft mask values and ignores those at or below the threshold', () => {
    const mask = Uint8Array.from([0, 40, 128, 0]);
    expect(Array.from(featherWeights(mask, 4, 1, 5, 0))).toEqual([0, 40, 128, 0]); // no 255 pixel: no feather
    expect(Array.from(featherWeights(mask, 4, 1, 5, 50))).toEqual([0, 0, 128, 0]);
  });

  it('feather 0 is a hard edge', () => {
    const mask = map(6, 1, [[2, 0]], 255);
    expect(Array.from(featherWeights(mask, 6, 1, 0, 0))).toEqual([0, 0, 255, 0, 0, 0]);
  });

  it('blending keeps weight-0 pixels byte for byte and takes weight-255 pixels from the generated image', () => {
    const original = Uint8ClampedArray.from([10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 128]);
    const generated = Uint8ClampedArray.from([200, 100, 0, 255, 200, 100, 0, 255, 200, 100, 0, 255]);
    const out = blendRgba(original, generated, Uint8Array.from([0, 255, 51]));
    expect(Array.from(out.subarray(0, 4))).toEqual([10, 20, 30, 40]);
    expect(Array.from(out.subarray(4, 8))).toEqual([200, 100, 0, 255]);
    // w = 0.2: 10 + 190·0.2 = 48, 20 + 80·0.2 = 36, 30 − 30·0.2 = 24, alpha 128 + 127·0.2 = 153.4
    expect(Array.from(out.subarray(8, 12))).toEqual([48, 36, 24, 153]);
    // In place into the generated buffer gives the same bytes.
    expect(blendRgba(original, generated.slice(), Uint8Array.from([0, 255, 51]), generated)).toEqual(out);
  });

  it('with a region, visits only the region (the rest of `out` is left as it is)', () => {
    // 3×1 image; region = pixel 1 only
    const original = new Uint8ClampedArray(12).fill(10);
    const canvas = new Uint8ClampedArray(12).fill(10);
    canvas.set([200, 200, 200, 255], 4);
    const out = blendRgba(original, canvas, Uint8Array.from([0, 255, 0]), canvas, { width: 3, rect: { x: 1, y: 0, width: 1, height: 1 } });
    expect(Array.from(out)).toEqual([10, 10, 10, 10, 200, 200, 200, 255, 10, 10, 10, 10]);
  });
});

describe('maskFromRgba', () => {
  it('white = 255, black = 0, transparent = 0, grey in between', () => {
    const img = { width: 4, height: 1, data: Uint8ClampedArray.from([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0, 128, 128, 128, 255]) };
    expect(Array.from(maskFromRgba(img).data)).toEqual([255, 0, 0, 128]);
  });
});

describe('distance transform', () => {
  it('matches brute force on random sets', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 5; trial++) {
      const w = 7 + trial * 3;
      const h = 5 + trial * 2;
      const set = Array.from({ length: w * h }, () => rand() < 0.08);
      set[trial] = true;
      const d2 = squaredDistanceToSet(w, h, (x, y) => set[y * w + x]);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let best = Infinity;
          for (let q = 0; q < w * h; q++) if (set[q]) best = Math.min(best, (x - (q % w)) ** 2 + (y - Math.floor(q / w)) ** 2);
          expect(d2[y * w + x]).toBe(best);
        }
      }
    }
  });
});
