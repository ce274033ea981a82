/** The weights that keep a photo: token changes → pixels, inward feather, and window seams. */
import { describe, expect, it } from 'vitest';
import { windowWeights } from '../../../../src/engine/edit/fill';
import { changedTokenPixels, inwardWeights } from '../../../../src/engine/edit/mask';
import { writeWindow } from '../../../../src/engine/edit/context';

const rows = (m: ArrayLike<number>, width: number): number[][] =>
  Array.from({ length: m.length / width }, (_, y) => Array.from(m).slice(y * width, (y + 1) * width));

describe('changedTokenPixels', () => {
  it('marks the pixels of the tokens that differ, stretched over the image', () => {
    // 2×2 tokens over 4×2 pixels: each token covers 2×1 pixels; token (1, 0) changed.
    const out = changedTokenPixels(Int32Array.of(1, 2, 3, 4), Int32Array.of(1, 2, 9, 4), [2, 2], 4, 2);
    expect(rows(out, 4)).toEqual([
      [0, 0, 0, 0],
      [255, 255, 0, 0],
    ]);
  });

  it('counts a partly covered pixel (3 pixels over 2 tokens: the middle one belongs to both)', () => {
    expect(Array.from(changedTokenPixels(Int32Array.of(1, 2), Int32Array.of(1, 5), [1, 2], 3, 1))).toEqual([0, 255, 255]);
  });
});

describe('inwardWeights', () => {
  it('is 0 on every kept pixel and ramps up inside the changed run', () => {
    const changed = Uint8Array.of(0, 0, 255, 255, 255, 255, 255, 255);
    // feather 2: distance d from the nearest kept pixel → 255·d/3, then 255 beyond
    expect(Array.from(inwardWeights(changed, 8, 1, 2))).toEqual([0, 0, 85, 170, 255, 255, 255, 255]);
  });

  it('nothing changed → all 0; everything changed → all 255', () => {
    expect(Array.from(inwardWeights(new Uint8Array(4), 4, 1, 3))).toEqual([0, 0, 0, 0]);
    expect(Array.from(inwardWeights(new Uint8Array(4).fill(255), 4, 1, 3))).toEqual([255, 255, 255, 255]);
  });
});

describe('windowWeights and writeWindow', () => {
  it('writes fresh pixels, fades into pixels an earlier window wrote, leaves kept pixels', () => {
    // One row of 8: pixels 0–3 written by an earlier window, 4–7 fresh; pixel 0 is not changeable.
    const fresh = Uint8Array.of(0, 0, 0, 0, 1, 1, 1, 1);
    const changeable = Uint8Array.of(0, 255, 255, 255, 255, 255, 255, 255);
    const w = windowWeights(fresh, changeable, 8, { x: 0, y: 0, width: 8, height: 1 }, 2);
    // band 2: distance 1 → 255·(1 − 1/3) = 170, distance 2 → 85, farther → 0
    expect(Array.from(w)).toEqual([0, 0, 85, 170, 255, 255, 255, 255]);

    const canvas = new Uint8ClampedArray(8 * 4).fill(0);
    const img = { width: 8, height: 1, data: new Uint8ClampedArray(8 * 4).fill(255) };
    writeWindow(img, canvas, 8, { x: 0, y: 0, width: 8, height: 1 }, w);
    expect(Array.from({ length: 8 }, (_, p) => canvas[p * 4])).toEqual([0, 0, 85, 170, 255, 255, 255, 255]);
  });

  it('band 0 writes only the fresh pixels (the unblended rule)', () => {
    const fresh = Uint8Array.of(0, 1);
    expect(Array.from(windowWeights(fresh, Uint8Array.of(255, 255), 2, { x: 0, y: 0, width: 2, height: 1 }, 0))).toEqual([0, 255]);
  });
});
