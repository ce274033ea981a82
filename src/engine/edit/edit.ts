import type { ModelParts } from '../pipeline/generate';
import { startChain } from '../pipeline/chain';
import { createReporter } from '../pipeline/progress';
import type { EditRequest, EditResult, GenerateHooks } from '../types';
import { modelSize, type EditContext } from './context';
import { fill, planFill } from './fill';
import { resolveEdit } from './request';
import { textEdit, textEditSteps } from './textEdit';

/**
 * Inpaints, outpaints or edits by text (docs/ENGINE_API.md, "Editing"). Progress, previews and
 * cancellation work as in generate(): a 'text' event, one event per iteration of each stage run
 * (per window, per resampling round) and one 'decode' event. Deterministic: variation k depends
 * only on the request, seed + k and the backend's arithmetic.
 */
export async function edit(parts: ModelParts, req: EditRequest, hooks: GenerateHooks = {}): Promise<EditResult> {
  const t0 = performance.now();
  const r = resolveEdit(req, parts.manifest);
  // Planning checks the mask (an empty one is a RequestError) before any model runs.
  const plan = r.mode === 'text' ? null : planFill(r, modelSize(parts, r));
  const perWindow = r.base.steps + (r.superRes?.steps ?? 0);
  const timings: Record<string, number> = {};
  const overallTotal = plan ? plan.windows.length * perWindow : textEditSteps({ r, parts });
  const reporter = createReporter(parts.vq, hooks, overallTotal, timings, t0, parts.previewAtlas);

  const ctx: EditContext = { ...(await startChain(parts, r, reporter, timings, overallTotal, hooks.signal)), r };
  let result: Pick<EditResult, 'images' | 'changedFraction' | 'windows'>;
  if (plan) {
    const filled = await fill(ctx, plan);
    result = { ...filled, windows: plan.windows };
  } else {
    const edited = await textEdit(ctx);
    result = { images: edited.images, changedFraction: edited.changedFraction, windows: [edited.window] };
  }
  timings['total'] = performance.now() - t0;
  return {
    ...result,
    settings: r.superRes ? { base: r.base, superRes: r.superRes } : { base: r.base },
    promptTruncated: ctx.cond.truncated,
    timings,
  };
}
