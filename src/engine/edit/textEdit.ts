/**
 * Mask-free editing by text (Muse's iterative resampling; rounds and subsets in strength.ts).
 * The whole image is the model's window: it is resized to the model's size (stretched when its
 * aspect differs; the result is stretched back), so every pixel may change.
 */
import { addTime, chainSteps, runChain } from '../pipeline/chain';
import type { StageStart } from '../pipeline/stage';
import type { PixelRect, RgbaImage } from '../types';
import { encodeWindow, writeWindow, type EditContext } from './context';
import { blendRgba, changedTokenPixels, countSet, inwardWeights } from './mask';
import { changedChildren, coveringSubset, randomSubset, subsetSize, textEditPlan } from './strength';

/** The iterations a text edit runs: base rounds × base steps + super-res steps. */
export function textEditSteps(ctx: Pick<EditContext, 'r' | 'parts'>): number {
  const { r, parts } = ctx;
  const base = parts.manifest.stages.base;
  const plan = textEditPlan(r.strength, base.grid[0] * base.grid[1]);
  return chainSteps({ base: { settings: r.base, rounds: plan.rounds }, ...(r.superRes ? { superRes: { settings: r.superRes } } : {}) });
}

/**
 * Runs a text edit; returns one image per variation at the input's size, and the fraction of
 * pixels (over all variations) that may differ from the input.
 */
export async function textEdit(ctx: EditContext): Promise<{ images: RgbaImage[]; window: PixelRect; changedFraction: number }> {
  const { parts, r } = ctx;
  const image = r.image;
  const rect = { x: 0, y: 0, width: image.width, height: image.height };
  const baseSpec = parts.manifest.stages.base;
  const srSpec = r.superRes ? parts.manifest.stages.superRes : undefined;
  const N = baseSpec.grid[0] * baseSpec.grid[1];
  const plan = textEditPlan(r.strength, N);

  // Every variation starts from the same photo: encode it once.
  const [original] = await encodeWindow(ctx, [image.data], image.width, rect, baseSpec.imageSize);
  // Each round re-masks a random subset of the tokens the previous round ended with, taking
  // tokens no earlier round of that variation took first.
  const visited = ctx.rngs.map(() => new Uint8Array(N));
  const baseStart = (previous: Int32Array[] | undefined): StageStart[] =>
    (previous ?? ctx.rngs.map(() => original)).map((t, k) => ({ tokens: t, decode: coveringSubset(N, plan.baseSubset, ctx.rngs[k], visited[k]) }));
  // Super-res regenerates the children of changed base tokens plus `fraction` of the rest.
  let srOriginal: Int32Array | undefined;
  const srStart = async (base: Int32Array[]): Promise<StageStart[]> => {
    const nSr = srSpec!.grid[0] * srSpec!.grid[1];
    [srOriginal] = await encodeWindow(ctx, [image.data], image.width, rect, srSpec!.imageSize);
    return base.map((t, k) => {
      const decode = changedChildren(original, t, baseSpec.grid, srSpec!.grid);
      const unchanged = decode.map((d) => 1 - d);
      const extra = randomSubset(nSr, subsetSize(plan.fraction, nSr - countSet(decode)), ctx.rngs[k], unchanged);
      for (let j = 0; j < nSr; j++) decode[j] |= extra[j];
      return { tokens: srOriginal!, decode };
    });
  };
  const chain = await runChain(ctx, {
    base: { settings: r.base, rounds: plan.rounds, start: baseStart },
    ...(srSpec && r.superRes ? { superRes: { settings: r.superRes, start: srStart } } : {}),
  });
  const mark = performance.now();
  // Keep the photo: only pixels under tokens the edit changed (feathered) take the model's
  // pixels; everywhere else the original bytes come back, not their VQ round trip.
  const final = chain.superRes && srOriginal ? { before: srOriginal, after: chain.superRes, grid: srSpec!.grid } : { before: original, after: chain.base, grid: baseSpec.grid };
  let changed = 0;
  const images = chain.images.map((img, k) => {
    const edited = new Uint8ClampedArray(image.width * image.height * 4);
    writeWindow(img, edited, image.width, rect);
    const weight = inwardWeights(changedTokenPixels(final.before, final.after[k], final.grid, image.width, image.height), image.width, image.height, r.feather);
    changed += countSet(weight);
    return { width: image.width, height: image.height, data: blendRgba(image.data as Uint8ClampedArray, edited, weight, edited) };
  });
  addTime(ctx, 'blend', mark);
  return { images, window: rect, changedFraction: changed / (images.length * image.width * image.height) };
}
