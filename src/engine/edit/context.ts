/** What every edit mode shares: the chain's context plus the request, and pixel I/O helpers. */
import { cropToPlanar, resampleRows } from '../image/resample';
import { addTime, type ChainContext } from '../pipeline/chain';
import type { ModelParts } from '../pipeline/generate';
import { encodePixels } from '../pipeline/vq';
import type { PixelRect, RgbaImage } from '../types';
import type { ResolvedEdit } from './request';

export interface EditContext extends ChainContext {
  r: ResolvedEdit;
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

/**
 * Resizes a model-sized image onto the window `rect` of an RGBA canvas (`width` px wide). With
 * `weight` (0–255 per canvas pixel) a pixel of weight 0 is left alone, 255 is replaced and
 * anything between is blended (canvas + (new − canvas)·w/255); without it every pixel is
 * replaced. Written pixels become opaque.
 */
export function writeWindow(img: RgbaImage, canvas: Uint8ClampedArray, width: number, rect: PixelRect, weight?: Uint8Array): void {
  const whole = { x: 0, y: 0, width: img.width, height: img.height };
  resampleRows(img.data, img.width, 4, whole, rect.width, rect.height, (y, row) => {
    const line = (rect.y + y) * width + rect.x;
    for (let x = 0; x < rect.width; x++) {
      const p = line + x;
      const w = weight ? weight[p] : 255;
      if (w === 0) continue;
      const i = p * 4;
      // Uint8ClampedArray rounds (half to even) and clamps on assignment.
      if (w === 255) {
        canvas[i] = row[x * 4];
        canvas[i + 1] = row[x * 4 + 1];
        canvas[i + 2] = row[x * 4 + 2];
      } else {
        const a = w / 255;
        for (let c = 0; c < 3; c++) canvas[i + c] = Math.round(canvas[i + c] + (row[x * 4 + c] - canvas[i + c]) * a);
      }
      canvas[i + 3] = 255;
    }
  });
}

/** The model's output size: the last stage's imageSize [height, width]. */
export function modelSize(parts: ModelParts, r: ResolvedEdit): [number, number] {
  const sr = r.superRes ? parts.manifest.stages.superRes : undefined;
  return (sr ?? parts.manifest.stages.base).imageSize;
}
