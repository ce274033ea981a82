import { describe, expect, it } from 'vitest';
import { changedChildren, coveringSubset, randomSubset, subsetSize, textEditPlan } from '../../../../src/engine/edit/strength';
import { createRng, type Rng } from '../../../../src/engine/sampler/prng';

describe('strength → rounds and subset sizes', () => {
  it.each([
    // strength, rounds = ⌈4s⌉, fraction = 0.1·min(1, 4s) + 0.5s, subset of 64 = round(fraction·64)
    [0.05, 1, 0.045, 3],
    [0.2, 1, 0.18, 12],
    [0.25, 1, 0.225, 14],
    [0.26, 2, 0.23, 15],
    [0.6, 3, 0.4, 26],
    [0.75, 3, 0.475, 30],
    [1, 4, 0.6, 38],
  ])('strength %f: %i rounds of %f (%i of 64 tokens)', (strength, rounds, fraction, subset) => {
    const plan = textEditPlan(strength, 64);
    expect(plan.rounds).toBe(rounds);
    expect(plan.fraction).toBeCloseTo(fraction, 12);
    expect(plan.baseSubset).toBe(subset);
  });

  it('grows with strength and never re-masks zero tokens', () => {
    let last = 0;
    for (let s = 0.01; s <= 1; s += 0.01) {
      const p = textEditPlan(s, 16);
      expect(p.baseSubset).toBeGreaterThanOrEqual(Math.max(1, last));
      last = p.baseSubset;
    }
    expect(subsetSize(0.001, 16)).toBe(1);
    expect(subsetSize(0.5, 0)).toBe(0);
    expect(subsetSize(2, 16)).toBe(16);
  });
});

describe('randomSubset', () => {
  const counting = (rng: Rng): Rng & { draws(): number } => {
    let n = 0;
    return { nextUint32: () => rng.nextUint32(), nextFloat: () => (n++, rng.nextFloat()), draws: () => n };
  };

  it('marks exactly `size` distinct positions with one draw each, reproducibly', () => {
    const rng = counting(createRng(5));
    const a = randomSubset(64, 26, rng);
    expect(a.reduce((s, v) => s + v, 0)).toBe(26);
    expect(rng.draws()).toBe(26);
    expect(randomSubset(64, 26, createRng(5))).toEqual(a);
    expect(randomSubset(64, 26, createRng(6))).not.toEqual(a);
  });

  it('only picks eligible positions, and all of them when asked for more', () => {
    const eligible = Uint8Array.from({ length: 20 }, (_, j) => (j % 3 === 0 ? 1 : 0));
    const some = randomSubset(20, 3, createRng(1), eligible);
    expect(some.reduce((s, v) => s + v, 0)).toBe(3);
    for (let j = 0; j < 20; j++) if (some[j]) expect(eligible[j]).toBe(1);
    expect(randomSubset(20, 100, createRng(1), eligible)).toEqual(eligible);
  });
});

describe('coveringSubset', () => {
  const sum = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);

  it('takes tokens no earlier round took first, so strength 0.6 resamples every token', () => {
    const { rounds, baseSubset } = textEditPlan(0.6, 64); // 3 rounds of 26
    const rng = createRng(3);
    const visited = new Uint8Array(64);
    const picks = Array.from({ length: rounds }, () => coveringSubset(64, baseSubset, rng, visited));
    for (const p of picks) expect(sum(p)).toBe(baseSubset);
    // The second round is all new tokens; the third takes the last 12 new ones and 14 again.
    expect(picks[0].every((v, j) => !(v && picks[1][j]))).toBe(true);
    expect(sum(visited)).toBe(64);
    expect(picks[2].filter((v, j) => v && !picks[0][j] && !picks[1][j]).length).toBe(12);
    // With independent subsets about 0.6³ of the tokens were never taken.
    const independent = new Uint8Array(64);
    const rng2 = createRng(3);
    for (let r = 0; r < rounds; r++) randomSubset(64, baseSubset, rng2).forEach((v, j) => (independent[j] |= v));
    expect(sum(independent)).toBeLessThan(64);
  });

  it('starts like randomSubset, draws `size` numbers per round and is reproducible', () => {
    expect(coveringSubset(64, 26, createRng(5), new Uint8Array(64))).toEqual(randomSubset(64, 26, createRng(5)));
    let draws = 0;
    const base = createRng(8);
    const rng: Rng = { nextUint32: () => base.nextUint32(), nextFloat: () => (draws++, base.nextFloat()) };
    const visited = new Uint8Array(64);
    coveringSubset(64, 40, rng, visited);
    coveringSubset(64, 40, rng, visited); // 24 new, 16 again
    expect(draws).toBe(80);
    expect(sum(visited)).toBe(64);
  });
});

describe('changedChildren', () => {
  it('marks the hi-res tokens under changed low-res parents', () => {
    // 2×2 parents over a 4×4 grid: parent (0,1) changed → the top-right 2×2 block
    const before = Int32Array.from([1, 2, 3, 4]);
    const after = Int32Array.from([1, 9, 3, 4]);
    const m = changedChildren(before, after, [2, 2], [4, 4]);
    expect(Array.from(m)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(changedChildren(before, before, [2, 2], [4, 4]).every((v) => v === 0)).toBe(true);
  });
});
