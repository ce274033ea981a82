import type { Manifest } from '../manifest/types';
import type { ConstantPlacer } from '../onnx/constants';
import type { TokenAtlas } from './mosaic';
import type { Ort, OrtSession } from '../ort';
import { createRng } from '../sampler/prng';
import type { PromptEncoder } from '../text/promptEncoder';
import type { GenerateHooks, GenerateRequest, GenerateResult } from '../types';
import { createReporter, yieldToEventLoop } from './progress';
import { resolveRequest } from './request';
import { runStage, type StageRun } from './stage';
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
  /** The file `base` was created from: stages.base.onnx, or its fp16 copy. */
  baseFile: string;
  superRes?: OrtSession;
  /** The super-res preview atlas, built on first use (pipeline/mosaic.ts); absent: true decodes. */
  previewAtlas?: () => Promise<TokenAtlas | undefined>;
  /** Places each stage's constant inputs once per stage run (GPU buffers on WebGPU). */
  placeConstants?: ConstantPlacer;
}

/**
 * The parts of a stage's decode loop that come from the package: the session and its file, the
 * token grid, the mask token, and what the stage's manifest entry adds (confidence schedule,
 * micro-conditioning). Shared by generation and editing.
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

/**
 * Text → base decode loop → super-res decode loop (when the model has one) → VQ decode → RGBA.
 * Emits a 'text' event, one event per iteration of each stage (with previews unless turned off)
 * and a 'decode' event. Deterministic: image k depends only on the settings, the seed + k and the
 * backend's arithmetic.
 */
export async function generate(parts: ModelParts, req: GenerateRequest, hooks: GenerateHooks = {}): Promise<GenerateResult> {
  const { manifest, vq, prompts } = parts;
  const t0 = performance.now();
  const r = resolveRequest(req, manifest);
  const baseSpec = manifest.stages.base;
  const srSpec = r.superRes ? manifest.stages.superRes : undefined;
  const overallTotal = r.base.steps + (r.superRes?.steps ?? 0);
  const timings: Record<string, number> = {};
  const reporter = createReporter(vq, hooks, overallTotal, timings, t0, parts.previewAtlas);
  const { emit, checkAbort } = reporter;

  checkAbort();
  emit({ stage: 'text', step: 0, totalSteps: 0, overallStep: 0, overallTotal });
  let mark = performance.now();
  const cond = await prompts.encode(r.prompt);
  const uncond = await prompts.encode(r.negativePrompt ?? '');
  timings['text'] = performance.now() - mark;

  const rngs = Array.from({ length: r.count }, (_, k) => createRng((r.seed + k) >>> 0));
  const stageCommon = { cond, uncond, rngs, signal: hooks.signal };
  mark = performance.now();
  await yieldToEventLoop();
  const baseTokens = await runStage({
    ...stageCommon,
    ...stageModel(parts, 'base'),
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
      ...stageModel(parts, 'superRes'),
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
