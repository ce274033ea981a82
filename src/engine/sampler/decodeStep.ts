import { gumbel, type Rng } from './prng';
import type { ConfidenceSchedule } from '../manifest/types';
import { confidenceNoiseAt, maskedCountAfterStep } from './schedule';

/** Where a stage's decoding stands at the start of one step. */
export interface DecodeState {
  /** Current tokens [N], row-major over the grid; `maskTokenId` at masked positions. */
  tokens: Int32Array;
  maskTokenId: number;
  /** Positions masked when this stage's decoding began (N for generation, the hole for inpainting). */
  n0: number;
  /** 0-based step index. */
  step: number;
  totalSteps: number;
}

/** The per-step sampling knobs (a subset of StageSettings). */
export interface StepSettings {
  /** > 0; tokens are sampled from softmax(logits / temperature). */
  temperature: number;
  /** τ ≥ 0; confidences get τ_i·g with g ~ Gumbel(0, 1), τ_i from `confidenceSchedule`. */
  confidenceNoise: number;
  /** How τ anneals over the steps (schedule.ts, confidenceNoiseAt); default `linear-from-next`: τ·(1 − (i+1)/T). */
  confidenceSchedule?: ConfidenceSchedule;
}

export interface StepResult {
  /** Tokens after the step: sampled tokens kept, the least confident re-masked. */
  tokens: Int32Array;
  /** `tokens` with every still-masked position filled with its argmax token, for previews. */
  preview: Int32Array;
  /** How many positions are masked after the step. */
  masked: number;
}

/**
 * One MaskGIT/Muse parallel-decoding step (ARCHITECTURE.md §4) over guided logits [N, K].
 *
 * For every position masked at the start of the step, in increasing position order, it draws two
 * numbers from `rng`: first u for the token, sampled by inverse CDF from softmax(l/temperature),
 * then one Gumbel g for the confidence, log p(token) + τ_i·g, where p is that same tempered
 * distribution and τ_i = τ·(1 − (i+1)/T) by default (confidenceNoiseAt). (Both draws happen even when τ = 0, so the random stream does not depend
 * on the settings.) Known tokens are never touched (infinite confidence). The
 * `maskedCountAfterStep` least-confident of the sampled positions are masked again; equal
 * confidences are broken by position, the lower index counting as less confident.
 *
 * Pure: no state besides `rng`; the inputs are not modified.
 */
export function decodeStep(state: DecodeState, logits: Float32Array, rng: Rng, settings: StepSettings): StepResult {
  const { tokens, maskTokenId, n0, step, totalSteps } = state;
  const N = tokens.length;
  if (N === 0 || logits.length % N !== 0) {
    throw new RangeError(`decodeStep: logits length ${logits.length} is not a multiple of the ${N} token positions`);
  }
  const K = logits.length / N;
  const invTemp = 1 / settings.temperature;
  const noiseScale = confidenceNoiseAt(step, totalSteps, settings.confidenceNoise, settings.confidenceSchedule);

  const maskedPositions: number[] = [];
  for (let j = 0; j < N; j++) if (tokens[j] === maskTokenId) maskedPositions.push(j);
  const unknown = maskedPositions.length;

  const next = tokens.slice();
  const argmaxes = new Int32Array(unknown);
  const confidence = new Float64Array(unknown);
  const weights = new Float64Array(K); // scratch: exp((l − max)/temperature)

  for (let m = 0; m < unknown; m++) {
    const j = maskedPositions[m];
    const row = logits.subarray(j * K, (j + 1) * K);
    let max = -Infinity;
    let argmax = 0;
    for (let k = 0; k < K; k++) {
      if (row[k] > max) {
        max = row[k];
        argmax = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp((row[k] - max) * invTemp);
      weights[k] = e;
      sum += e;
    }
    if (!(sum > 0) || !Number.isFinite(sum)) {
      throw new Error(`the transformer produced invalid logits (NaN or all −Infinity) at token position ${j}`);
    }
    // Inverse CDF: the first class whose running total passes u·sum. Rounding can leave the last
    // running total a hair under u·sum, so fall back to the last class with weight.
    const target = rng.nextFloat() * sum;
    let chosen = -1;
    let lastPositive = argmax;
    let running = 0;
    for (let k = 0; k < K; k++) {
      if (weights[k] > 0) lastPositive = k;
      running += weights[k];
      if (target < running) {
        chosen = k;
        break;
      }
    }
    if (chosen < 0) chosen = lastPositive;
    const logProb = (row[chosen] - max) * invTemp - Math.log(sum);
    confidence[m] = logProb + noiseScale * gumbel(rng);
    next[j] = chosen;
    argmaxes[m] = argmax;
  }

  const remask = Math.min(unknown, maskedCountAfterStep(n0, step, totalSteps, unknown));
  const preview = next.slice();
  if (remask > 0) {
    const order = Array.from({ length: unknown }, (_, m) => m);
    // NaN never compares, so map it to −Infinity: a broken confidence is "least confident".
    const c = (m: number): number => (Number.isNaN(confidence[m]) ? -Infinity : confidence[m]);
    order.sort((a, b) => c(a) - c(b) || maskedPositions[a] - maskedPositions[b]);
    for (let r = 0; r < remask; r++) {
      const m = order[r];
      next[maskedPositions[m]] = maskTokenId;
      preview[maskedPositions[m]] = argmaxes[m];
    }
  }
  return { tokens: next, preview, masked: remask };
}
