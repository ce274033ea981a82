import { describe, expect, it } from 'vitest';
import { applyGuidance, applyGuidanceToMasked, guidanceScaleAt } from '../../../src/engine/sampler/guidance';

describe('applyGuidance: l = u + w·(c − u)', () => {
  const cond = new Float32Array([2, -1, 0.5]);
  const empty = new Float32Array([1, 1, 0.5]); // logits for the empty prompt ""
  const negative = new Float32Array([0, 2, 0.5]); // logits for a negative prompt

  it('without a negative prompt (u = the empty prompt)', () => {
    // 1 + 3·(2 − 1) = 4; 1 + 3·(−1 − 1) = −5; 0.5 + 3·0 = 0.5
    expect(Array.from(applyGuidance(cond, empty, 3))).toEqual([4, -5, 0.5]);
  });

  it('with a negative prompt (u = the negative prompt)', () => {
    // 0 + 3·(2 − 0) = 6; 2 + 3·(−1 − 2) = −7; 0.5
    expect(Array.from(applyGuidance(cond, negative, 3))).toEqual([6, -7, 0.5]);
  });

  it('w = 1 is the conditional logits, w = 0 the unconditional ones', () => {
    expect(Array.from(applyGuidance(cond, empty, 1))).toEqual([2, -1, 0.5]);
    expect(Array.from(applyGuidance(cond, empty, 0))).toEqual([1, 1, 0.5]);
  });

  it('writes into `out`, which may alias an input', () => {
    const out = new Float32Array([9, 9, 9]);
    const c = cond.slice();
    expect(applyGuidance(c, empty, 2, c)).toBe(c);
    // 1 + 2·1 = 3; 1 + 2·(−2) = −3; 0.5
    expect(Array.from(c)).toEqual([3, -3, 0.5]);
    expect(() => applyGuidance(cond, new Float32Array(2), 2, out)).toThrow(/length mismatch/);
  });
});

describe('guidanceScaleAt', () => {
  it('ramp none: w at every step', () => {
    expect([0, 1, 2, 3].map((i) => guidanceScaleAt(i, 4, 5, 'none'))).toEqual([5, 5, 5, 5]);
  });

  it('ramp linear: 1 + (w − 1)·(i+1)/T, reaching w at the last step', () => {
    // T = 4, w = 5: 1 + 4·1/4 = 2, 1 + 4·2/4 = 3, 4, 5
    expect([0, 1, 2, 3].map((i) => guidanceScaleAt(i, 4, 5, 'linear'))).toEqual([2, 3, 4, 5]);
    // T = 12, w = 4: 1 + 3/12 = 1.25; step 5: 1 + 3·6/12 = 2.5; step 11: 4
    expect(guidanceScaleAt(0, 12, 4, 'linear')).toBe(1.25);
    expect(guidanceScaleAt(5, 12, 4, 'linear')).toBe(2.5);
    expect(guidanceScaleAt(11, 12, 4, 'linear')).toBe(4);
    // w = 1 stays 1 (no guidance) whatever the ramp
    expect(guidanceScaleAt(3, 8, 1, 'linear')).toBe(1);
  });
});

describe('applyGuidanceToMasked', () => {
  it('guides only the rows of masked positions and leaves the others as they were', () => {
    // N = 3 positions, K = 2; position 1 is known (token 0), positions 0 and 2 are masked (id 9).
    const cond = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const uncond = Float32Array.from([0, 0, 1, 1, 2, 2]);
    const out = new Float32Array(6).fill(-7);
    applyGuidanceToMasked(cond, uncond, 3, out, Int32Array.from([9, 0, 9]), 9);
    // u + 3·(c − u): row 0 → 3, 6; row 2 → 2 + 3·3 = 11, 2 + 3·4 = 14; row 1 untouched.
    expect(Array.from(out)).toEqual([3, 6, -7, -7, 11, 14]);
  });

  it('refuses logits that are not N rows', () => {
    expect(() => applyGuidanceToMasked(new Float32Array(5), new Float32Array(5), 2, new Float32Array(5), new Int32Array(2), 9)).toThrow(/length mismatch/);
  });
});
