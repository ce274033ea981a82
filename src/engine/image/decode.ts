/**
 * Image files to RGBA with kept libraries: PNG with fast-png (every colour type and bit depth,
 * palette and tRNS transparency, Adam7 interlacing; 16-bit samples keep their high byte), JPEG
 * with jpeg-js plus the EXIF orientation a browser applies, WebP with libwebp compiled to
 * WebAssembly (@jsquash/webp). Pure JavaScript and wasm: the same code runs in Node (the CLI)
 * and in a browser worker. The format comes from the bytes (sniff.ts), never the file name, and
 * the size is checked before any pixel is decoded.
 */
import { convertIndexedToRgb, decode as decodePngLib, type DecodedPng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { RgbaImage } from '../types';
import { applyOrientation } from './orient';
import { sniffImage } from './sniff';

/** Refuse images with more pixels than this (16384², 1 GiB of RGBA) before decoding anything. */
export const MAX_DECODE_PIXELS = 16384 * 16384;

/** A file that cannot be decoded; the message says why in words a user can act on. */
export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** Decodes WebP bytes to RGBA (the wasm decoder must be ready; see webpReady in src/node/webp.ts). */
export type WebpDecoder = (bytes: Uint8Array) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;

const defaultWebp: WebpDecoder = async (bytes) => {
  const { default: decodeWebp } = await import('@jsquash/webp/decode.js');
  return decodeWebp(bytes.slice().buffer);
};

/** The samples as 8-bit values: 16-bit keep their high byte; 1-, 2- and 4-bit grey (packed in rows) scale to 0–255. */
function to8(png: DecodedPng): ArrayLike<number> {
  const { data, depth } = png;
  if (depth === 16) return Uint8Array.from(data as Uint16Array, (v) => v >> 8);
  if (depth === 8) return data;
  const perRow = png.width * png.channels;
  const stride = Math.ceil((perRow * depth) / 8);
  const top = (1 << depth) - 1;
  const out = new Uint8Array(perRow * png.height);
  for (let y = 0; y < png.height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const v = (data[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & top;
      out[y * perRow + i] = Math.round((v * 255) / top);
    }
  }
  return out;
}

/** fast-png's output (any channels and depth) as 8-bit RGBA. */
function pngToRgba(png: DecodedPng): Uint8ClampedArray {
  const n = png.width * png.height;
  const out = new Uint8ClampedArray(n * 4);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const c = rgb.length / n;
    for (let i = 0; i < n; i++) {
      out[4 * i] = rgb[c * i]!;
      out[4 * i + 1] = rgb[c * i + 1]!;
      out[4 * i + 2] = rgb[c * i + 2]!;
      out[4 * i + 3] = c === 4 ? rgb[c * i + 3]! : 255;
    }
    return out;
  }
  const c = png.channels;
  const v = to8(png);
  // tRNS on grey or RGB: one colour (at the file's depth) that is fully transparent.
  const key = png.transparency;
  for (let i = 0; i < n; i++) {
    const grey = c <= 2;
    out[4 * i] = v[c * i]!;
    out[4 * i + 1] = grey ? v[c * i]! : v[c * i + 1]!;
    out[4 * i + 2] = grey ? v[c * i]! : v[c * i + 2]!;
    let alpha = c === 2 ? v[c * i + 1]! : c === 4 ? v[c * i + 3]! : 255;
    if (key && (c === 1 || c === 3)) {
      const raw = png.data;
      // Packed grey samples (depth < 8) compare at 8 bits, where the scaling is one-to-one.
      const lowKey = Math.round((key[0]! * 255) / ((1 << png.depth) - 1));
      const hit =
        c === 3
          ? raw[3 * i] === key[0] && raw[3 * i + 1] === key[1] && raw[3 * i + 2] === key[2]
          : png.depth >= 8
            ? raw[i] === key[0]
            : v[i] === lowKey;
      if (hit) alpha = 0;
    }
    out[4 * i + 3] = alpha;
  }
  return out;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Decodes a PNG, JPEG or WebP file to RGBA as a browser would show it (EXIF orientation of JPEG
 * and PNG applied; WebP's ignored, as Chromium does).
 * @throws ImageDecodeError: not one of these formats, damaged, or larger than `maxPixels`.
 */
export async function decodeImage(bytes: Uint8Array, options: { maxPixels?: number; webp?: WebpDecoder } = {}): Promise<RgbaImage> {
  if (bytes.length === 0) throw new ImageDecodeError('it is an empty file (0 bytes)');
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) throw new ImageDecodeError(sniffed.reason);
  const { format, width, height, orientation } = sniffed.image;
  const maxPixels = options.maxPixels ?? MAX_DECODE_PIXELS;
  if (width * height > maxPixels) {
    throw new ImageDecodeError(`it is ${width}x${height}, too large to decode (at most ${maxPixels} pixels)`);
  }
  let img: RgbaImage;
  try {
    if (format === 'png') {
      const png = decodePngLib(bytes, { checkCrc: true });
      img = { width: png.width, height: png.height, data: pngToRgba(png) };
    } else if (format === 'jpeg') {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: Math.ceil(maxPixels / 1e6), maxMemoryUsageInMB: 2048 });
      img = { width: j.width, height: j.height, data: new Uint8ClampedArray(j.data.buffer, j.data.byteOffset, j.data.length) };
    } else {
      const w = await (options.webp ?? defaultWebp)(bytes);
      img = { width: w.width, height: w.height, data: new Uint8ClampedArray(w.data.buffer, w.data.byteOffset, w.data.length) };
    }
  } catch (e) {
    throw new ImageDecodeError(`it is a damaged ${format === 'jpeg' ? 'JPEG' : format === 'png' ? 'PNG' : 'WebP'} (${describe(e)})`);
  }
  return applyOrientation(img, orientation);
}
