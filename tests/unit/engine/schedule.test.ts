import { describe, expect, it } from 'vitest';
import { maskedCountAfterStep } from '../../../src/engine/sampler/schedule';

/** Runs the schedule from `n0` masked positions, feeding each result back as `unknownNow`. */
function run(n0: number, T: number): number[] {
  const out: number[] = [];
  let unknown = n0;
  for (let i = 0; i < T; i++) {
    unknown = maskedCountAfterStep(n0, i, T, unknown);
    out.push(unknown);
  }
  return out;
}

// Expected values worked out by hand: n_i = floor(N0·cos(π/2·(i+1)/T)).
// T = 8: the angles are k·π/16 with cos = 0.980785, 0.923880, 0.831470, 0.707107, 0.555570,
// 0.382683, 0.195090, 0. T = 12: the angles are k·7.5° with cos = 0.991445, 0.965926,
// 0.923880, 0.866025, 0.793353, 0.707107, 0.608761, 0.5, 0.382683, 0.258819, 0.130526, 0.
describe('maskedCountAfterStep (cosine schedule)', () => {
  it('N=64, T=8', () => {
    // 64·0.980785 = 62.77, 59.13, 53.21, 45.25, 35.56, 24.49, 12.49, last step 0
    expect(run(64, 8)).toEqual([62, 59, 53, 45, 35, 24, 12, 0]);
  });

  it('N=256, T=8', () => {
    // 256·0.980785 = 251.08, 236.51, 212.86, 181.02, 142.23, 97.97, 49.94, last step 0
    expect(run(256, 8)).toEqual([251, 236, 212, 181, 142, 97, 49, 0]);
  });

  it('N=64, T=12', () => {
    // 63.45, 61.82, 59.13, 55.43, 50.77, 45.25, 38.96, 32 (cos 60° = 0.5 exactly), 24.49, 16.56, 8.35, 0
    expect(run(64, 12)).toEqual([63, 61, 59, 55, 50, 45, 38, 32, 24, 16, 8, 0]);
  });

  it('N=256, T=12', () => {
    // 253.81, 247.28, 236.51, 221.70, 203.10, 181.02, 155.84, 128, 97.97, 66.26, 33.41, 0
    expect(run(256, 12)).toEqual([253, 247, 236, 221, 203, 181, 155, 128, 97, 66, 33, 0]);
  });

  it('partial mask (inpainting): N0 = 10 of 64, T=8, where the "unknown − 1" clamp bites', () => {
    // Raw floor(10·cos): 9, 9, 8, 7, 5, 3, 1, 0. Clamped to unknown − 1 given the previous count:
    // step 1: min(9 − 1, 9) = 8; step 2: min(8 − 1, 8) = 7; step 3: min(7 − 1, 7) = 6;
    // step 4: min(6 − 1, 5) = 5; step 5: 3; step 6: 1; step 7 (last): 0.
    expect(run(10, 8)).toEqual([9, 8, 7, 6, 5, 3, 1, 0]);
  });

  it('clamps to at least 1 before the last step', () => {
    // floor(2·cos(π/2·5/6)) = floor(2·0.258819) = floor(0.52) = 0 → clamped up to 1
    expect(maskedCountAfterStep(2, 4, 6, 2)).toBe(1);
    // unknown = 1: min(0, n) = 0, then max(1, 0) = 1: the one token is sampled again next step
    expect(maskedCountAfterStep(64, 3, 8, 1)).toBe(1);
  });

  it('is 0 after the last step and when nothing is masked', () => {
    expect(maskedCountAfterStep(64, 0, 1, 64)).toBe(0);
    expect(maskedCountAfterStep(64, 11, 12, 8)).toBe(0);
    expect(maskedCountAfterStep(0, 0, 8, 0)).toBe(0);
  });
});
