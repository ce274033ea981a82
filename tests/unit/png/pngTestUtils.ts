// Test-only PNG reading helpers: a minimal independent decoder (node:zlib inflate + the PNG
// unfilter rules) used to check that pixels survive encodePng.
import { inflateSync } from 'node:zlib';
import type { GenerationParams } from '../../../src/engine/png';

export interface RawChunk {
  type: string;
  data: Uint8Array;
}

export function listChunks(png: Uint8Array): RawChunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: RawChunk[] = [];
  for (let pos = 8; pos < png.length; ) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    chunks.push({ type, data: png.subarray(pos + 8, pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG to RGBA. */
export function decodePixels(png: Uint8Array): { width: number; height: number; colorType: number; data: Uint8Array } {
  const chunks = listChunks(png);
  const ihdr = chunks[0]!.data;
  const dv = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  const width = dv.getUint32(0);
  const height = dv.getUint32(4);
  const colorType = ihdr[9]!;
  if (ihdr[8] !== 8 || ihdr[12] !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error('unsupported');
  const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
  const raw = inflateSync(idat);
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? rows[y * stride + i - bpp]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? rows[(y - 1) * stride + i - bpp]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad filter ${filter}`);
      rows[y * stride + i] = (x + pred) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data[p * 4] = rows[p * bpp]!;
    data[p * 4 + 1] = rows[p * bpp + 1]!;
    data[p * 4 + 2] = rows[p * bpp + 2]!;
    data[p * 4 + 3] = bpp === 4 ? rows[p * bpp + 3]! : 255;
  }
  return { width, height, colorType, data };
}

/** A deterministic pseudo-random RGBA test image (xorshift32). */
export function testImage(width: number, height: number, opts: { opaque?: boolean; seed?: number } = {}) {
  let s = opts.seed ?? 12345;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    // Smooth gradients plus noise, so every filter type gets chosen somewhere.
    const p = i >> 2;
    const x = p % width;
    const y = Math.floor(p / width);
    data[i] = (i & 3) === 3 ? (opts.opaque === false ? (x * 7 + y) & 0xff : 255) : ((x * 3 + y * 5 + (i & 3) * 40) + ((s >>> 0) % 9)) & 0xff;
  }
  return { width, height, data };
}

/** Settings of a typical Scenes image, as its PNG's parameters text holds them. */
export const TYPICAL_PARAMS: GenerationParams = {
  prompt: 'a red hot-air balloon over the sea at sunset',
  negativePrompt: 'blurry',
  seed: 1234,
  steps: 12,
  guidance: 4,
  superResSteps: 8,
  superResGuidance: 2,
  temperature: 1,
  width: 256,
  height: 256,
  model: 'scenes',
};
