import type { ConfidenceSchedule } from '../manifest/types';

/**
 * How many positions stay masked after step `step` (0-based) of `totalSteps`: the MaskGIT cosine
 * schedule of ARCHITECTURE.md §4,
 *
 *   n_i = floor(N0 · cos(π/2 · (i+1)/T)),
 *
 * clamped to at least 1 and at most `unknownNow − 1` before the last step (so every step but the
 * last fixes at least one token and leaves at least one to do), and 0 after the last step.
 * `n0` is the number of positions masked when decoding began (all of them for generation, the
 * hole for inpainting); `unknownNow` is the number masked at the start of this step. When
 * nothing is masked there is nothing to re-mask, so the result is 0.
 */
export function maskedCountAfterStep(n0: number, step: number, totalSteps: number, unknownNow: number): number {
  if (step >= totalSteps - 1 || unknownNow <= 0) return 0;
  const ratio = (step + 1) / totalSteps;
  const n = Math.floor(n0 * Math.cos((Math.PI / 2) * ratio));
  return Math.max(1, Math.min(unknownNow - 1, n));
}

/**
 * The scale of the Gumbel noise added to confidences at step `step` (0-based) of `totalSteps`,
 * from the stage's τ (`confidenceNoise`):
 *
 * - `linear-from-next` (default): τ·(1 − (i+1)/T), which is already 0 at the last step;
 * - `amused`: τ·(1 − i/(T−1)), i.e. `linspace(τ, 0, T)[i]` as diffusers' AmusedScheduler anneals
 *   its `temperature` (τ at the first step; τ when T = 1).
 *
 * The noise only matters for steps that re-mask, i.e. all but the last.
 */
export function confidenceNoiseAt(step: number, totalSteps: number, tau: number, schedule: ConfidenceSchedule = 'linear-from-next'): number {
  if (schedule === 'amused') return totalSteps > 1 ? tau * (1 - step / (totalSteps - 1)) : tau;
  return tau * (1 - (step + 1) / totalSteps);
}
