// PNG reader: any non-interlaced PNG to 8-bit RGBA. The decompressor is passed in, like the
// compressor of the writer (node:zlib inflateSync in the CLI, DecompressionStream('deflate') in
// a browser), so this stays dependency-free. 16-bit samples are truncated to their high byte;
// 1-, 2- and 4-bit grey levels are scaled to 0–255; tRNS transparency becomes alpha.
import { readChunks } from './chunks';
import { PngError } from './errors';

/** Decompresses a zlib stream (RFC 1950), e.g. zlib.inflateSync. */
export type Inflate = (zlib: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, row-major, 4 bytes per pixel. */
  data: Uint8ClampedArray;
}

/** Refuse images with more pixels than this (16384², 1 GiB of RGBA) before allocating anything. */
export const MAX_DECODE_PIXELS = 16384 * 16384;

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const COLOR_NAMES: Record<number, string> = { 0: 'greyscale', 2: 'RGB', 3: 'palette', 4: 'greyscale + alpha', 6: 'RGBA' };

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
}

function readHeader(ihdr: Uint8Array, maxPixels: number): Header {
  const u32 = (at: number) => ((ihdr[at]! << 24) | (ihdr[at + 1]! << 16) | (ihdr[at + 2]! << 8) | ihdr[at + 3]!) >>> 0;
  const width = u32(0);
  const height = u32(4);
  const [depth, colorType, compression, filter, interlace] = [ihdr[8]!, ihdr[9]!, ihdr[10]!, ihdr[11]!, ihdr[12]!];
  if (width === 0 || height === 0) throw new PngError('malformed', `PNG image has an invalid size ${width}x${height}`, 'IHDR');
  if (!(colorType in CHANNELS)) throw new PngError('malformed', `PNG image has an unknown colour type ${colorType}`, 'IHDR');
  if (!DEPTHS[colorType]!.includes(depth)) {
    throw new PngError('malformed', `PNG image has an invalid bit depth ${depth} for ${COLOR_NAMES[colorType]}`, 'IHDR');
  }
  if (compression !== 0 || filter !== 0) throw new PngError('malformed', 'PNG image uses an unknown compression or filter method', 'IHDR');
  if (interlace === 1) {
    throw new PngError('unsupported', 'interlaced (Adam7) PNGs are not supported: save the image again without interlacing', 'IHDR');
  }
  if (interlace !== 0) throw new PngError('malformed', `PNG image has an unknown interlace method ${interlace}`, 'IHDR');
  if (width * height > maxPixels) {
    throw new PngError('unsupported', `PNG image is ${width}x${height}, too large to decode (at most ${maxPixels} pixels)`, 'IHDR');
  }
  return { width, height, depth, colorType };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Undoes the per-row filters in place; returns the raw rows (without filter bytes). */
function unfilter(data: Uint8Array, height: number, rowBytes: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const type = data[y * (rowBytes + 1)]!;
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    const prev = dst - rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const x = data[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = y > 0 ? out[prev + i]! : 0;
      const c = i >= bpp && y > 0 ? out[prev + i - bpp]! : 0;
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + a;
      else if (type === 2) v = x + b;
      else if (type === 3) v = x + ((a + b) >>> 1);
      else if (type === 4) v = x + paeth(a, b, c);
      else throw new PngError('malformed', `PNG image data is damaged: unknown filter type ${type} on row ${y}`, 'IDAT');
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

/**
 * Decodes a PNG file to RGBA.
 * @throws PngError: not-png, truncated, bad-crc, malformed (damaged data, missing PLTE/IDAT),
 *   unsupported (interlaced, too large).
 */
export async function decodePng(bytes: Uint8Array, inflate: Inflate, maxPixels = MAX_DECODE_PIXELS): Promise<DecodedPng> {
  const chunks = readChunks(bytes);
  const { width, height, depth, colorType } = readHeader(chunks[0]!.data, maxPixels);
  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * depth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);

  const idat = chunks.filter((c) => c.type === 'IDAT');
  if (idat.length === 0) throw new PngError('malformed', 'PNG file has no image data (no IDAT chunk)', 'IDAT');
  const plte = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  if (colorType === 3 && (!plte || plte.length % 3 !== 0 || plte.length === 0)) {
    throw new PngError('malformed', 'palette PNG has no valid PLTE chunk', 'PLTE');
  }

  const joined = new Uint8Array(idat.reduce((n, c) => n + c.data.length, 0));
  let at = 0;
  for (const c of idat) {
    joined.set(c.data, at);
    at += c.data.length;
  }
  let raw: Uint8Array;
  try {
    raw = await inflate(joined);
  } catch (err) {
    throw new PngError('malformed', `PNG image data could not be decompressed (${err instanceof Error ? err.message : String(err)})`, 'IDAT');
  }
  if (raw.length < height * (rowBytes + 1)) {
    throw new PngError('truncated', `PNG image data is too short: ${raw.length} bytes for ${height} rows of ${rowBytes + 1}`, 'IDAT');
  }
  const rows = unfilter(raw, height, rowBytes, bpp);

  // Sample s (0-based across the row) of row y, at the image's bit depth.
  const sample = (rowStart: number, s: number): number => {
    if (depth === 8) return rows[rowStart + s]!;
    if (depth === 16) return (rows[rowStart + 2 * s]! << 8) | rows[rowStart + 2 * s + 1]!;
    const bit = s * depth;
    return (rows[rowStart + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const to8 = (v: number): number => (depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / ((1 << depth) - 1)));
  const u16 = (d: Uint8Array | undefined, at: number): number => (d && d.length >= at + 2 ? (d[at]! << 8) | d[at + 1]! : -1);

  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const rs = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const s = x * channels;
      if (colorType === 0 || colorType === 4) {
        const g = sample(rs, s);
        const v = to8(g);
        data[o] = data[o + 1] = data[o + 2] = v;
        data[o + 3] = colorType === 4 ? to8(sample(rs, s + 1)) : g === u16(trns, 0) ? 0 : 255;
      } else if (colorType === 2 || colorType === 6) {
        const r = sample(rs, s);
        const g = sample(rs, s + 1);
        const b = sample(rs, s + 2);
        data[o] = to8(r);
        data[o + 1] = to8(g);
        data[o + 2] = to8(b);
        if (colorType === 6) data[o + 3] = to8(sample(rs, s + 3));
        else data[o + 3] = r === u16(trns, 0) && g === u16(trns, 2) && b === u16(trns, 4) ? 0 : 255;
      } else {
        const i = sample(rs, s);
        if (3 * i + 2 >= plte!.length) throw new PngError('malformed', `palette PNG uses colour ${i}, past the end of its ${plte!.length / 3}-colour palette`, 'PLTE');
        data[o] = plte![3 * i]!;
        data[o + 1] = plte![3 * i + 1]!;
        data[o + 2] = plte![3 * i + 2]!;
        data[o + 3] = trns && i < trns.length ? trns[i]! : 255;
      }
    }
  }
  return { width, height, data };
}
