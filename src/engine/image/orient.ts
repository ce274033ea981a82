/**
 * Applies an EXIF orientation (1–8) to decoded pixels, so the CLI shows a photo the way a browser
 * does (createImageBitmap's `imageOrientation: 'from-image'`). Orientations 5–8 swap the sides.
 */
import type { RgbaImage } from '../types';

/** For displayed pixel (x, y), the stored pixel it comes from (stored size w × h). */
const SOURCE: Record<number, (x: number, y: number, w: number, h: number) => [number, number]> = {
  2: (x, y, w) => [w - 1 - x, y],
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  4: (x, y, _w, h) => [x, h - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, _w, h) => [y, h - 1 - x],
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x],
  8: (x, y, w) => [w - 1 - y, x],
};

/** The image as displayed under EXIF `orientation`; the image itself for 1 or unknown values. */
export function applyOrientation(img: RgbaImage, orientation: number): RgbaImage {
  const source = SOURCE[orientation];
  if (!source) return img;
  const { width: w, height: h } = img;
  const swap = orientation >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, w * h);
  const out = new Uint8ClampedArray(width * height * 4);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = source(x, y, w, h);
      dst[y * width + x] = src[sy * w + sx]!;
    }
  }
  return { width, height, data: out };
}
