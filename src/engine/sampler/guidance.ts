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

/**
 * `applyGuidance` on the rows of [N, K] logits whose token is still the mask token: the only
 * rows a decoding step reads (known tokens are never resampled). Other rows of `out` are left
 * as they were. Over the cosine schedule this skips about half the work.
 */
export function applyGuidanceToMasked(
  cond: Float32Array,
  uncond: Float32Array,
  w: number,
  out: Float32Array,
  tokens: Int32Array,
  maskTokenId: number,
): Float32Array {
  const N = tokens.length;
  if (uncond.length !== cond.length || out.length !== cond.length || cond.length % N !== 0) {
    throw new RangeError(`applyGuidanceToMasked: length mismatch (cond ${cond.length}, uncond ${uncond.length}, out ${out.length}, ${N} positions)`);
  }
  const K = cond.length / N;
  for (let j = 0; j < N; j++) {
    if (tokens[j] !== maskTokenId) continue;
    for (let i = j * K, end = i + K; i < end; i++) {
      const u = uncond[i];
      out[i] = u + w * (cond[i] - u);
    }
  }
  return out;
}
