import { describe, expect, it } from 'vitest';
import { decodeStep, type DecodeState } from '../../../src/engine/sampler/decodeStep';
import { createRng, gumbel, xoshiro128ss, type Rng } from '../../../src/engine/sampler/prng';

/** An Rng that returns the given floats in order and fails when asked for more. */
function scripted(values: number[]): Rng & { used(): number } {
  let i = 0;
  return {
    nextFloat() {
      if (i >= values.length) throw new Error(`scripted rng exhausted after ${values.length} draws`);
      return values[i++];
    },
    nextUint32() {
      throw new Error('not used by the sampler');
    },
    used: () => i,
  };
}

/** Logits whose softmax is exactly `probs` (log-probabilities). */
const logitsOf = (...rows: number[][]): Float32Array => new Float32Array(rows.flat().map(Math.log));

/** The uniform draw that makes gumbel() return exactly g: u = exp(−exp(−g)). */
const uForGumbel = (g: number): number => Math.exp(-Math.exp(-g));

const M = 4; // mask token id = K for these 4-class cases

describe('prng (xoshiro128**)', () => {
  it('matches the reference algorithm on the state {1, 2, 3, 4}, worked by hand', () => {
    // out0 = rotl(2·5, 7)·9 = 1280·9 = 11520; the update leaves s1 = 0, so out1 = 0;
    // then s1 = 1029: out2 = rotl(5145, 7)·9 = 658560·9 = 5927040.
    const r = xoshiro128ss([1, 2, 3, 4]);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('seeds reproducibly (values cross-checked with an independent Python implementation)', () => {
    const a = createRng(0);
    expect([a.nextUint32(), a.nextUint32(), a.nextUint32()]).toEqual([3809008728, 1133695204, 53579671]);
    const b = createRng(4294967295);
    expect([b.nextUint32(), b.nextUint32()]).toEqual([835879718, 1921286648]);
    const c = createRng(1234);
    expect(c.nextFloat()).toBe(0.44881061965133995);
  });

  it('same seed ⇒ same stream; different seeds ⇒ different streams; floats inside (0, 1)', () => {
    const draw = (seed: number) => {
      const r = createRng(seed);
      return Array.from({ length: 1000 }, () => r.nextFloat());
    };
    const a = draw(42);
    expect(draw(42)).toEqual(a);
    expect(draw(43)).not.toEqual(a);
    expect(a.every((u) => u > 0 && u < 1)).toBe(true);
    // seeds are taken modulo 2^32
    expect(draw(2 ** 32 + 42)).toEqual(a);
  });

  it('gumbel(u) = −log(−log u)', () => {
    expect(gumbel(scripted([Math.exp(-1)]))).toBeCloseTo(0, 12);
    expect(gumbel(scripted([uForGumbel(2)]))).toBeCloseTo(2, 12);
  });
});

describe('decodeStep: 3 positions × 4 classes, worked by hand', () => {
  // p0 = [.1 .2 .3 .4], p1 = [.7 .1 .1 .1], p2 = [.25 .25 .25 .25]
  const logits = logitsOf([0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]);
  const allMasked = (): DecodeState => ({ tokens: new Int32Array([M, M, M]), maskTokenId: M, n0: 3, step: 0, totalSteps: 2 });

  it('keeps the most confident sample and re-masks the rest (τ = 0)', () => {
    // Draws per masked position: u for the token, then one for the Gumbel (ignored as τ = 0).
    // pos0: u = .95, running sums .1 .3 .6 1.0 → class 3, log p = ln .4 = −0.92
    // pos1: u = .50, running sums .7 → class 0, log p = ln .7 = −0.36
    // pos2: u = .10, running sums .25 → class 0, log p = ln .25 = −1.39
    // n = floor(3·cos(π/4)) = floor(2.12) = 2 re-masked: pos2 and pos0; pos1 keeps class 0.
    const rng = scripted([0.95, 0.5, 0.5, 0.5, 0.1, 0.5]);
    const r = decodeStep(allMasked(), logits, rng, { temperature: 1, confidenceNoise: 0 });
    expect(Array.from(r.tokens)).toEqual([M, 0, M]);
    // Preview: re-masked positions show their argmax (pos0: class 3; pos2: tie → lowest, class 0).
    expect(Array.from(r.preview)).toEqual([3, 0, 0]);
    expect(r.masked).toBe(2);
    expect(rng.used()).toBe(6);
  });

  it('annealed Gumbel noise can change which sample is kept', () => {
    // τ = 2 at step 0 of 2: noise scale 2·(1 − 1/2) = 1. g0 = 2, g1 = 0, g2 = 0:
    // conf0 = −0.92 + 2 = 1.08, conf1 = −0.36, conf2 = −1.39 → keep pos0 (class 3).
    const rng = scripted([0.95, uForGumbel(2), 0.5, uForGumbel(0), 0.1, uForGumbel(0)]);
    const r = decodeStep(allMasked(), logits, rng, { temperature: 1, confidenceNoise: 2 });
    expect(Array.from(r.tokens)).toEqual([3, M, M]);
    expect(Array.from(r.preview)).toEqual([3, 0, 0]);
  });

  it('the last step keeps every sample; known tokens are not touched and draw nothing', () => {
    // pos2 already known (class 2). Last step (i = 1 of 2): n = 0.
    const state: DecodeState = { tokens: new Int32Array([M, M, 2]), maskTokenId: M, n0: 3, step: 1, totalSteps: 2 };
    const rng = scripted([0.95, 0.5, 0.5, 0.5]);
    const r = decodeStep(state, logits, rng, { temperature: 1, confidenceNoise: 5 });
    expect(Array.from(r.tokens)).toEqual([3, 0, 2]);
    expect(Array.from(r.preview)).toEqual([3, 0, 2]);
    expect(r.masked).toBe(0);
    expect(rng.used()).toBe(4);
  });

  it('breaks equal confidences by position: the lower index is re-masked first', () => {
    // All rows uniform: every log p = ln .25. u = .1 → 0, .3 → 1, .6 → 2 (running .25 .5 .75).
    // n = 2: re-mask pos0 and pos1, keep pos2.
    const flat = logitsOf([0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]);
    const r = decodeStep(allMasked(), flat, scripted([0.1, 0.5, 0.3, 0.5, 0.6, 0.5]), { temperature: 1, confidenceNoise: 0 });
    expect(Array.from(r.tokens)).toEqual([M, M, 2]);
  });

  it('samples from softmax(l / temperature)', () => {
    // p = [.1 .2 .3 .4]; temperature 0.5 squares then renormalises: [1 4 9 16]/30,
    // running sums .033 .167 .467 1. With u = .2: class 2 at temperature .5, class 1 at 1 (.1 .3).
    const one = logitsOf([0.1, 0.2, 0.3, 0.4]);
    const state = (): DecodeState => ({ tokens: new Int32Array([M]), maskTokenId: M, n0: 1, step: 0, totalSteps: 1 });
    expect(decodeStep(state(), one, scripted([0.2, 0.5]), { temperature: 0.5, confidenceNoise: 0 }).tokens[0]).toBe(2);
    expect(decodeStep(state(), one, scripted([0.2, 0.5]), { temperature: 1, confidenceNoise: 0 }).tokens[0]).toBe(1);
  });

  it('does not modify its inputs and rejects logits of the wrong size', () => {
    const s = allMasked();
    const before = logits.slice();
    decodeStep(s, logits, scripted([0.95, 0.5, 0.5, 0.5, 0.1, 0.5]), { temperature: 1, confidenceNoise: 0 });
    expect(Array.from(s.tokens)).toEqual([M, M, M]);
    expect(logits).toEqual(before);
    expect(() => decodeStep(s, new Float32Array(10), createRng(1), { temperature: 1, confidenceNoise: 0 })).toThrow(/not a multiple/);
  });
});

describe('decodeStep over a whole stage', () => {
  const N = 64;
  const K = 16;
  const mask = K;
  const randomLogits = (seed: number): Float32Array => {
    const r = createRng(seed);
    return Float32Array.from({ length: N * K }, () => (r.nextFloat() - 0.5) * 8);
  };

  /** Decodes from `start`; returns the token grid after every step. */
  function decode(start: Int32Array, T: number, seed: number): Int32Array[] {
    const n0 = start.filter((t) => t === mask).length;
    const rng = createRng(seed);
    const history: Int32Array[] = [];
    let tokens = start;
    for (let step = 0; step < T; step++) {
      tokens = decodeStep({ tokens, maskTokenId: mask, n0, step, totalSteps: T }, randomLogits(1000 + step), rng, {
        temperature: 1,
        confidenceNoise: 4.5,
      }).tokens;
      history.push(tokens);
    }
    return history;
  }
  const maskedCount = (t: Int32Array) => t.filter((x) => x === mask).length;

  it('inpainting (10 of 64 masked): known tokens never change, counts follow the schedule', () => {
    const start = Int32Array.from({ length: N }, (_, j) => j % K);
    const hole = [3, 9, 10, 11, 20, 33, 34, 50, 51, 63];
    for (const j of hole) start[j] = mask;
    const history = decode(start, 8, 7);
    // Hand-computed in schedule.test.ts: 9, 8, 7, 6, 5, 3, 1, 0.
    expect(history.map(maskedCount)).toEqual([9, 8, 7, 6, 5, 3, 1, 0]);
    for (const tokens of history) {
      for (let j = 0; j < N; j++) if (!hole.includes(j)) expect(tokens[j]).toBe(start[j]);
    }
    // A token fixed at one step stays fixed at every later step.
    for (let s = 1; s < history.length; s++) {
      for (let j = 0; j < N; j++) if (history[s - 1][j] !== mask) expect(history[s][j]).toBe(history[s - 1][j]);
    }
    expect(history[7].every((t) => t >= 0 && t < K)).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const start = new Int32Array(N).fill(mask);
    const a = decode(start, 12, 1);
    expect(decode(start, 12, 1)).toEqual(a);
    expect(decode(start, 12, 2)[11]).not.toEqual(a[11]);
    // The N = 64, T = 12 schedule worked by hand in schedule.test.ts.
    expect(a.map(maskedCount)).toEqual([63, 61, 59, 55, 50, 45, 38, 32, 24, 16, 8, 0]);
  });
});
