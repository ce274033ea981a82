import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { concatBytes, encodeChunk, PNG_SIGNATURE } from '../../../src/engine/png/chunks';
import { decodePng, encodePng, PngError } from '../../../src/engine/png';

const inflate = (b: Uint8Array) => inflateSync(b);

interface RawPng {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  /** Unfiltered rows, each ⌈width·bitsPerPixel/8⌉ bytes. */
  rows: number[][];
  /** Filter type per row (default 0); applied here the way an encoder would. */
  filters?: number[];
  plte?: number[];
  trns?: number[];
  interlace?: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Builds a PNG by hand (independently of encodePng), with the given filters. */
function makePng(p: RawPng): Uint8Array {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[p.colorType]!;
  const bpp = Math.max(1, (channels * p.depth) >> 3);
  const filtered: number[] = [];
  p.rows.forEach((row, y) => {
    const f = p.filters?.[y] ?? 0;
    filtered.push(f);
    const prev = y > 0 ? p.rows[y - 1] : row.map(() => 0);
    row.forEach((x, i) => {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
      filtered.push((x - pred) & 0xff);
    });
  });
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, p.width);
  new DataView(ihdr.buffer).setUint32(4, p.height);
  ihdr.set([p.depth, p.colorType, 0, 0, p.interlace ?? 0], 8);
  const chunks = [encodeChunk('IHDR', ihdr)];
  if (p.plte) chunks.push(encodeChunk('PLTE', Uint8Array.from(p.plte)));
  if (p.trns) chunks.push(encodeChunk('tRNS', Uint8Array.from(p.trns)));
  const z = new Uint8Array(deflateSync(Uint8Array.from(filtered)));
  // Split the image data over two IDAT chunks, as encoders may.
  chunks.push(encodeChunk('IDAT', z.subarray(0, 5)), encodeChunk('IDAT', z.subarray(5)), encodeChunk('IEND', new Uint8Array(0)));
  return concatBytes([Uint8Array.from(PNG_SIGNATURE), ...chunks]);
}

const pixels = async (png: Uint8Array) => Array.from((await decodePng(png, inflate)).data);

describe('decodePng', () => {
  it('round-trips encodePng output (RGB and RGBA) byte for byte', async () => {
    for (const alpha of [255, 77]) {
      const data = Uint8ClampedArray.from({ length: 7 * 5 * 4 }, (_, i) => (i % 4 === 3 ? alpha : (i * 37) % 256));
      const png = await encodePng({ width: 7, height: 5, data }, { parameters: 'x' }, (b) => deflateSync(b));
      const out = await decodePng(png, inflate);
      expect([out.width, out.height]).toEqual([7, 5]);
      expect(out.data).toEqual(data);
    }
  });

  it('undoes every filter type (8-bit RGB)', async () => {
    const rows = Array.from({ length: 5 }, (_, y) => Array.from({ length: 9 }, (_, i) => (y * 50 + i * 29) % 256));
    const png = makePng({ width: 3, height: 5, depth: 8, colorType: 2, rows, filters: [0, 1, 2, 3, 4] });
    const expected = rows.flatMap((r) => [r[0], r[1], r[2], 255, r[3], r[4], r[5], 255, r[6], r[7], r[8], 255]);
    expect(await pixels(png)).toEqual(expected);
  });

  it('greyscale 8-bit, with tRNS', async () => {
    const png = makePng({ width: 3, height: 1, depth: 8, colorType: 0, rows: [[0, 128, 255]], trns: [0, 128], filters: [4] });
    expect(await pixels(png)).toEqual([0, 0, 0, 255, 128, 128, 128, 0, 255, 255, 255, 255]);
  });

  it('greyscale 1, 2 and 4 bits scale to 0–255', async () => {
    // 1-bit: 10110000 → 1,0,1,1 ; 2-bit: 00 01 10 11 ; 4-bit: 0x0F, 0x80 → 0, 15, 8
    expect((await pixels(makePng({ width: 4, height: 1, depth: 1, colorType: 0, rows: [[0b10110000]] }))).filter((_, i) => i % 4 === 0)).toEqual([255, 0, 255, 255]);
    expect((await pixels(makePng({ width: 4, height: 1, depth: 2, colorType: 0, rows: [[0b00011011]] }))).filter((_, i) => i % 4 === 0)).toEqual([0, 85, 170, 255]);
    expect((await pixels(makePng({ width: 3, height: 1, depth: 4, colorType: 0, rows: [[0x0f, 0x80]] }))).filter((_, i) => i % 4 === 0)).toEqual([0, 255, 136]);
  });

  it('greyscale + alpha, 8 and 16 bits', async () => {
    expect(await pixels(makePng({ width: 1, height: 1, depth: 8, colorType: 4, rows: [[90, 40]] }))).toEqual([90, 90, 90, 40]);
    expect(await pixels(makePng({ width: 1, height: 1, depth: 16, colorType: 4, rows: [[0x12, 0x34, 0xfe, 0xff]] }))).toEqual([0x12, 0x12, 0x12, 0xfe]);
  });

  it('16-bit RGB and RGBA keep the high byte; 16-bit tRNS compares full values', async () => {
    const rgb16 = makePng({ width: 2, height: 1, depth: 16, colorType: 2, rows: [[1, 2, 3, 4, 5, 6, 0xff, 0xff, 0, 0, 0x80, 0]], trns: [0xff, 0xff, 0, 0, 0x80, 0], filters: [1] });
    expect(await pixels(rgb16)).toEqual([1, 3, 5, 255, 255, 0, 128, 0]);
    const rgba16 = makePng({ width: 1, height: 1, depth: 16, colorType: 6, rows: [[10, 0, 20, 0, 30, 0, 40, 0]] });
    expect(await pixels(rgba16)).toEqual([10, 20, 30, 40]);
  });

  it('palette 8-bit and 4-bit, with tRNS alpha per entry', async () => {
    const plte = [255, 0, 0, 0, 255, 0, 0, 0, 255];
    expect(await pixels(makePng({ width: 3, height: 1, depth: 8, colorType: 3, rows: [[2, 0, 1]], plte, trns: [10] }))).toEqual([0, 0, 255, 255, 255, 0, 0, 10, 0, 255, 0, 255]);
    expect(await pixels(makePng({ width: 3, height: 1, depth: 4, colorType: 3, rows: [[0x12, 0x00]], plte }))).toEqual([0, 255, 0, 255, 0, 0, 255, 255, 255, 0, 0, 255]);
  });

  const errorOf = async (png: Uint8Array): Promise<PngError> => {
    const e = await decodePng(png, inflate).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PngError);
    return e as PngError;
  };

  it('refuses interlaced, oversized, damaged and incomplete files clearly', async () => {
    const interlaced = await errorOf(makePng({ width: 1, height: 1, depth: 8, colorType: 0, rows: [[0]], interlace: 1 }));
    expect([interlaced.code, interlaced.message]).toEqual(['unsupported', 'interlaced (Adam7) PNGs are not supported: save the image again without interlacing']);
    const big = await decodePng(makePng({ width: 4, height: 4, depth: 8, colorType: 0, rows: Array(4).fill([0, 0, 0, 0]) }), inflate, 10).catch((e: unknown) => e);
    expect((big as PngError).message).toMatch(/4x4, too large to decode/);
    expect((await errorOf(makePng({ width: 1, height: 1, depth: 8, colorType: 3, rows: [[0]] }))).message).toMatch(/no valid PLTE/);
    expect((await errorOf(makePng({ width: 2, height: 1, depth: 8, colorType: 3, rows: [[0, 5]], plte: [1, 2, 3] }))).message).toMatch(/uses colour 5, past the end of its 1-colour palette/);
    expect((await errorOf(makePng({ width: 1, height: 1, depth: 3, colorType: 0, rows: [[0]] }))).message).toMatch(/invalid bit depth 3 for greyscale/);
    expect((await errorOf(makePng({ width: 1, height: 1, depth: 8, colorType: 0, rows: [[0]], filters: [0] }).map((b, i, a) => (i === a.length - 30 ? b ^ 1 : b)))).code).toBe('bad-crc');
    expect((await errorOf(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).code).toBe('not-png');
    const short = makePng({ width: 4, height: 4, depth: 8, colorType: 0, rows: [[1, 2, 3, 4]] }); // 1 row of 4
    expect((await errorOf(short)).message).toMatch(/image data is too short/);
  });
});
