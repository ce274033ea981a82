/**
 * Inpainting and outpainting (ARCHITECTURE.md §4): regenerate the hole of a canvas, window by
 * window, and blend the result into the original with the feathered mask.
 */
import { RequestError } from '../errors';
import { addTime, runChain } from '../pipeline/chain';
import type { StageStart } from '../pipeline/stage';
import type { PixelRect, RgbaImage } from '../types';
import { encodeWindow, writeWindow, type EditContext } from './context';
import { squaredDistanceToSet } from './distance';
import { blendRgba, boundingBox, countSet, featherWeights, holeOf, tokenMask } from './mask';
import { EMPTY_MASK_MESSAGE, type ResolvedEdit } from './request';
import { planWindows } from './windows';

/**
 * The canvas of an edit: the image placed at (left, top), new pixels copied from the nearest
 * edge. Without an extension it is the image itself (not a copy: treat it as read-only).
 */
export function extendCanvas(image: RgbaImage, ext: ResolvedEdit['extend']): RgbaImage {
  const width = image.width + ext.left + ext.right;
  const height = image.height + ext.top + ext.bottom;
  if (width === image.width && height === image.height) return image;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, y - ext.top));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - ext.left));
      const s = (sy * image.width + sx) * 4;
      const d = (y * width + x) * 4;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
      data[d + 3] = image.data[s + 3];
    }
  }
  return { width, height, data };
}

/** The canvas mask: the user's mask at the image's place, 255 over the extension. */
export function canvasMask(r: Pick<ResolvedEdit, 'image' | 'mask' | 'extend' | 'width' | 'height'>): Uint8Array {
  const { image, mask, extend: ext, width } = r;
  const out = new Uint8Array(width * r.height).fill(255);
  for (let y = 0; y < image.height; y++) {
    const row = (y + ext.top) * width + ext.left;
    if (mask) out.set(mask.subarray(y * image.width, (y + 1) * image.width), row);
    else out.fill(0, row, row + image.width);
  }
  return out;
}

export interface FillPlan {
  /** Pixels to regenerate (mask byte > threshold). */
  hole: Uint8Array;
  /** Blend weights 0–255; 0 = the original byte is kept. */
  weight: Uint8Array;
  /** The bounding box of the pixels with weight > 0. */
  changeBox: PixelRect;
  windows: PixelRect[];
}

/** Hole, blend weights and model windows of an inpaint/outpaint request. */
export function planFill(r: ResolvedEdit, model: [number, number]): FillPlan {
  const mask = canvasMask(r);
  const { hole, count } = holeOf(mask, r.maskThreshold);
  if (count === 0) throw new RequestError(EMPTY_MASK_MESSAGE);
  const weight = featherWeights(mask, r.width, r.height, r.feather, r.maskThreshold);
  const changeBox = boundingBox(weight, r.width, r.height)!;
  const mode = r.mode === 'outpaint' ? 'outpaint' : 'inpaint';
  return { hole, weight, changeBox, windows: planWindows(mode, hole, changeBox, r.width, r.height, model) };
}

/** How far (px) a later window's pixels fade into an earlier window's: 1/8 of its shorter side. */
export function seamBand(rect: PixelRect): number {
  return Math.round(Math.min(rect.width, rect.height) / 8);
}

/**
 * Write weights (0–255) of one window over the canvas: 255 on the changeable pixels no earlier
 * window wrote (`fresh`); on changeable pixels an earlier window already wrote, a ramp
 * 255·(1 − d/(band+1)) within `band` px of the fresh ones, so the windows meet without a seam;
 * 0 elsewhere (kept pixels, and pixels outside `rect`).
 */
export function windowWeights(fresh: Uint8Array, changeable: Uint8Array, width: number, rect: PixelRect, band: number): Uint8Array {
  const out = new Uint8Array(fresh.length);
  const at = (x: number, y: number): number => (rect.y + y) * width + rect.x + x;
  const d2 = band > 0 ? squaredDistanceToSet(rect.width, rect.height, (x, y) => fresh[at(x, y)] !== 0) : undefined;
  for (let y = 0; y < rect.height; y++) {
    for (let x = 0; x < rect.width; x++) {
      const p = at(x, y);
      if (fresh[p]) out[p] = 255;
      else if (d2 && changeable[p]) {
        const d = Math.sqrt(d2[y * rect.width + x]);
        if (d <= band) out[p] = Math.max(1, Math.round(255 * (1 - d / (band + 1))));
      }
    }
  }
  return out;
}

/**
 * Runs the plan: for each window (in order), encode the current canvases at each stage's size,
 * mask the tokens over the hole pixels not generated yet (dilated), decode the base stage, then
 * the super-res stage conditioned on the edited base tokens, VQ-decode, and write the result
 * back over the window's not-yet-written changeable pixels, fading into what earlier windows
 * wrote over `seamBand` px (windowWeights). Finally blend into the original.
 */
export async function fill(ctx: EditContext, plan: FillPlan): Promise<{ images: RgbaImage[]; changedFraction: number }> {
  const { parts, r, reporter } = ctx;
  const { width, height } = r;
  const original = extendCanvas(r.image, r.extend);
  const canvases = ctx.rngs.map(() => original.data.slice());
  const holeLeft = plan.hole.slice();
  const writeLeft = new Uint8Array(plan.weight.length);
  const box = plan.changeBox;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let p = y * width + box.x; p < y * width + box.x + box.width; p++) if (plan.weight[p]) writeLeft[p] = 1;
  }

  const baseSpec = parts.manifest.stages.base;
  const srSpec = r.superRes ? parts.manifest.stages.superRes : undefined;
  const perWindow = r.base.steps + (r.superRes?.steps ?? 0);
  const count = plan.windows.length;
  for (const [w, rect] of plan.windows.entries()) {
    reporter.checkAbort();
    // Each stage masks its own grid over the hole pixels no earlier window generated.
    const startAt = async (size: [number, number], grid: [number, number]): Promise<StageStart[]> => {
      const known = await encodeWindow(ctx, canvases, width, rect, size);
      const decode = tokenMask(holeLeft, width, rect, grid, r.dilation);
      return known.map((tokens) => ({ tokens, decode }));
    };
    const { images } = await runChain(ctx, {
      base: { settings: r.base, start: () => startAt(baseSpec.imageSize, baseSpec.grid) },
      ...(srSpec && r.superRes ? { superRes: { settings: r.superRes, start: () => startAt(srSpec.imageSize, srSpec.grid) } } : {}),
      overallOffset: w * perWindow,
      window: { index: w + 1, count },
      announceDecode: w === count - 1,
    });
    const weight = windowWeights(writeLeft, plan.weight, width, rect, seamBand(rect));
    images.forEach((img, k) => writeWindow(img, canvases[k], width, rect, weight));
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      holeLeft.fill(0, y * width + rect.x, y * width + rect.x + rect.width);
      writeLeft.fill(0, y * width + rect.x, y * width + rect.x + rect.width);
    }
  }
  const mark = performance.now();
  // Blend in place, only over the changeable box: each canvas becomes its result (outside the
  // box it still holds the original bytes, since only changeable pixels were written).
  const images = canvases.map((c) => ({ width, height, data: blendRgba(original.data, c, plan.weight, c, { width, rect: box }) }));
  addTime(ctx, 'blend', mark);
  return { images, changedFraction: countSet(plan.weight) / (width * height) };
}
