import { describe, expect, it } from 'vitest';
import { applySizePlan, defaultFeather, flattenOnWhite, limitSize, planSize } from '../../../../src/app/editor/image/size';

describe('sizes', () => {
  it('limitSize keeps the aspect and caps the longer side', () => {
    expect(limitSize({ width: 10000, height: 10000 }, 4096)).toEqual({ width: 4096, height: 4096, scaled: true });
    expect(limitSize({ width: 12000, height: 3000 }, 4096)).toEqual({ width: 4096, height: 1024, scaled: true });
    expect(limitSize({ width: 320, height: 200 }, 4096)).toEqual({ width: 320, height: 200, scaled: false });
    expect(limitSize({ width: 100000, height: 1 }, 4096)).toEqual({ width: 4096, height: 1, scaled: true });
  });

  it('planSize: original, fit inside the model size, crop the centre to fill it', () => {
    const photo = { width: 320, height: 200 };
    const model = { width: 64, height: 64 };
    expect(planSize('original', photo, model)).toEqual({ crop: { x: 0, y: 0, width: 320, height: 200 }, width: 320, height: 200 });
    expect(planSize('fit', photo, model)).toEqual({ crop: { x: 0, y: 0, width: 320, height: 200 }, width: 64, height: 40 });
    expect(planSize('crop', photo, model)).toEqual({ crop: { x: 60, y: 0, width: 200, height: 200 }, width: 64, height: 64 });
    // A photo smaller than the model is scaled up.
    expect(planSize('fit', { width: 20, height: 40 }, { width: 256, height: 256 })).toMatchObject({ width: 128, height: 256 });
  });

  it('applySizePlan resamples the crop (identity when nothing changes)', () => {
    const data = new Uint8ClampedArray(4 * 4 * 4);
    for (let p = 0; p < 16; p++) data.set([p < 8 ? 0 : 200, 10, 20, 255], p * 4);
    const img = { width: 4, height: 4, data };
    expect(applySizePlan(img, planSize('original', img, { width: 2, height: 2 }))).toBe(img);
    const half = applySizePlan(img, planSize('fit', img, { width: 2, height: 2 }));
    expect(half.width).toBe(2);
    expect([...half.data]).toEqual([0, 10, 20, 255, 0, 10, 20, 255, 200, 10, 20, 255, 200, 10, 20, 255]);
  });

  it('flattenOnWhite composites onto white and reports transparency', () => {
    const d = new Uint8ClampedArray([10, 20, 30, 255, 0, 0, 0, 0, 200, 100, 0, 128]);
    expect(flattenOnWhite(d)).toBe(true);
    expect([...d.slice(0, 8)]).toEqual([10, 20, 30, 255, 255, 255, 255, 255]);
    expect([...d.slice(8)]).toEqual([Math.round(200 * (128 / 255) + 127 * 1), 177, 127, 255]);
    expect(flattenOnWhite(new Uint8ClampedArray([1, 2, 3, 255]))).toBe(false);
  });

  it('defaultFeather follows the engine (1/64 of the shorter side, at least 2)', () => {
    expect(defaultFeather({ width: 320, height: 200 })).toBe(3);
    expect(defaultFeather({ width: 64, height: 64 })).toBe(2);
    expect(defaultFeather({ width: 4096, height: 4096 })).toBe(64);
  });
});
