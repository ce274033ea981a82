/**
 * How well the loaded model's VQ reproduces a picture: encode → decode at the model's size and
 * the PSNR against the picture resized the same way. Every edit goes through this round trip
 * (inpaint windows, text edits), so a low figure means edits of this picture will look painted
 * by the model rather than like the photo: the Scenes VQ was trained on simple renders.
 */
import { cropToPlanar } from '../image/resample';
import type { ModelParts } from '../pipeline/generate';
import { decodeTokens, encodePixels, planarToRgba } from '../pipeline/vq';
import type { RgbaImage } from '../types';
import { checkImage } from './request';

/** Below this PSNR (dB) edits of a picture look painted: the UI says so next to the photo. */
export const POOR_VQ_PSNR = 25;

export interface VqRoundTrip {
  /** Peak signal-to-noise ratio over RGB, in dB (Infinity for an exact round trip). */
  psnr: number;
  /** The model size [height, width] the picture was compared at. */
  size: [number, number];
  /** psnr < POOR_VQ_PSNR. */
  poor: boolean;
}

/** PSNR in dB between two RGBA images of one size, over the RGB channels. */
export function psnrRgb(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      se += d * d;
    }
    n += 3;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / se);
}

/** Encodes `image` (stretched to the model's last stage size) with the VQ, decodes it, and compares. */
export async function vqRoundTrip(parts: ModelParts, image: RgbaImage): Promise<VqRoundTrip> {
  const img = checkImage(image);
  const m = parts.manifest;
  const size = (m.stages.superRes ?? m.stages.base).imageSize;
  const range = m.vqgan.pixelRange;
  const planar = cropToPlanar(img.data, img.width, { x: 0, y: 0, width: img.width, height: img.height }, size, range);
  const reference = planarToRgba(planar, size[1], size[0], range);
  const [tokens] = await encodePixels(parts.vqEncoder, [planar], size);
  const grid: [number, number] = [size[0] / m.vqgan.downsample, size[1] / m.vqgan.downsample];
  const [decoded] = await decodeTokens(parts.vq, [tokens], grid);
  const psnr = psnrRgb(reference.data, decoded.data);
  return { psnr, size, poor: psnr < POOR_VQ_PSNR };
}
