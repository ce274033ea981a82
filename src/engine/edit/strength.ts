/**
 * Mask-free editing by text (Muse's iterative resampling): how `strength` turns into rounds and
 * token subsets, and the seeded choice of those subsets.
 *
 * - base stage: `rounds` = ⌈4·strength⌉ rounds (1–4); each re-masks a random subset of
 *   `fraction` = 0.1·min(1, 4·strength) + 0.5·strength of the tokens (at least one token) and
 *   resamples it under the new prompt with the ordinary decode loop (N₀ = subset size). strength
 *   0.6 → 3 rounds of 40%; 1 → 4 rounds of 60%; 0.2 → 1 round of 18%; 0.05 → 1 round of 4.5%
 *   (the floor of 0.1 fades out below 0.25, so a low strength really keeps the photo). Each
 *   round takes tokens no earlier round took first (`coveringSubset`): with independent subsets
 *   a fifth of the tokens at strength 0.6 (0.6³) were never resampled and kept the photo's
 *   pixels, so an "at night" edit left blocks of day sky; now rounds × fraction ≥ 1 (strength
 *   ≥ 0.55) resamples every token at least once, each round still seeing the rest.
 * - super-res: regenerates every hi-res token whose low-res parent token changed, plus the same
 *   `fraction` of the other hi-res tokens, at random, in one pass — so fine detail moves with the
 *   strength even where the coarse layout stayed.
 */
import type { Rng } from '../sampler/prng';
import { countSet } from './mask';

export interface TextEditPlan {
  rounds: number;
  /** Fraction of the tokens re-masked per base round, and of the unchanged hi-res tokens. */
  fraction: number;
  /** Tokens re-masked per base round. */
  baseSubset: number;
}

/** The plan for `strength` in (0, 1] over a base grid of `basePositions` tokens. */
export function textEditPlan(strength: number, basePositions: number): TextEditPlan {
  const rounds = Math.min(4, Math.max(1, Math.ceil(4 * strength - 1e-9)));
  const fraction = 0.1 * Math.min(1, 4 * strength) + 0.5 * strength;
  return { rounds, fraction, baseSubset: subsetSize(fraction, basePositions) };
}

/** round(fraction·n), at least 1 and at most n. */
export function subsetSize(fraction: number, n: number): number {
  return Math.min(n, Math.max(1, Math.round(fraction * n)));
}

/**
 * Marks `size` positions chosen uniformly at random among those where `eligible` is non-zero (all
 * positions when it is absent), by a partial Fisher–Yates shuffle: `size` draws from `rng`, in
 * order. Returns a 0/1 mask over all `n` positions.
 */
export function randomSubset(n: number, size: number, rng: Rng, eligible?: Uint8Array): Uint8Array {
  const pool: number[] = [];
  for (let j = 0; j < n; j++) if (!eligible || eligible[j]) pool.push(j);
  const take = Math.min(size, pool.length);
  const out = new Uint8Array(n);
  for (let i = 0; i < take; i++) {
    const k = i + Math.floor(rng.nextFloat() * (pool.length - i));
    const t = pool[i];
    pool[i] = pool[k];
    pool[k] = t;
    out[pool[i]] = 1;
  }
  return out;
}

/**
 * `size` positions (at most n) for the next round: uniformly among those `visited` does not mark,
 * topped up uniformly among the visited ones when there are fewer (`randomSubset` twice, so
 * `size` draws in all); `visited` gains them. Returns a 0/1 mask over all `n` positions.
 */
export function coveringSubset(n: number, size: number, rng: Rng, visited: Uint8Array): Uint8Array {
  const fresh = visited.map((v) => (v ? 0 : 1));
  const out = randomSubset(n, size, rng, fresh);
  const taken = countSet(out);
  if (taken < size) {
    const more = randomSubset(n, size - taken, rng, visited);
    for (let j = 0; j < n; j++) out[j] |= more[j];
  }
  for (let j = 0; j < n; j++) visited[j] |= out[j];
  return out;
}

/**
 * The hi-res tokens (grid `hi`) whose low-res parent (grid `lo`; parent of (r, c) is
 * (⌊r·loRows/hiRows⌋, ⌊c·loCols/hiCols⌋)) differs between `before` and `after`.
 */
export function changedChildren(before: Int32Array, after: Int32Array, lo: [number, number], hi: [number, number]): Uint8Array {
  const [hr, hc] = hi;
  const out = new Uint8Array(hr * hc);
  for (let r = 0; r < hr; r++) {
    const pr = Math.floor((r * lo[0]) / hr);
    for (let c = 0; c < hc; c++) {
      const p = pr * lo[1] + Math.floor((c * lo[1]) / hc);
      if (before[p] !== after[p]) out[r * hc + c] = 1;
    }
  }
  return out;
}
