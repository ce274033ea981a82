// PNG writer: IHDR (8-bit RGBA, or RGB when every pixel is opaque), text chunks, one IDAT,
// IEND. Rows are filtered with the usual "minimum sum of absolute differences" heuristic and
// compressed by fflate (zlib format) at a fixed level: both depend only on the pixels, so the
// same image gives the same bytes in Node, the worker and any browser.
import { zlibSync } from 'fflate';
import { concatBytes, encodeChunk, PNG_SIGNATURE, writeU32 } from './chunks';
import { PngError } from './errors';
import { encodeTextChunk } from './text';

/** RGBA pixels, row-major, 4 bytes per pixel. Structurally the engine's RgbaImage. */
export interface PngImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

const COLOR_TYPE_RGB = 2;
const COLOR_TYPE_RGBA = 6;
const MAX_DIMENSION = 0x7fffffff;

function assertImage(img: PngImage): void {
  const { width, height, data } = img;
  const validSide = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_DIMENSION;
  if (!validSide(width) || !validSide(height)) {
    throw new PngError('invalid-input', `cannot encode a PNG of size ${width}x${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new PngError(
      'invalid-input',
      `image data has ${data.length} bytes; a ${width}x${height} RGBA image needs ${width * height * 4}`,
    );
  }
}

function isOpaque(data: PngImage['data']): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
  return true;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Writes filter `type` of `row` (previous row `prev`, `bpp` bytes per pixel) into `out`. */
function filterRow(type: number, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const x = row[i]!;
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    let predicted = 0;
    if (type === 1) predicted = a;
    else if (type === 2) predicted = b;
    else if (type === 3) predicted = (a + b) >>> 1;
    else if (type === 4) predicted = paeth(a, b, c);
    out[i] = (x - predicted) & 0xff;
  }
}

/** Sum of the filtered bytes read as signed values: lower usually compresses better. */
function cost(filtered: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < filtered.length; i++) {
    const v = filtered[i]!;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

/** The IDAT payload before compression: per row, a filter byte then the filtered pixels. */
export function filterScanlines(img: PngImage, channels: 3 | 4): Uint8Array<ArrayBuffer> {
  const { width, height, data } = img;
  const rowBytes = width * channels;
  const out = new Uint8Array(height * (rowBytes + 1));
  let prev = new Uint8Array(rowBytes); // the row above the first row is all zeros
  let row = new Uint8Array(rowBytes);
  const candidates = [0, 1, 2, 3, 4].map(() => new Uint8Array(rowBytes));
  for (let y = 0; y < height; y++) {
    if (channels === 4) {
      row.set(data.subarray(y * width * 4, (y + 1) * width * 4));
    } else {
      for (let x = 0, s = y * width * 4, d = 0; x < width; x++, s += 4, d += 3) {
        row[d] = data[s]!;
        row[d + 1] = data[s + 1]!;
        row[d + 2] = data[s + 2]!;
      }
    }
    let best = 0;
    let bestCost = Infinity;
    candidates.forEach((buf, type) => {
      filterRow(type, row, prev, channels, buf);
      const c = cost(buf);
      if (c < bestCost) {
        best = type;
        bestCost = c;
      }
    });
    const at = y * (rowBytes + 1);
    out[at] = best;
    out.set(candidates[best]!, at + 1);
    [prev, row] = [row, prev];
  }
  return out;
}

/**
 * fflate's level: 6 measured ~25 ms for a 256² result (scenes) against ~80 ms for 9, for files
 * ~5% larger (docs/BENCHMARKS.md, "PNG encoding"); the worker encodes every result before
 * answering, so time wins.
 */
export const PNG_ZLIB_LEVEL = 6;

/**
 * Encodes an RGBA image as a PNG with text metadata (tEXt, or iTXt for non-Latin-1 text),
 * written before IDAT so readers find it early.
 * @param img RGBA pixels; written as RGB when every alpha is 255.
 * @param text keyword → text, e.g. { parameters: formatA1111(params) }; written in key order.
 * @throws PngError (code invalid-input) for a bad image or keyword.
 */
export function encodePng(img: PngImage, text: Record<string, string>): Uint8Array<ArrayBuffer> {
  assertImage(img);
  const textChunks = Object.entries(text).map(([k, v]) => encodeTextChunk(k, v));
  const channels = isOpaque(img.data) ? 3 : 4;

  const ihdr = new Uint8Array(13);
  writeU32(ihdr, 0, img.width);
  writeU32(ihdr, 4, img.height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 3 ? COLOR_TYPE_RGB : COLOR_TYPE_RGBA;
  // bytes 10-12: compression 0 (deflate), filter method 0, interlace 0 (none)

  const compressed = zlibSync(filterScanlines(img, channels), { level: PNG_ZLIB_LEVEL });

  return concatBytes([
    Uint8Array.from(PNG_SIGNATURE),
    encodeChunk('IHDR', ihdr),
    ...textChunks,
    encodeChunk('IDAT', compressed),
    encodeChunk('IEND', new Uint8Array(0)),
  ]);
}
