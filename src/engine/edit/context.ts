/** What every edit mode shares: the model, the prompts, the seeded generators, timing, I/O helpers. */
import { cropToPlanar, resampleRows } from '../image/resample';
import type { StageSettings, StageSpec } from '../manifest/types';
import { stageModel, type ModelParts } from '../pipeline/generate';
import type { Reporter, StageProgress } from '../pipeline/progress';
import { runStage, type StageStart } from '../pipeline/stage';
import { encodePixels } from '../pipeline/vq';
import type { Rng } from '../sampler/prng';
import type { PromptEncoding } from '../text/promptEncoder';
import type { PixelRect, RgbaImage } from '../types';
import type { ResolvedEdit } from './request';

export interface EditContext {
  parts: ModelParts;
  r: ResolvedEdit;
  reporter: Reporter;
  /** Milliseconds per phase, summed over windows and rounds. */
  timings: Record<string, number>;
  cond: PromptEncoding;
  uncond: PromptEncoding;
  /** One generator per variation, carried through every window, round and stage. */
  rngs: Rng[];
  signal?: AbortSignal;
}

/** Adds the time since `start` to `timings[key]`. */
export function addTime(ctx: EditContext, key: string, start: number): void {
  ctx.timings[key] = (ctx.timings[key] ?? 0) + performance.now() - start;
}

/**
 * The window `rect` of each RGBA canvas (`width` px wide), resized to a stage's `imageSize`
 * (area average when shrinking, bilinear when enlarging) and VQ-encoded, in one batch.
 */
export async function encodeWindow(ctx: EditContext, canvases: ArrayLike<number>[], width: number, rect: PixelRect, size: [number, number]): Promise<Int32Array[]> {
  const start = performance.now();
  const range = ctx.parts.manifest.vqgan.pixelRange;
  const planar = canvases.map((c) => cropToPlanar(c, width, rect, size, range));
  const tokens = await encodePixels(ctx.parts.vqEncoder, planar, size);
  addTime(ctx, 'encode', start);
  return tokens;
}

/** Which transformer stage a decode runs, and how its progress is numbered. */
export interface StageCall {
  key: 'base' | 'superRes';
  spec: StageSpec;
  settings: StageSettings;
  start: StageStart[];
  lowRes?: Int32Array[];
  progress: Omit<StageProgress, 'stage' | 'grid'>;
}

/** One run of a stage's decode loop from partly known tokens (pipeline/stage.ts). */
export async function decodeStage(ctx: EditContext, call: StageCall): Promise<Int32Array[]> {
  const begin = performance.now();
  const tokens = await runStage({
    ...stageModel(ctx.parts, call.key),
    settings: call.settings,
    cond: ctx.cond,
    uncond: ctx.uncond,
    rngs: ctx.rngs,
    signal: ctx.signal,
    start: call.start,
    ...(call.lowRes ? { lowRes: call.lowRes } : {}),
    onStep: ctx.reporter.stage({ stage: call.key, grid: call.spec.grid, ...call.progress }),
  });
  addTime(ctx, call.key, begin);
  return tokens;
}

/**
 * Resizes a model-sized image onto the window `rect` of an RGBA canvas (`width` px wide),
 * writing only the pixels where `allowed` is non-zero (all of them when it is absent); alpha
 * becomes opaque.
 */
export function writeWindow(img: RgbaImage, canvas: Uint8ClampedArray, width: number, rect: PixelRect, allowed?: Uint8Array): void {
  const whole = { x: 0, y: 0, width: img.width, height: img.height };
  resampleRows(img.data, img.width, 4, whole, rect.width, rect.height, (y, row) => {
    const line = (rect.y + y) * width + rect.x;
    for (let x = 0; x < rect.width; x++) {
      const p = line + x;
      if (allowed && !allowed[p]) continue;
      const i = p * 4;
      // Uint8ClampedArray rounds (half to even) and clamps on assignment.
      canvas[i] = row[x * 4];
      canvas[i + 1] = row[x * 4 + 1];
      canvas[i + 2] = row[x * 4 + 2];
      canvas[i + 3] = 255;
    }
  });
}

/** The model's output size: the last stage's imageSize [height, width]. */
export function modelSize(parts: ModelParts, r: ResolvedEdit): [number, number] {
  const sr = r.superRes ? parts.manifest.stages.superRes : undefined;
  return (sr ?? parts.manifest.stages.base).imageSize;
}
