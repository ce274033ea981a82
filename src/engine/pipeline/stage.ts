import { abortError } from '../errors';
import { keepOnCpu, type ConstantPlacer } from '../onnx/constants';
import { expectOutput } from '../onnx/session';
import type { Ort, OrtSession } from '../ort';
import { applyGuidanceToMasked, guidanceScaleAt } from '../sampler/guidance';
import { decodeStep } from '../sampler/decodeStep';
import type { Rng } from '../sampler/prng';
import type { ConfidenceSchedule, StageSettings } from '../manifest/types';
import type { PromptEncoding } from '../text/promptEncoder';

/** Everything one transformer stage's decode loop needs. */
export interface StageRun {
  ort: Ort;
  session: OrtSession;
  file: string;
  /** Token positions N = rows × cols. */
  positions: number;
  codebookSize: number;
  maskTokenId: number;
  settings: StageSettings;
  /** How the confidence noise anneals (stage's `confidenceSchedule`); default `linear-from-next`. */
  confidenceSchedule?: ConfidenceSchedule;
  /**
   * CLIP packages: the stage's micro-conditioning values, fed as micro_conds [B, M] on every row.
   * Required when the prompt encodings carry `pooled` (then pooled_text replaces text_mask).
   */
  microConds?: readonly number[];
  /** Conditional text (the prompt), shared by every image. */
  cond: PromptEncoding;
  /** Unconditional branch: the empty prompt or the negative prompt. */
  uncond: PromptEncoding;
  /** For super-res: each image's base-stage tokens. */
  lowRes?: Int32Array[];
  /**
   * Where decoding starts, one per image: known tokens and the positions to decode (editing).
   * Absent: every position starts masked (generation, N₀ = N).
   */
  start?: StageStart[];
  /** One generator per image (image k seeded with seed + k), carried across stages. */
  rngs: Rng[];
  signal?: AbortSignal;
  /** Places the constant inputs once for the whole run; default: CPU tensors (onnx/constants.ts). */
  placeConstants?: ConstantPlacer;
  /** Called after every iteration with 1-based step and the argmax-filled tokens per image. */
  onStep(step: number, previews: Int32Array[]): Promise<void>;
}

/**
 * A partly known token grid: `tokens` holds the known tokens, and the positions where `decode`
 * is non-zero start as the mask token and are decoded (N₀ = their count). Known positions are
 * never resampled, so they come out exactly as given.
 */
export interface StageStart {
  tokens: Int32Array;
  decode: Uint8Array;
}

/** The initial tokens of a stage for one image: all masked, or `start` with its holes masked. */
export function initialTokens(positions: number, maskTokenId: number, start?: StageStart): { tokens: Int32Array; n0: number } {
  if (!start) return { tokens: new Int32Array(positions).fill(maskTokenId), n0: positions };
  if (start.tokens.length !== positions || start.decode.length !== positions) {
    throw new RangeError(`stage start has ${start.tokens.length} tokens and ${start.decode.length} mask entries for ${positions} positions`);
  }
  const tokens = start.tokens.slice();
  let n0 = 0;
  for (let j = 0; j < positions; j++) {
    if (start.decode[j]) {
      tokens[j] = maskTokenId;
      n0++;
    } else if (tokens[j] === maskTokenId) {
      throw new RangeError(`stage start: known position ${j} holds the mask token`);
    }
  }
  return { tokens, n0 };
}

/** Concatenates equal-length rows into one batch buffer [rows.length, width]. */
function stackFloat(rows: Float32Array[]): Float32Array {
  const width = rows[0].length;
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, b) => out.set(row, b * width));
  return out;
}

function stackInt64(rows: BigInt64Array[]): BigInt64Array {
  const width = rows[0].length;
  const out = new BigInt64Array(rows.length * width);
  rows.forEach((row, b) => out.set(row, b * width));
  return out;
}

function toBigInt(tokens: Int32Array): BigInt64Array {
  const out = new BigInt64Array(tokens.length);
  for (let j = 0; j < tokens.length; j++) out[j] = BigInt(tokens[j]);
  return out;
}

/**
 * Runs one stage to fully decoded tokens, from an all-masked grid (generation) or from
 * `run.start` (editing: only the masked positions are decoded, with N₀ = their number). Each iteration makes ONE
 * session.run over a batch of 2·count (conditional rows, then unconditional rows) and applies
 * guidance per image; when the weight is 1 at every step the unconditional half is skipped,
 * since u + 1·(c − u) = c. Checks `signal` before every iteration.
 */
export async function runStage(run: StageRun): Promise<Int32Array[]> {
  const { ort, session, file, positions: N, codebookSize: K, maskTokenId } = run;
  const settings = { ...run.settings, confidenceSchedule: run.confidenceSchedule };
  const count = run.rngs.length;
  const { steps, guidance, guidanceRamp } = settings;
  const guided = guidance !== 1;
  const B = guided ? 2 * count : count;
  const S = run.cond.mask.length;
  const D = run.cond.states.length / S;

  // Text feeds do not change across iterations: build them once. T5 packages: text_states and
  // text_mask; CLIP packages: text_states, pooled_text and micro_conds (no mask).
  const texts = Array.from({ length: B }, (_, b) => (b < count ? run.cond : run.uncond));
  const extra: Record<string, InstanceType<Ort['Tensor']>> = {
    text_states: new ort.Tensor('float32', stackFloat(texts.map((t) => t.states)), [B, S, D]),
  };
  const pooled = texts.map((t) => t.pooled);
  if (pooled.every((p) => p !== undefined)) {
    if (!run.microConds || run.microConds.length === 0) throw new RangeError('runStage: CLIP text encodings need the stage\'s micro-conditioning values');
    const M = run.microConds.length;
    const micro = new Float32Array(B * M);
    for (let b = 0; b < B; b++) micro.set(run.microConds, b * M);
    extra['pooled_text'] = new ort.Tensor('float32', stackFloat(pooled), [B, pooled[0].length]);
    extra['micro_conds'] = new ort.Tensor('float32', micro, [B, M]);
  } else if (pooled.some((p) => p !== undefined)) {
    throw new RangeError('runStage: the conditional and unconditional encodings come from different text encoders');
  } else {
    extra['text_mask'] = new ort.Tensor('int64', stackInt64(texts.map((t) => t.mask)), [B, S]);
  }
  if (run.lowRes) {
    const lowRes = run.lowRes.map(toBigInt);
    const rows = Array.from({ length: B }, (_, b) => lowRes[b % count]);
    extra['low_res_tokens'] = new ort.Tensor('int64', stackInt64(rows), [B, lowRes[0].length]);
  }

  if (run.start && run.start.length !== count) throw new RangeError(`stage start has ${run.start.length} entries for ${count} images`);
  const initial = Array.from({ length: count }, (_, k) => initialTokens(N, maskTokenId, run.start?.[k]));
  let tokens: Int32Array[] = initial.map((i) => i.tokens);
  const constants = await (run.placeConstants ?? keepOnCpu)(extra);
  try {
    const scratch = new Float32Array(N * K);
    for (let step = 0; step < steps; step++) {
      if (run.signal?.aborted) throw abortError();
      const current = tokens.map(toBigInt);
      const feeds = {
        tokens: new ort.Tensor('int64', stackInt64(Array.from({ length: B }, (_, b) => current[b % count])), [B, N]),
        ...constants.feeds,
      };
      const out = await session.run(feeds);
      const logits = expectOutput(out, 'logits', 'float32', [B, N, K], file).data as Float32Array;
      const w = guidanceScaleAt(step, steps, guidance, guidanceRamp);
      const previews: Int32Array[] = [];
      tokens = tokens.map((current, k) => {
        const cond = logits.subarray(k * N * K, (k + 1) * N * K);
        const l = guided ? applyGuidanceToMasked(cond, logits.subarray((count + k) * N * K, (count + k + 1) * N * K), w, scratch, current, maskTokenId) : cond;
        const state = { tokens: current, maskTokenId, n0: initial[k].n0, step, totalSteps: steps };
        const result = decodeStep(state, l, run.rngs[k], settings);
        previews.push(result.preview);
        return result.tokens;
      });
      await run.onStep(step + 1, previews);
    }
    return tokens;
  } finally {
    constants.release();
  }
}
