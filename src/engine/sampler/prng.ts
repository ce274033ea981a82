/**
 * Seeded pseudo-random numbers for sampling. Decoding must be reproducible from a uint32 seed on
 * every platform, so we do not use Math.random and we only use 32-bit integer arithmetic
 * (Math.imul, >>>), which is exact in every JavaScript engine.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128-bit state, period 2^128 − 1. The state is
 * filled from the seed with four outputs of a SplitMix-style sequence (a Weyl sequence with step
 * 0x9E3779B9 passed through the MurmurHash3 32-bit finaliser), so nearby seeds give unrelated
 * streams.
 */
export interface Rng {
  /** Next uniformly distributed uint32. */
  nextUint32(): number;
  /** Uniform in the open interval (0, 1): never 0 or 1, so log(u) and log(−log u) are finite. */
  nextFloat(): number;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Creates the generator for `seed` (taken modulo 2^32). */
export function createRng(seed: number): Rng {
  let weyl = seed >>> 0;
  const next32 = (): number => {
    weyl = (weyl + 0x9e3779b9) >>> 0;
    let z = weyl;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return xoshiro128ss([next32(), next32(), next32(), next32()]);
}

/** xoshiro128** from an explicit 128-bit state (four uint32); exported for reference-vector tests. */
export function xoshiro128ss(state: readonly [number, number, number, number]): Rng {
  let [s0, s1, s2, s3] = state.map((x) => x >>> 0);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  return {
    nextUint32,
    // (k + 0.5) / 2^32 for k in [0, 2^32): exactly representable, strictly inside (0, 1).
    nextFloat: () => (nextUint32() + 0.5) / 4294967296,
  };
}

/** A standard Gumbel(0, 1) sample, −log(−log u), from one draw of `rng`. */
export function gumbel(rng: Rng): number {
  return -Math.log(-Math.log(rng.nextFloat()));
}
