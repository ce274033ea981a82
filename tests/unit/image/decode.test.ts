/**
 * decodeImage on small files made by tests/fixtures/images/make_formats.py: every PNG colour
 * type and depth (palette + tRNS, 16-bit, 1-bit, interlaced), JPEG with and without EXIF
 * orientation (and CMYK), lossy and lossless WebP — one 6x4 picture in each.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../../../src/engine/image/decode';
import { encodePng } from '../../../src/engine/png';
import { webpReady } from '../../../src/node/webp';
import { testImage } from '../png/pngTestUtils';

const dir = new URL('../../fixtures/images/', import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const W = 6;
const H = 4;
const pattern = (x: number, y: number) => [40 * x + 15, 60 * y + 10, 200 - 30 * x];
/** Pillow's L conversion (ITU-R 601-2 luma, rounded). */
const luma = ([r, g, b]: number[]) => Math.round((r! * 299 + g! * 587 + b! * 114) / 1000);

function expected(map: (x: number, y: number) => number[]): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.push(...map(x, y));
  return out;
}

beforeAll(() => webpReady());

describe('decodeImage: lossless files give the exact pixels', () => {
  it.each<[string, (x: number, y: number) => number[]]>([
    ['rgb8.png', (x, y) => [...pattern(x, y), 255]],
    ['rgb16.png', (x, y) => [...pattern(x, y), 255]],
    ['interlaced.png', (x, y) => [...pattern(x, y), 255]],
    ['rgba8.png', (x, y) => [...pattern(x, y), 255 - 40 * y]],
    ['palette.png', (x, y) => [...pattern(x, y), x === 0 && y === 0 ? 0 : 255]],
    ['grey8.png', (x, y) => { const v = luma(pattern(x, y)); return [v, v, v, 255]; }],
    ['grey1.png', (x, y) => { const v = luma(pattern(x, y)) >= 128 ? 255 : 0; return [v, v, v, 255]; }],
    ['grey-alpha.png', (x, y) => { const v = luma(pattern(x, y)); return [v, v, v, 255]; }],
    ['grey16.png', (x) => { const v = 40 * x + 15; return [v, v, v, 255]; }],
    ['lossless.webp', (x, y) => [...pattern(x, y), 255]],
  ])('%s', async (name, map) => {
    const img = await decodeImage(file(`formats/${name}`));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(Array.from(img.data)).toEqual(expected(map));
  });

  it('gives back what encodePng wrote, byte for byte (RGB and RGBA)', async () => {
    for (const opaque of [true, false]) {
      const img = testImage(7, 5, { opaque });
      expect((await decodeImage(encodePng(img, { parameters: 'x' }))).data).toEqual(img.data);
    }
  });
});

describe('decodeImage: lossy files and orientation', () => {
  it.each(['photo.jpg', 'lossy.webp'])('%s is close to the picture', async (name) => {
    const img = await decodeImage(file(`formats/${name}`));
    expect([img.width, img.height]).toEqual([W, H]);
    const want = expected((x, y) => [...pattern(x, y), 255]);
    const meanError = want.reduce((sum, v, i) => sum + Math.abs(v - img.data[i]!), 0) / want.length;
    expect(meanError).toBeLessThan(20); // 4:2:0 chroma on a 6x4 picture
  });

  it('turns a JPEG as its EXIF orientation says (6: stored 8x4 red|blue, shown 4x8 red over blue)', async () => {
    const img = await decodeImage(file('formats/exif-rotate-6.jpg'));
    expect([img.width, img.height]).toEqual([4, 8]);
    const px = (x: number, y: number) => Array.from(img.data.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 3));
    expect(px(1, 1)[0]).toBeGreaterThan(200); // red on top
    expect(px(1, 6)[2]).toBeGreaterThan(200); // blue below
  });

  it('reads a CMYK JPEG', async () => {
    const img = await decodeImage(file('cmyk.jpg'));
    expect([img.width, img.height]).toEqual([96, 64]);
    expect(img.data[0]).toBeGreaterThan(200);
  });
});

describe('decodeImage: refusals say why', () => {
  it.each<[string, Uint8Array, RegExp]>([
    ['empty', new Uint8Array(0), /empty file/],
    ['GIF', new TextEncoder().encode('GIF89a........'), /a GIF, not a PNG, JPEG or WebP/],
    ['truncated JPEG', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), /damaged JPEG/],
    ['damaged PNG data', (() => { const b = file('formats/rgb8.png'); b[45] ^= 0xff; return b; })(), /damaged PNG/],
  ])('%s', async (_name, bytes, message) => {
    const err = await decodeImage(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a picture larger than the limit before decoding it', async () => {
    await expect(decodeImage(file('formats/rgb8.png'), { maxPixels: 10 })).rejects.toThrow('it is 6x4, too large to decode (at most 10 pixels)');
  });
});
