/**
 * From a painted pixel mask to what the model and the blend need (ARCHITECTURE.md §4, editing):
 * - the hole: pixels whose mask byte is above the threshold;
 * - per stage and window, the token mask: a token is masked when any hole pixel lies in its
 *   cell, then the mask is dilated by whole tokens;
 * - the blend weight: the mask byte itself, and, spreading out from fully masked (255) pixels,
 *   a linear feather that reaches 0 just beyond `feather` pixels. Pixels of weight 0 keep their
 *   original bytes exactly.
 */
import type { MaskImage, PixelRect, RgbaImage } from '../types';
import { squaredDistanceToSet } from './distance';

/** 1 where the mask byte is above `threshold`, else 0; and how many such pixels there are. */
export function holeOf(mask: ArrayLike<number>, threshold: number): { hole: Uint8Array; count: number } {
  const hole = new Uint8Array(mask.length);
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] > threshold) {
      hole[p] = 1;
      count++;
    }
  }
  return { hole, count };
}

/** The smallest rectangle holding every non-zero entry of `map`, or null when there is none. */
export function boundingBox(map: ArrayLike<number>, width: number, height: number): PixelRect | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (map[row + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * The token mask of one stage over the window `rect` of a `width`-wide pixel map: token (r, c)
 * covers the window pixels [c·w/cols, (c+1)·w/cols) × [r·h/rows, (r+1)·h/rows) (partly covered
 * pixels count), and is masked when any of them is in `hole`; then `dilation` rings of tokens
 * are added around the masked ones.
 */
export function tokenMask(hole: Uint8Array, width: number, rect: PixelRect, grid: [number, number], dilation: number): Uint8Array {
  const [rows, cols] = grid;
  const out = new Uint8Array(rows * cols);
  const sx = rect.width / cols;
  const sy = rect.height / rows;
  for (let r = 0; r < rows; r++) {
    const ya = rect.y + Math.floor(r * sy);
    const yb = rect.y + Math.min(rect.height, Math.ceil((r + 1) * sy));
    for (let c = 0; c < cols; c++) {
      const xa = rect.x + Math.floor(c * sx);
      const xb = rect.x + Math.min(rect.width, Math.ceil((c + 1) * sx));
      cell: for (let y = ya; y < yb; y++) {
        const row = y * width;
        for (let x = xa; x < xb; x++) {
          if (hole[row + x]) {
            out[r * cols + c] = 1;
            break cell;
          }
        }
      }
    }
  }
  return dilateTokens(out, grid, dilation);
}

/**
 * The pixels of a `width` × `height` image covered by tokens that differ between `before` and
 * `after` (grid `grid` stretched over the image; partly covered pixels count, as in tokenMask):
 * 255 there, 0 elsewhere. Editing by text keeps the original pixels outside it.
 */
export function changedTokenPixels(before: Int32Array, after: Int32Array, grid: [number, number], width: number, height: number): Uint8Array {
  const [rows, cols] = grid;
  const out = new Uint8Array(width * height);
  const sx = width / cols;
  const sy = height / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (before[r * cols + c] === after[r * cols + c]) continue;
      const xa = Math.floor(c * sx);
      const xb = Math.min(width, Math.ceil((c + 1) * sx));
      for (let y = Math.floor(r * sy); y < Math.min(height, Math.ceil((r + 1) * sy)); y++) out.fill(255, y * width + xa, y * width + xb);
    }
  }
  return out;
}

/** Adds `radius` rings of tokens (8-neighbourhood, i.e. a (2r+1)² square) around masked tokens. */
export function dilateTokens(mask: Uint8Array, grid: [number, number], radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  const [rows, cols] = grid;
  const out = new Uint8Array(mask.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!mask[r * cols + c]) continue;
      for (let y = Math.max(0, r - radius); y <= Math.min(rows - 1, r + radius); y++) {
        for (let x = Math.max(0, c - radius); x <= Math.min(cols - 1, c + radius); x++) out[y * cols + x] = 1;
      }
    }
  }
  return out;
}

/** How many entries of `a` are non-zero. */
export function countSet(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i]) n++;
  return n;
}

/**
 * Blend weights 0–255 over a `width` × `height` mask: the mask byte where it is above
 * `threshold` (else 0), raised near fully masked (255) pixels by the feather
 * 255·(1 − d/(feather+1)) for a distance d ≤ feather (never below 1 there, so "weight > 0" is
 * exactly "within the mask or the feather"). Beyond that the weight is 0.
 */
export function featherWeights(mask: ArrayLike<number>, width: number, height: number, feather: number, threshold: number): Uint8Array {
  const weight = new Uint8Array(width * height);
  // One pass: the soft weights and the bounding box of the fully masked pixels.
  let cx0 = width;
  let cy0 = height;
  let cx1 = -1;
  let cy1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const m = mask[row + x];
      if (m > threshold) weight[row + x] = m;
      if (m === 255) {
        if (x < cx0) cx0 = x;
        if (x > cx1) cx1 = x;
        if (y < cy0) cy0 = y;
        cy1 = y;
      }
    }
  }
  if (feather <= 0 || cx1 < 0) return weight;
  // Only the band within `feather` of the fully masked pixels can change.
  const x0 = Math.max(0, cx0 - feather);
  const y0 = Math.max(0, cy0 - feather);
  const x1 = Math.min(width, cx1 + 1 + feather);
  const y1 = Math.min(height, cy1 + 1 + feather);
  const w = x1 - x0;
  const d2 = squaredDistanceToSet(w, y1 - y0, (x, y) => mask[(y0 + y) * width + x0 + x] === 255);
  const f2 = feather * feather;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dd = d2[(y - y0) * w + (x - x0)];
      if (dd > f2) continue;
      const ramp = Math.max(1, Math.round(255 * (1 - Math.sqrt(dd) / (feather + 1))));
      const p = y * width + x;
      if (ramp > weight[p]) weight[p] = ramp;
    }
  }
  return weight;
}

/**
 * Blend weights that stay inside `changed` (255 = changed, 0 = kept): 0 on every kept pixel,
 * rising to 255 over `feather` px inside the changed region (255·d/(feather+1) at distance d
 * from the nearest kept pixel). The mirror of featherWeights, which feathers outward: here the
 * kept pixels are exact and the seam is softened on the changed side.
 */
export function inwardWeights(changed: Uint8Array, width: number, height: number, feather: number): Uint8Array {
  const kept = changed.map((m) => 255 - m);
  const outward = featherWeights(kept, width, height, feather, 0);
  return outward.map((w) => 255 - w);
}

/**
 * original·(1 − w) + generated·w per pixel, w = weight/255, rounded; alpha moves toward opaque
 * (the model's pixels are opaque). Where the weight is 0 the original bytes are copied as is.
 * `out` may be `generated` itself (each pixel is read before it is written). With `region`,
 * only its pixels are visited: the caller promises that `out` already holds the original
 * everywhere else (true for an edit canvas, which is only written where the weight is > 0).
 */
export function blendRgba(
  original: Uint8ClampedArray,
  generated: Uint8ClampedArray,
  weight: Uint8Array,
  out = new Uint8ClampedArray(original.length),
  region?: { width: number; rect: PixelRect },
): Uint8ClampedArray {
  const width = region ? region.width : weight.length;
  const r = region ? region.rect : { x: 0, y: 0, width, height: 1 };
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let p = y * width + r.x; p < y * width + r.x + r.width; p++) {
      const w = weight[p];
      const i = p * 4;
      if (w === 0) {
        out[i] = original[i];
        out[i + 1] = original[i + 1];
        out[i + 2] = original[i + 2];
        out[i + 3] = original[i + 3];
        continue;
      }
      const a = w / 255;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(original[i + c] + (generated[i + c] - original[i + c]) * a);
      out[i + 3] = Math.round(original[i + 3] + (255 - original[i + 3]) * a);
    }
  }
  return out;
}

/**
 * A mask from an RGBA picture of it (the CLI's MASK.png, a canvas layer): white = regenerate,
 * black or transparent = keep. The byte is the luma (0.30 R + 0.59 G + 0.11 B) times alpha.
 */
export function maskFromRgba(img: RgbaImage | { width: number; height: number; data: Uint8Array }): MaskImage {
  const n = img.width * img.height;
  const data = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const i = p * 4;
    const luma = (77 * img.data[i] + 150 * img.data[i + 1] + 29 * img.data[i + 2] + 128) >> 8;
    data[p] = Math.round((luma * img.data[i + 3]) / 255);
  }
  return { width: img.width, height: img.height, data };
}
