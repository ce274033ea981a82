/**
 * Mask-free editing by text (Muse's iterative resampling; rounds and subsets in strength.ts).
 * The whole image is the model's window: it is resized to the model's size (stretched when its
 * aspect differs; the result is stretched back), so every pixel may change.
 */
import { chainSteps, runChain } from '../pipeline/chain';
import type { StageStart } from '../pipeline/stage';
import type { PixelRect, RgbaImage } from '../types';
import { encodeWindow, writeWindow, type EditContext } from './context';
import { countSet } from './mask';
import { changedChildren, randomSubset, subsetSize, textEditPlan } from './strength';

/** The iterations a text edit runs: base rounds × base steps + super-res steps. */
export function textEditSteps(ctx: Pick<EditContext, 'r' | 'parts'>): number {
  const { r, parts } = ctx;
  const base = parts.manifest.stages.base;
  const plan = textEditPlan(r.strength, base.grid[0] * base.grid[1]);
  return chainSteps({ base: { settings: r.base, rounds: plan.rounds }, ...(r.superRes ? { superRes: { settings: r.superRes } } : {}) });
}

/** Runs a text edit; returns one image per variation at the input's size. */
export async function textEdit(ctx: EditContext): Promise<{ images: RgbaImage[]; window: PixelRect }> {
  const { parts, r } = ctx;
  const image = r.image;
  const rect = { x: 0, y: 0, width: image.width, height: image.height };
  const baseSpec = parts.manifest.stages.base;
  const srSpec = r.superRes ? parts.manifest.stages.superRes : undefined;
  const N = baseSpec.grid[0] * baseSpec.grid[1];
  const plan = textEditPlan(r.strength, N);

  // Every variation starts from the same photo: encode it once.
  const [original] = await encodeWindow(ctx, [image.data], image.width, rect, baseSpec.imageSize);
  // Each round re-masks a random subset of the tokens the previous round ended with.
  const baseStart = (previous: Int32Array[] | undefined): StageStart[] =>
    (previous ?? ctx.rngs.map(() => original)).map((t, k) => ({ tokens: t, decode: randomSubset(N, plan.baseSubset, ctx.rngs[k]) }));
  // Super-res regenerates the children of changed base tokens plus `fraction` of the rest.
  const srStart = async (base: Int32Array[]): Promise<StageStart[]> => {
    const nSr = srSpec!.grid[0] * srSpec!.grid[1];
    const [srOriginal] = await encodeWindow(ctx, [image.data], image.width, rect, srSpec!.imageSize);
    return base.map((t, k) => {
      const decode = changedChildren(original, t, baseSpec.grid, srSpec!.grid);
      const unchanged = decode.map((d) => 1 - d);
      const extra = randomSubset(nSr, subsetSize(plan.fraction, nSr - countSet(decode)), ctx.rngs[k], unchanged);
      for (let j = 0; j < nSr; j++) decode[j] |= extra[j];
      return { tokens: srOriginal, decode };
    });
  };
  const { images: decoded } = await runChain(ctx, {
    base: { settings: r.base, rounds: plan.rounds, start: baseStart },
    ...(srSpec && r.superRes ? { superRes: { settings: r.superRes, start: srStart } } : {}),
  });
  const images = decoded.map((img) => {
    const data = new Uint8ClampedArray(image.width * image.height * 4);
    writeWindow(img, data, image.width, rect);
    return { width: image.width, height: image.height, data };
  });
  return { images, window: rect };
}
