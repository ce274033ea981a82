/**
 * Image resampling for editing: a crop of an interleaved image (RGBA bytes, or any channel
 * count) to another size, separably per axis. Shrinking averages areas (each output pixel is
 * the exact area-weighted mean of the source pixels it covers), enlarging interpolates
 * bilinearly (pixel centres aligned, edges clamped to the crop). Scale 1 is the identity, so an
 * image at the model's size goes through untouched.
 */
import type { PixelRect } from '../types';

/** Per output index along one axis: the source indices it reads and their weights (sum 1). */
interface AxisTaps {
  /** Taps of output i are offsets[i] … offsets[i+1]−1. */
  offsets: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

/** The taps mapping `srcLen` source pixels starting at `srcStart` onto `dstLen` pixels. */
export function axisTaps(srcStart: number, srcLen: number, dstLen: number): AxisTaps {
  const scale = srcLen / dstLen;
  const index: number[] = [];
  const weight: number[] = [];
  const offsets = new Int32Array(dstLen + 1);
  for (let i = 0; i < dstLen; i++) {
    if (scale > 1) {
      // Area average: output i covers source [a, b); weight = overlap / scale.
      const a = i * scale;
      const b = (i + 1) * scale;
      for (let j = Math.floor(a); j < Math.min(srcLen, Math.ceil(b)); j++) {
        const overlap = Math.min(b, j + 1) - Math.max(a, j);
        if (overlap > 0) {
          index.push(srcStart + j);
          weight.push(overlap / scale);
        }
      }
    } else {
      // Bilinear with aligned centres; at scale 1, u = i exactly and t = 0 (identity).
      const u = (i + 0.5) * scale - 0.5;
      const j = Math.floor(u);
      const t = u - j;
      const clamp = (k: number): number => srcStart + Math.max(0, Math.min(srcLen - 1, k));
      index.push(clamp(j));
      weight.push(1 - t);
      if (t > 0) {
        index.push(clamp(j + 1));
        weight.push(t);
      }
    }
    offsets[i + 1] = index.length;
  }
  return { offsets, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

/**
 * Resamples the crop `rect` of an interleaved image (`width` pixels per row, `channels` values
 * per pixel) to `outWidth` × `outHeight`, calling `emitRow(y, row)` with each output row
 * (outWidth × channels floats, a reused buffer: copy what you keep). Rows are emitted in order.
 */
export function resampleRows(
  data: ArrayLike<number>,
  width: number,
  channels: number,
  rect: PixelRect,
  outWidth: number,
  outHeight: number,
  emitRow: (y: number, row: Float32Array) => void,
): void {
  const C = channels;
  const xt = axisTaps(rect.x, rect.width, outWidth);
  const yt = axisTaps(0, rect.height, outHeight);
  const rowLen = outWidth * C;
  // Horizontal pass over every source row of the crop; one side is always the model's size,
  // so this buffer stays small even for a 4096-pixel photo.
  const tmp = new Float32Array(rect.height * rowLen);
  for (let r = 0; r < rect.height; r++) {
    const src = (rect.y + r) * width;
    const dst = r * rowLen;
    for (let i = 0; i < outWidth; i++) {
      for (let t = xt.offsets[i]; t < xt.offsets[i + 1]; t++) {
        const s = (src + xt.index[t]) * C;
        const w = xt.weight[t];
        for (let c = 0; c < C; c++) tmp[dst + i * C + c] += w * data[s + c];
      }
    }
  }
  const row = new Float32Array(rowLen);
  for (let y = 0; y < outHeight; y++) {
    row.fill(0);
    for (let t = yt.offsets[y]; t < yt.offsets[y + 1]; t++) {
      const src = yt.index[t] * rowLen;
      const w = yt.weight[t];
      for (let k = 0; k < rowLen; k++) row[k] += w * tmp[src + k];
    }
    emitRow(y, row);
  }
}

/**
 * The crop `rect` of an RGBA image resized to `size` = [height, width] as a planar float image
 * [3, H, W] with values mapped from 0–255 to `range` (the VQ encoder's input). Alpha is ignored.
 */
export function cropToPlanar(rgba: ArrayLike<number>, width: number, rect: PixelRect, size: [number, number], range: [number, number]): Float32Array {
  const [H, W] = size;
  const [lo, hi] = range;
  const scale = (hi - lo) / 255;
  const plane = H * W;
  const out = new Float32Array(3 * plane);
  resampleRows(rgba, width, 4, rect, W, H, (y, row) => {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) out[c * plane + y * W + x] = lo + row[x * 4 + c] * scale;
    }
  });
  return out;
}
