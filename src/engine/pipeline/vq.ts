import { PackageError } from '../errors';
import { expectOutput } from '../onnx/session';
import type { Ort, OrtSession } from '../ort';
import type { RgbaImage } from '../types';

/** What the VQ decoder needs to know about the package. */
export interface VqDecoder {
  ort: Ort;
  session: OrtSession;
  file: string;
  downsample: number;
  pixelRange: [number, number];
}

/**
 * Converts one planar float image [3, H, W] to RGBA bytes: clamp to pixelRange (the decoder may
 * overshoot), map linearly to 0–255, round, opaque alpha.
 */
export function planarToRgba(pixels: Float32Array, width: number, height: number, range: [number, number]): RgbaImage {
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const plane = width * height;
  const data = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = pixels[c * plane + p];
      // NaN compares false both ways and would become 0 anyway; clamp explicitly for clarity.
      const x = v > hi ? hi : v > lo ? v : lo;
      data[p * 4 + c] = Math.round((x - lo) * scale);
    }
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** Decodes token grids [rows, cols] (one per image, all in one batch) to RGBA images. */
export async function decodeTokens(vq: VqDecoder, tokens: Int32Array[], grid: [number, number]): Promise<RgbaImage[]> {
  const [rows, cols] = grid;
  const n = rows * cols;
  const B = tokens.length;
  const feed = new BigInt64Array(B * n);
  tokens.forEach((t, b) => {
    for (let j = 0; j < n; j++) feed[b * n + j] = BigInt(t[j]);
  });
  const out = await vq.session.run({ tokens: new vq.ort.Tensor('int64', feed, [B, rows, cols]) });
  const H = rows * vq.downsample;
  const W = cols * vq.downsample;
  const pixels = expectOutput(out, 'pixels', 'float32', [B, 3, H, W], vq.file).data as Float32Array;
  const per = 3 * H * W;
  return tokens.map((_, b) => planarToRgba(pixels.subarray(b * per, (b + 1) * per), W, H, vq.pixelRange));
}

/** What the VQ encoder needs to know about the package (editing: image → tokens). */
export interface VqEncoder {
  ort: Ort;
  session: OrtSession;
  file: string;
  downsample: number;
  codebookSize: number;
}

/**
 * Encodes planar float images [3, H, W] (values in the package's pixelRange), all in one batch,
 * to token grids [H/f, W/f], row-major. Tokens outside [0, K) are a package error: passed on,
 * they would look like mask tokens or index past the codebook.
 */
export async function encodePixels(vq: VqEncoder, pixels: Float32Array[], size: [number, number]): Promise<Int32Array[]> {
  const [H, W] = size;
  const rows = H / vq.downsample;
  const cols = W / vq.downsample;
  const per = 3 * H * W;
  const B = pixels.length;
  const feed = new Float32Array(B * per);
  pixels.forEach((p, b) => {
    if (p.length !== per) throw new RangeError(`encodePixels: image ${b} has ${p.length} values, expected 3×${H}×${W}`);
    feed.set(p, b * per);
  });
  const out = await vq.session.run({ pixels: new vq.ort.Tensor('float32', feed, [B, 3, H, W]) });
  const tokens = expectOutput(out, 'tokens', 'int64', [B, rows, cols], vq.file).data as BigInt64Array;
  const n = rows * cols;
  return pixels.map((_, b) => {
    const t = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const v = tokens[b * n + j];
      if (v < 0n || v >= BigInt(vq.codebookSize)) throw new PackageError(`output tokens holds ${v}, outside the codebook [0, ${vq.codebookSize})`, vq.file);
      t[j] = Number(v);
    }
    return t;
  });
}
