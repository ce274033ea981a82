import type { Manifest } from '../manifest/types';
import type { ConstantPlacer } from '../onnx/constants';
import type { PreviewAtlas } from './mosaic';
import type { Ort, OrtSession } from '../ort';
import type { PromptEncoder } from '../text/promptEncoder';
import type { GenerateHooks, GenerateRequest, GenerateResult } from '../types';
import { createReporter } from './progress';
import { chainSteps, runChain, startChain } from './chain';
import { resolveRequest } from './request';
import type { VqDecoder, VqEncoder } from './vq';

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
  /** The super-res preview atlas (pipeline/mosaic.ts); absent or not ready yet: true decodes. */
  previewAtlas?: PreviewAtlas;
  /** Places each stage's constant inputs once per stage run (GPU buffers on WebGPU). */
  placeConstants?: ConstantPlacer;
}

/**
 * Text → base decode loop → super-res decode loop (when the model has one) → VQ decode → RGBA.
 * Emits a 'text' event, one event per iteration of each stage (with previews unless turned off)
 * and a 'decode' event. Deterministic: image k depends only on the settings, the seed + k and the
 * backend's arithmetic.
 */
export async function generate(parts: ModelParts, req: GenerateRequest, hooks: GenerateHooks = {}): Promise<GenerateResult> {
  const { manifest, vq } = parts;
  const t0 = performance.now();
  const r = resolveRequest(req, manifest);
  const overallTotal = chainSteps({ base: { settings: r.base }, ...(r.superRes ? { superRes: { settings: r.superRes } } : {}) });
  const timings: Record<string, number> = {};
  const reporter = createReporter(vq, hooks, overallTotal, timings, t0, parts.previewAtlas);

  const ctx = await startChain(parts, r, reporter, timings, overallTotal, hooks.signal);
  const { images, base: baseTokens, superRes: srTokens } = await runChain(ctx, {
    base: { settings: r.base },
    ...(r.superRes && parts.superRes ? { superRes: { settings: r.superRes } } : {}),
  });
  timings['total'] = performance.now() - t0;

  return {
    images,
    tokens: srTokens ? { base: baseTokens, superRes: srTokens } : { base: baseTokens },
    settings: r.superRes ? { base: r.base, superRes: r.superRes } : { base: r.base },
    promptTruncated: ctx.cond.truncated,
    timings,
  };
}
