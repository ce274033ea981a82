import { describe, expect, it } from 'vitest';
import { axisTaps, cropToPlanar, resampleRows } from '../../../../src/engine/image/resample';

/** Resamples a 1-channel image and returns the output as a flat array. */
function resample(data: number[], width: number, rect: { x: number; y: number; width: number; height: number }, ow: number, oh: number): number[] {
  const out: number[] = [];
  resampleRows(data, width, 1, rect, ow, oh, (_, row) => out.push(...row));
  return out;
}

describe('resampling', () => {
  it('is the identity at scale 1, including a crop', () => {
    const img = Array.from({ length: 20 }, (_, i) => i * 13);
    expect(resample(img, 5, { x: 0, y: 0, width: 5, height: 4 }, 5, 4)).toEqual(img);
    expect(resample(img, 5, { x: 1, y: 1, width: 2, height: 2 }, 2, 2)).toEqual([6 * 13, 7 * 13, 11 * 13, 12 * 13]);
  });

  it('shrinks by exact area averages', () => {
    const img = [0, 4, 8, 12, 4, 8, 12, 16, 100, 100, 0, 0, 100, 100, 0, 0];
    expect(resample(img, 4, { x: 0, y: 0, width: 4, height: 4 }, 2, 2)).toEqual([4, 12, 100, 0]);
    // 3 → 2: output 0 covers source [0, 1.5): (a + b/2) / 1.5
    const [l, r] = resample([30, 60, 90], 3, { x: 0, y: 0, width: 3, height: 1 }, 2, 1);
    expect(l).toBeCloseTo((30 + 30) / 1.5, 4);
    expect(r).toBeCloseTo((30 + 90) / 1.5, 4);
  });

  it('enlarges bilinearly with aligned centres and clamped edges', () => {
    expect(resample([0, 100], 2, { x: 0, y: 0, width: 2, height: 1 }, 4, 1)).toEqual([0, 25, 75, 100]);
  });

  it('keeps a constant image constant at any scale (weights sum to 1)', () => {
    for (const [src, dst] of [[7, 3], [3, 7], [256, 64], [64, 256], [100, 99]]) {
      const t = axisTaps(0, src, dst);
      for (let i = 0; i < dst; i++) {
        let sum = 0;
        for (let k = t.offsets[i]; k < t.offsets[i + 1]; k++) sum += t.weight[k];
        expect(sum).toBeCloseTo(1, 5);
      }
    }
  });

  it('maps RGBA bytes to planar floats in the pixel range, ignoring alpha', () => {
    const rgba = Uint8ClampedArray.from([0, 255, 51, 7, 255, 0, 102, 0]);
    const planar = cropToPlanar(rgba, 2, { x: 0, y: 0, width: 2, height: 1 }, [1, 2], [-1, 1]);
    expect(Array.from(planar).map((v) => +v.toFixed(4))).toEqual([-1, 1, 1, -1, -0.6, -0.2]);
  });
});
