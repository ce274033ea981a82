import type { Manifest } from '../manifest/types';
import type { Ort, OrtSession } from '../ort';
import { createRng } from '../sampler/prng';
import type { PromptEncoder } from '../text/promptEncoder';
import type { GenerateHooks, GenerateRequest, GenerateResult } from '../types';
import { createReporter, yieldToEventLoop } from './progress';
import { resolveRequest } from './request';
import { runStage } from './stage';
import { decodeTokens, type VqDecoder, type VqEncoder } from './vq';

/** The loaded, checked pieces of a model that generation uses. */
export interface ModelParts {
  ort: Ort;
  manifest: Manifest;
  prompts: PromptEncoder;
  vq: VqDecoder;
  /** Image → tokens, for editing. */
  vqEncoder: VqEncoder;
  base: OrtSession;
  superRes?: OrtSession;
}

/**
 * Text → base decode loop → super-res decode loop (when the model has one) → VQ decode → RGBA.
 * Emits a 'text' event, one event per iteration of each stage (with previews unless turned off)
 * and a 'decode' event. Deterministic: image k depends only on the settings, the seed + k and the
 * backend's arithmetic.
 */
export async function generate(parts: ModelParts, req: GenerateRequest, hooks: GenerateHooks = {}): Promise<GenerateResult> {
  const { manifest, vq, prompts, ort } = parts;
  const t0 = performance.now();
  const r = resolveRequest(req, manifest);
  const baseSpec = manifest.stages.base;
  const srSpec = r.superRes ? manifest.stages.superRes : undefined;
  const overallTotal = r.base.steps + (r.superRes?.steps ?? 0);
  const timings: Record<string, number> = {};
  const reporter = createReporter(vq, hooks, overallTotal, timings, t0);
  const { emit, checkAbort } = reporter;

  checkAbort();
  emit({ stage: 'text', step: 0, totalSteps: 0, overallStep: 0, overallTotal });
  let mark = performance.now();
  const cond = await prompts.encode(r.prompt);
  const uncond = await prompts.encode(r.negativePrompt ?? '');
  timings['text'] = performance.now() - mark;

  const rngs = Array.from({ length: r.count }, (_, k) => createRng((r.seed + k) >>> 0));
  const stageCommon = { ort, codebookSize: manifest.vqgan.codebookSize, cond, uncond, rngs, signal: hooks.signal };
  mark = performance.now();
  await yieldToEventLoop();
  const baseTokens = await runStage({
    ...stageCommon,
    session: parts.base,
    file: baseSpec.onnx,
    positions: baseSpec.grid[0] * baseSpec.grid[1],
    maskTokenId: baseSpec.maskTokenId,
    settings: r.base,
    onStep: reporter.stage({ stage: 'base', grid: baseSpec.grid, totalSteps: r.base.steps, overallOffset: 0 }),
  });
  timings['base'] = performance.now() - mark;

  let finalTokens = baseTokens;
  let finalGrid = baseSpec.grid;
  let srTokens: Int32Array[] | undefined;
  if (srSpec && r.superRes && parts.superRes) {
    mark = performance.now();
    srTokens = await runStage({
      ...stageCommon,
      session: parts.superRes,
      file: srSpec.onnx,
      positions: srSpec.grid[0] * srSpec.grid[1],
      maskTokenId: srSpec.maskTokenId,
      settings: r.superRes,
      lowRes: baseTokens,
      onStep: reporter.stage({ stage: 'superRes', grid: srSpec.grid, totalSteps: r.superRes.steps, overallOffset: r.base.steps }),
    });
    timings['superRes'] = performance.now() - mark;
    finalTokens = srTokens;
    finalGrid = srSpec.grid;
  }

  checkAbort();
  emit({ stage: 'decode', step: 0, totalSteps: 0, overallStep: overallTotal, overallTotal });
  mark = performance.now();
  // Always a fresh decode: the last preview's buffers may already have been transferred away.
  const images = await decodeTokens(vq, finalTokens, finalGrid);
  timings['decode'] = performance.now() - mark;
  timings['total'] = performance.now() - t0;

  return {
    images,
    tokens: srTokens ? { base: baseTokens, superRes: srTokens } : { base: baseTokens },
    settings: r.superRes ? { base: r.base, superRes: r.superRes } : { base: r.base },
    promptTruncated: cond.truncated,
    timings,
  };
}
