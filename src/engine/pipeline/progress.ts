import { abortError } from '../errors';
import type { GenerateHooks, Progress, RgbaImage } from '../types';
import { mosaic, type PreviewAtlas } from './mosaic';
import { decodeTokens, type VqDecoder } from './vq';

/**
 * Lets queued events run between iterations. ORT's run() may settle through microtasks only, and
 * a worker handles its "cancel" message as a macrotask: without this, a cancel would be seen
 * only after the whole generation. Any macrotask will do, but not setTimeout(0): browsers clamp
 * timeouts nested five deep to at least 4 ms (HTML spec), which the bench measured at 4.2 ms per
 * iteration in the worker. Node has setImmediate; browsers get a MessageChannel message.
 */
export const yieldToEventLoop: () => Promise<void> = (() => {
  // The engine's lib types are the browser's; Node's setImmediate is looked up at run time.
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return () => new Promise<void>((resolve) => void immediate(resolve));
  if (typeof MessageChannel === 'undefined') return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(null);
    });
})();

/** Progress events, previews and cancellation for one job (generation or edit). */
export interface Reporter {
  emit(p: Progress): void;
  /** Throws the AbortError when the job was cancelled. */
  checkAbort(): void;
  /** Emits the job's 'decode' event: every iteration is done, the final VQ decode starts. */
  decoding(): void;
  /**
   * The `onStep` callback of one stage run: decodes a preview (unless turned off, and except on
   * the job's last iteration, whose image is the result), emits the event and yields to the event loop.
   */
  stage(run: StageProgress): (step: number, previewTokens: Int32Array[]) => Promise<void>;
}

/** How one stage run's iterations are numbered in its progress events. */
export interface StageProgress {
  stage: 'base' | 'superRes';
  grid: [number, number];
  /** Iterations of the stage (all its runs, e.g. every resampling round). */
  totalSteps: number;
  /** Iterations of the job before this run: its step s is overall step `overallOffset + s`. */
  overallOffset: number;
  /** Iterations of the same stage before this run (resampling rounds): reported step = stepOffset + s. */
  stepOffset?: number;
  window?: Progress['window'];
}

/**
 * Below this many tokens a stage's previews are true decodes even when the atlas is ready: on an
 * 8×8 base grid (64×64 px) a mosaic is 64 flat patches, no longer the picture, and the decode is
 * cheap. From 16×16 tokens on, a mosaic resolves the scene's objects (at 16×16 base tokens a true
 * 128 px decode was a third of a base iteration in Chromium WASM: docs/BENCHMARKS.md, "Two models").
 */
export const MOSAIC_MIN_TOKENS = 256;

/** Whether a stage's previews may be mosaics of the atlas (true decodes until it is ready). */
export function mosaicPreviews(stage: 'base' | 'superRes', grid: readonly [number, number]): boolean {
  return stage === 'superRes' || grid[0] * grid[1] >= MOSAIC_MIN_TOKENS;
}

/**
 * `timings.firstPreview` is set (ms since `t0`) when the first preview has been decoded. Once the
 * `atlas` is ready, super-res previews and base previews of 16×16 tokens or more are mosaics of it
 * (pipeline/mosaic.ts); smaller base previews are always true decodes.
 */
export function createReporter(
  vq: VqDecoder,
  hooks: GenerateHooks,
  overallTotal: number,
  timings: Record<string, number>,
  t0: number,
  atlas?: PreviewAtlas,
): Reporter {
  const wantPreviews = hooks.onProgress !== undefined && hooks.previews !== false;
  const emit = (p: Progress): void => hooks.onProgress?.(p);
  return {
    emit,
    checkAbort(): void {
      if (hooks.signal?.aborted) throw abortError();
    },
    decoding(): void {
      emit({ stage: 'decode', step: 0, totalSteps: 0, overallStep: overallTotal, overallTotal });
    },
    stage: (run) => async (step, previewTokens) => {
      let preview: RgbaImage[] | undefined;
      // The job's last iteration gets no preview: its tokens are the final ones, and the job
      // decodes them for the result right after, so a preview would decode the same image twice
      // (at 256×256 the costliest decode of the job).
      if (wantPreviews && run.overallOffset + step < overallTotal) {
        // Never waits for the atlas: until it is ready (read from the cache or built by
        // LoadedModel.warmPreviews), would-be mosaic previews are true decodes.
        const a = mosaicPreviews(run.stage, run.grid) ? atlas?.now() : undefined;
        preview = a ? previewTokens.map((t) => mosaic(a, t, run.grid)) : await decodeTokens(vq, previewTokens, run.grid);
        timings['firstPreview'] ??= performance.now() - t0;
      }
      const s = (run.stepOffset ?? 0) + step;
      emit({
        stage: run.stage,
        step: s,
        totalSteps: run.totalSteps,
        overallStep: run.overallOffset + step,
        overallTotal,
        ...(preview ? { preview } : {}),
        ...(run.window ? { window: run.window } : {}),
      });
      await yieldToEventLoop();
    },
  };
}
