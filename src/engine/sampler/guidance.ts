import type { GuidanceRamp } from '../manifest/types';

/**
 * The guidance weight used at step `step` (0-based) of `totalSteps`.
 *
 * - `none`: w at every step.
 * - `linear`: 1 + (w − 1)·(i+1)/T. Muse writes guidance as (1+t)·l_c − t·l_u and ramps t up
 *   linearly; with t_i = (w − 1)·(i+1)/T that is our weight 1 + t_i, which starts near 1
 *   (almost purely conditional, keeping early steps diverse) and reaches exactly w at the last
 *   step.
 */
export function guidanceScaleAt(step: number, totalSteps: number, w: number, ramp: GuidanceRamp): number {
  if (ramp === 'none') return w;
  return 1 + (w - 1) * ((step + 1) / totalSteps);
}

/**
 * Classifier-free guidance on logits: l = u + w·(c − u), element-wise. `uncond` holds the logits
 * of the empty prompt, or of the negative prompt when there is one. w = 1 gives `cond`, w = 0
 * gives `uncond`. Writes into `out` (which may alias `cond` or `uncond`) and returns it.
 */
export function applyGuidance(cond: Float32Array, uncond: Float32Array, w: number, out: Float32Array = new Float32Array(cond.length)): Float32Array {
  if (uncond.length !== cond.length || out.length !== cond.length) {
    throw new RangeError(`applyGuidance: length mismatch (cond ${cond.length}, uncond ${uncond.length}, out ${out.length})`);
  }
  for (let i = 0; i < cond.length; i++) {
    const u = uncond[i];
    out[i] = u + w * (cond[i] - u);
  }
  return out;
}
