/**
 * Mask-free editing by text (Muse's iterative resampling; rounds and subsets in strength.ts).
 * The whole image is the model's window: it is resized to the model's size (stretched when its
 * aspect differs; the result is stretched back), so every pixel may change.
 */
import { decodeTokens } from '../pipeline/vq';
import type { PixelRect, RgbaImage } from '../types';
import { addTime, decodeStage, encodeWindow, writeWindow, type EditContext } from './context';
import { countSet } from './mask';
import { changedChildren, randomSubset, subsetSize, textEditPlan } from './strength';

/** The iterations a text edit runs: base rounds × base steps + super-res steps. */
export function textEditSteps(ctx: Pick<EditContext, 'r' | 'parts'>): number {
  const { r, parts } = ctx;
  const base = parts.manifest.stages.base;
  const plan = textEditPlan(r.strength, base.grid[0] * base.grid[1]);
  return plan.rounds * r.base.steps + (r.superRes?.steps ?? 0);
}

/** Runs a text edit; returns one image per variation at the input's size. */
export async function textEdit(ctx: EditContext): Promise<{ images: RgbaImage[]; window: PixelRect }> {
  const { parts, r, reporter } = ctx;
  const image = r.image;
  const rect = { x: 0, y: 0, width: image.width, height: image.height };
  const baseSpec = parts.manifest.stages.base;
  const srSpec = r.superRes ? parts.manifest.stages.superRes : undefined;
  const N = baseSpec.grid[0] * baseSpec.grid[1];
  const plan = textEditPlan(r.strength, N);
  const T = r.base.steps;
  const total = textEditSteps(ctx);

  // Every variation starts from the same photo: encode it once.
  const [original] = await encodeWindow(ctx, [image.data], image.width, rect, baseSpec.imageSize);
  let tokens: Int32Array[] = ctx.rngs.map(() => original.slice());
  for (let round = 0; round < plan.rounds; round++) {
    const start = tokens.map((t, k) => ({ tokens: t, decode: randomSubset(N, plan.baseSubset, ctx.rngs[k]) }));
    tokens = await decodeStage(ctx, {
      key: 'base',
      spec: baseSpec,
      settings: r.base,
      start,
      progress: { totalSteps: plan.rounds * T, overallOffset: round * T, stepOffset: round * T },
    });
  }
  let grid = baseSpec.grid;
  if (srSpec && r.superRes) {
    const nSr = srSpec.grid[0] * srSpec.grid[1];
    const [srOriginal] = await encodeWindow(ctx, [image.data], image.width, rect, srSpec.imageSize);
    const start = tokens.map((t, k) => {
      const decode = changedChildren(original, t, baseSpec.grid, srSpec.grid);
      const unchanged = decode.map((d) => 1 - d);
      const extra = randomSubset(nSr, subsetSize(plan.fraction, nSr - countSet(decode)), ctx.rngs[k], unchanged);
      for (let j = 0; j < nSr; j++) decode[j] |= extra[j];
      return { tokens: srOriginal, decode };
    });
    tokens = await decodeStage(ctx, {
      key: 'superRes',
      spec: srSpec,
      settings: r.superRes,
      start,
      lowRes: tokens,
      progress: { totalSteps: r.superRes.steps, overallOffset: plan.rounds * T },
    });
    grid = srSpec.grid;
  }
  reporter.checkAbort();
  reporter.emit({ stage: 'decode', step: 0, totalSteps: 0, overallStep: total, overallTotal: total });
  const mark = performance.now();
  const decoded = await decodeTokens(parts.vq, tokens, grid);
  const images = decoded.map((img) => {
    const data = new Uint8ClampedArray(image.width * image.height * 4);
    writeWindow(img, data, image.width, rect);
    return { width: image.width, height: image.height, data };
  });
  addTime(ctx, 'decode', mark);
  return { images, window: rect };
}
