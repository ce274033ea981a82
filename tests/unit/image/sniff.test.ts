import { describe, expect, it } from 'vitest';
import { exifOrientation, sniffImage } from '../../../src/engine/image/sniff';

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const be16 = (n: number) => [(n >>> 8) & 255, n & 255];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** A TIFF block holding one IFD entry: Orientation = `o`. */
function tiff(o: number, order: 'II' | 'MM'): number[] {
  const u16 = (n: number) => (order === 'II' ? [n & 255, n >>> 8] : be16(n));
  const u32 = (n: number) => (order === 'II' ? be32(n).reverse() : be32(n));
  return [...text(order), ...u16(42), ...u32(8), ...u16(1), ...u16(0x0112), ...u16(3), ...u32(1), ...u16(o), 0, 0, ...u32(0)];
}

function chunk(type: string, data: number[]): number[] {
  return [...be32(data.length), ...text(type), ...data, 0, 0, 0, 0];
}

function png(w: number, h: number, exif?: number): Uint8Array {
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...chunk('IHDR', [...be32(w), ...be32(h), 8, 6, 0, 0, 0]),
    ...(exif ? chunk('eXIf', tiff(exif, 'MM')) : []),
    ...chunk('IDAT', [1, 2, 3]),
  ]);
}

function jpeg(w: number, h: number, exif?: number, order: 'II' | 'MM' = 'MM'): Uint8Array {
  const app0 = [0xff, 0xe0, ...be16(16), ...text('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const app1 = exif ? (() => {
    const body = [...text('Exif'), 0, 0, ...tiff(exif, order)];
    return [0xff, 0xe1, ...be16(body.length + 2), ...body];
  })() : [];
  const sof = [0xff, 0xc2, ...be16(11), 8, ...be16(h), ...be16(w), 1, 1, 0x11, 0];
  return new Uint8Array([0xff, 0xd8, ...app0, ...app1, 0xff, 0xff, ...sof, 0xff, 0xda, 0, 2]);
}

function riff(fourcc: string, payload: number[]): Uint8Array {
  return new Uint8Array([...text('RIFF'), 0, 0, 0, 0, ...text('WEBP'), ...text(fourcc), ...[payload.length, 0, 0, 0], ...payload]);
}

describe('sniffImage', () => {
  it('reads a PNG header, and an eXIf orientation that turns it', () => {
    expect(sniffImage(png(320, 200))).toEqual({ ok: true, image: { format: 'png', width: 320, height: 200, orientation: 1 } });
    expect(sniffImage(png(320, 200, 6))).toEqual({ ok: true, image: { format: 'png', width: 200, height: 320, orientation: 6 } });
    expect(sniffImage(png(320, 200, 3))).toMatchObject({ ok: true, image: { width: 320, height: 200, orientation: 3 } });
  });

  it('reads a JPEG frame header after metadata and fill bytes, with the EXIF orientation (both byte orders)', () => {
    expect(sniffImage(jpeg(4000, 3000))).toEqual({ ok: true, image: { format: 'jpeg', width: 4000, height: 3000, orientation: 1 } });
    expect(sniffImage(jpeg(4000, 3000, 8))).toMatchObject({ ok: true, image: { width: 3000, height: 4000, orientation: 8 } });
    expect(sniffImage(jpeg(4000, 3000, 5, 'II'))).toMatchObject({ ok: true, image: { width: 3000, height: 4000, orientation: 5 } });
    expect(sniffImage(jpeg(4000, 3000, 2, 'II'))).toMatchObject({ ok: true, image: { width: 4000, height: 3000, orientation: 2 } });
  });

  it('reads the three WebP flavours (orientation is not applied by Chromium)', () => {
    const vp8 = [0, 0, 0, 0x9d, 0x01, 0x2a, 320 & 255, 320 >> 8, 200, 0];
    expect(sniffImage(riff('VP8 ', vp8))).toEqual({ ok: true, image: { format: 'webp', width: 320, height: 200, orientation: 1 } });
    const bits = (320 - 1) | ((200 - 1) << 14);
    expect(sniffImage(riff('VP8L', [0x2f, bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, (bits >>> 24) & 255]))).toMatchObject({
      ok: true,
      image: { width: 320, height: 200 },
    });
    const w = 10000 - 1;
    const h = 6000 - 1;
    expect(sniffImage(riff('VP8X', [0x10, 0, 0, 0, w & 255, (w >> 8) & 255, w >> 16, h & 255, (h >> 8) & 255, h >> 16]))).toMatchObject({
      ok: true,
      image: { width: 10000, height: 6000 },
    });
  });

  it('names what a non-image is, and refuses damaged or zero-sized headers', () => {
    expect(sniffImage(new Uint8Array(text('hello, world')))).toEqual({ ok: false, reason: 'it is not a PNG, JPEG or WebP image' });
    expect(sniffImage(new Uint8Array(text('GIF89a......')))).toEqual({ ok: false, reason: 'it is a GIF, not a PNG, JPEG or WebP image' });
    expect(sniffImage(new Uint8Array(text('%PDF-1.7')))).toMatchObject({ ok: false, reason: expect.stringContaining('a PDF') });
    expect(sniffImage(new Uint8Array(0))).toMatchObject({ ok: false });
    expect(sniffImage(png(320, 200).slice(0, 20))).toMatchObject({ ok: false, reason: expect.stringContaining('damaged PNG') });
    expect(sniffImage(jpeg(320, 200).slice(0, 24))).toMatchObject({ ok: false, reason: expect.stringContaining('damaged JPEG') });
    expect(sniffImage(png(0, 200))).toMatchObject({ ok: false, reason: 'it says its size is 0×200 pixels' });
  });

  it('exifOrientation ignores bad blocks', () => {
    expect(exifOrientation(new Uint8Array(tiff(9, 'MM')), 0, 26)).toBe(1);
    expect(exifOrientation(new Uint8Array([1, 2, 3]), 0, 3)).toBe(1);
    expect(exifOrientation(new Uint8Array(tiff(7, 'II')), 0, 26)).toBe(7);
  });
});
