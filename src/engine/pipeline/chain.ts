/**
 * The stage chain every job runs: base decode loop (one or more rounds) → super-res decode loop
 * (when asked) → VQ decode. Generation starts from all-masked grids; inpainting/outpainting and
 * editing by text start from encoded pixels. Progress numbering, previews, timings and the
 * 'decode' event live here and nowhere else.
 */
import type { StageSettings } from '../manifest/types';
import { createRng, type Rng } from '../sampler/prng';
import type { PromptEncoding } from '../text/promptEncoder';
import type { Progress, RgbaImage } from '../types';
import type { ModelParts } from './generate';
import { yieldToEventLoop, type Reporter } from './progress';
import { runStage, type StageRun, type StageStart } from './stage';
import { decodeTokens } from './vq';

/** What every run of the chain in one job shares. */
export interface ChainContext {
  parts: ModelParts;
  reporter: Reporter;
  /** Milliseconds per phase ('base', 'superRes', 'decode', …), summed over windows and rounds. */
  timings: Record<string, number>;
  cond: PromptEncoding;
  uncond: PromptEncoding;
  /** One generator per image, carried through every window, round and stage. */
  rngs: Rng[];
  signal?: AbortSignal;
}

/**
 * Starts a job's chain: emits the 'text' event, encodes the prompt and the negative prompt
 * (timed as 'text'), seeds one generator per image (image k: seed + k) and yields once so a
 * cancel sent meanwhile is seen.
 */
export async function startChain(
  parts: ModelParts,
  job: { prompt: string; negativePrompt?: string | undefined; seed: number; count: number },
  reporter: Reporter,
  timings: Record<string, number>,
  overallTotal: number,
  signal?: AbortSignal,
): Promise<ChainContext> {
  reporter.checkAbort();
  reporter.emit({ stage: 'text', step: 0, totalSteps: 0, overallStep: 0, overallTotal });
  const mark = performance.now();
  const cond = await parts.prompts.encode(job.prompt);
  const uncond = await parts.prompts.encode(job.negativePrompt ?? '');
  timings['text'] = performance.now() - mark;
  await yieldToEventLoop();
  return {
    parts,
    reporter,
    timings,
    cond,
    uncond,
    rngs: Array.from({ length: job.count }, (_, k) => createRng((job.seed + k) >>> 0)),
    ...(signal ? { signal } : {}),
  };
}

/** Adds the time since `start` to `timings[key]`. */
export function addTime(ctx: Pick<ChainContext, 'timings'>, key: string, start: number): void {
  ctx.timings[key] = (ctx.timings[key] ?? 0) + performance.now() - start;
}

/** One run of the chain: where each stage starts and how its iterations are numbered. */
export interface ChainRun {
  base: {
    settings: StageSettings;
    /** Base rounds (editing by text resamples several times); default 1. */
    rounds?: number;
    /**
     * Where round `round` starts, given the tokens the previous round ended with (undefined in
     * the first). Returning undefined (or omitting it) starts all-masked. Called right before
     * the round runs, so any random draws it makes come before the round's own.
     */
    start?: (previous: Int32Array[] | undefined, round: number) => StageStart[] | undefined | Promise<StageStart[] | undefined>;
  };
  /** Present: run the super-res stage conditioned on the base tokens. */
  superRes?: {
    settings: StageSettings;
    /** Where it starts, given the final base tokens; omitted: all-masked. */
    start?: (base: Int32Array[]) => StageStart[] | Promise<StageStart[]>;
  };
  /** Iterations of the job before this run (earlier windows): step s is overall step `overallOffset + s`. */
  overallOffset?: number;
  window?: Progress['window'];
  /** Emit the job's 'decode' event before the VQ decode (the job's last run); default true. */
  announceDecode?: boolean;
}

export interface ChainResult {
  base: Int32Array[];
  superRes?: Int32Array[];
  /** The VQ decode of the last stage's tokens, at its imageSize. */
  images: RgbaImage[];
}

/**
 * The parts of a stage's decode loop that come from the package: the session and its file, the
 * token grid, the mask token, and what the stage's manifest entry adds (confidence schedule,
 * micro-conditioning).
 */
export function stageModel(
  parts: ModelParts,
  key: 'base' | 'superRes',
): Pick<StageRun, 'ort' | 'session' | 'file' | 'positions' | 'codebookSize' | 'maskTokenId' | 'confidenceSchedule' | 'microConds' | 'placeConstants'> {
  const spec = parts.manifest.stages[key];
  const session = key === 'base' ? parts.base : parts.superRes;
  if (!spec || !session) throw new Error('this model has no super-resolution stage');
  return {
    ort: parts.ort,
    session,
    file: key === 'base' ? parts.baseFile : spec.onnx,
    positions: spec.grid[0] * spec.grid[1],
    codebookSize: parts.manifest.vqgan.codebookSize,
    maskTokenId: spec.maskTokenId,
    ...(spec.confidenceSchedule ? { confidenceSchedule: spec.confidenceSchedule } : {}),
    ...(spec.microConditioning ? { microConds: spec.microConditioning.values } : {}),
    ...(parts.placeConstants ? { placeConstants: parts.placeConstants } : {}),
  };
}

/** Iterations one run of the chain makes: rounds × base steps + super-res steps. */
export function chainSteps(run: Pick<ChainRun, 'base' | 'superRes'>): number {
  return (run.base.rounds ?? 1) * run.base.settings.steps + (run.superRes?.settings.steps ?? 0);
}

/**
 * Runs base (every round) → super-res (when `run.superRes`) → VQ decode. Each stage iteration
 * emits a progress event (with a preview unless turned off); the VQ decode is always a fresh
 * one, since the last preview's buffers may already have been transferred away.
 */
export async function runChain(ctx: ChainContext, run: ChainRun): Promise<ChainResult> {
  const { parts, reporter } = ctx;
  const baseSpec = parts.manifest.stages.base;
  const rounds = run.base.rounds ?? 1;
  const T = run.base.settings.steps;
  const offset = run.overallOffset ?? 0;
  const window = run.window ? { window: run.window } : {};
  const common = { cond: ctx.cond, uncond: ctx.uncond, rngs: ctx.rngs, signal: ctx.signal };

  let base: Int32Array[] | undefined;
  for (let round = 0; round < rounds; round++) {
    const start = await run.base.start?.(base, round);
    const begin = performance.now();
    base = await runStage({
      ...common,
      ...stageModel(parts, 'base'),
      settings: run.base.settings,
      ...(start ? { start } : {}),
      onStep: reporter.stage({ stage: 'base', grid: baseSpec.grid, totalSteps: rounds * T, overallOffset: offset + round * T, stepOffset: round * T, ...window }),
    });
    addTime(ctx, 'base', begin);
  }
  if (!base) throw new RangeError('runChain: the base stage needs at least one round');

  let tokens = base;
  let grid = baseSpec.grid;
  let superRes: Int32Array[] | undefined;
  const srSpec = parts.manifest.stages.superRes;
  if (run.superRes && srSpec) {
    const start = await run.superRes.start?.(base);
    const begin = performance.now();
    superRes = await runStage({
      ...common,
      ...stageModel(parts, 'superRes'),
      settings: run.superRes.settings,
      lowRes: base,
      ...(start ? { start } : {}),
      onStep: reporter.stage({ stage: 'superRes', grid: srSpec.grid, totalSteps: run.superRes.settings.steps, overallOffset: offset + rounds * T, ...window }),
    });
    addTime(ctx, 'superRes', begin);
    tokens = superRes;
    grid = srSpec.grid;
  }

  reporter.checkAbort();
  if (run.announceDecode !== false) reporter.decoding();
  const begin = performance.now();
  const images = await decodeTokens(parts.vq, tokens, grid);
  addTime(ctx, 'decode', begin);
  return { base, ...(superRes ? { superRes } : {}), images };
}
