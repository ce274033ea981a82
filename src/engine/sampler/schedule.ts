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
