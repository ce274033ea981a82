import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  encodePng,
  insertPngText,
  ParametersError,
  PngError,
  readPngParameters,
  readPngText,
  formatA1111,
} from '../../../src/engine/png';
import { decodePixels, listChunks, testImage } from './pngTestUtils';


function errorOf(fn: () => unknown): PngError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PngError) return e;
    throw e;
  }
  throw new Error('expected a PngError');
}

/** A chunk built by hand, for inputs our writer refuses to produce. */
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

async function samplePng(text: Record<string, string> = { parameters: 'hello' }) {
  return encodePng(testImage(3, 2), text);
}

describe('readPngText errors', () => {
  it('rejects a file that is not a PNG', () => {
    const e = errorOf(() => readPngText(new TextEncoder().encode('GIF89a, definitely not a png')));
    expect(e.code).toBe('not-png');
    expect(e.message).toBe('not a PNG file');
    expect(errorOf(() => readPngText(new Uint8Array(0))).code).toBe('not-png');
  });

  it('names the chunk with a bad CRC', async () => {
    const png = await samplePng();
    const text = listChunks(png).find((c) => c.type === 'tEXt')!;
    png[text.data.byteOffset + 2] ^= 0xff; // flip a byte inside the tEXt data
    const e = errorOf(() => readPngText(png));
    expect(e).toMatchObject({ code: 'bad-crc', chunk: 'tEXt' });
    expect(e.message).toMatch(/^PNG chunk tEXt has a bad CRC/);
  });

  it('reports truncation at every cut point', async () => {
    const png = await samplePng();
    for (let n = 1; n < png.length; n++) {
      const e = errorOf(() => readPngText(png.subarray(0, n)));
      expect(e.code, `cut at ${n}`).toBe('truncated');
    }
    expect(errorOf(() => readPngText(png.subarray(0, 40))).message).toMatch(/truncated/);
  });

  it('requires IHDR first', () => {
    const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IEND', new Uint8Array(0))]);
    expect(errorOf(() => readPngText(png)).message).toMatch(/IHDR/);
  });

  it('rejects an invalid chunk type', async () => {
    const png = await samplePng();
    png[8 + 4] = 0x31; // "1HDR"
    expect(errorOf(() => readPngText(png))).toMatchObject({ code: 'malformed' });
  });

  it('rejects iTXt that is not UTF-8', async () => {
    const png = await samplePng({});
    const bad = chunk('iTXt', Uint8Array.from([...Buffer.from('k\0\0\0\0\0'), 0xff, 0xfe]));
    const withBad = Buffer.concat([png.subarray(0, 33), bad, png.subarray(33)]);
    expect(errorOf(() => readPngText(withBad)).message).toMatch(/UTF-8/);
  });
});

describe('readPngText', () => {
  it('skips zTXt and compressed iTXt, and lets a repeated keyword take the last value', async () => {
    const png = await samplePng({});
    const extra = Buffer.concat([
      chunk('tEXt', Buffer.from('k\0first', 'latin1')),
      chunk('zTXt', Buffer.concat([Buffer.from('z\0\0'), deflateSync('zipped')])),
      chunk('iTXt', Buffer.concat([Buffer.from('c\0\x01\0\0\0'), deflateSync('zipped')])),
      chunk('tEXt', Buffer.from('k\0second', 'latin1')),
    ]);
    const merged = Buffer.concat([png.subarray(0, 33), extra, png.subarray(33)]);
    expect(readPngText(merged)).toEqual({ k: 'second' });
  });

  it('keeps a "__proto__" keyword as plain data', async () => {
    const text = readPngText(await samplePng({ __proto__x: 'a' }));
    expect(text).toEqual({ __proto__x: 'a' });
    const png = await samplePng({});
    const withProto = Buffer.concat([png.subarray(0, 33), chunk('tEXt', Buffer.from('__proto__\0x')), png.subarray(33)]);
    const out = readPngText(withProto);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('ignores bytes after IEND', async () => {
    const png = Buffer.concat([await samplePng(), Buffer.from('trailing junk')]);
    expect(readPngText(png)).toEqual({ parameters: 'hello' });
  });
});

describe('insertPngText', () => {
  it('adds text after IHDR and keeps the other chunks byte for byte', async () => {
    const png = await samplePng({ Software: 'canvas' });
    const out = insertPngText(png, { parameters: 'a\nb', Title: 'タイトル' });
    expect(listChunks(out).map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'iTXt', 'tEXt', 'IDAT', 'IEND']);
    expect(readPngText(out)).toEqual({ parameters: 'a\nb', Title: 'タイトル', Software: 'canvas' });
    expect(decodePixels(out).data).toEqual(decodePixels(png).data);
    const idat = (b: Uint8Array) => Buffer.from(listChunks(b).find((c) => c.type === 'IDAT')!.data);
    expect(idat(out).equals(idat(png))).toBe(true);
  });

  it('replaces existing chunks with the same keyword, whatever their type', async () => {
    const png = await samplePng({ parameters: 'old', other: 'kept' });
    const withZ = Buffer.concat([png.subarray(0, 33), chunk('zTXt', Buffer.concat([Buffer.from('parameters\0\0'), deflateSync('older')])), png.subarray(33)]);
    const out = insertPngText(withZ, { parameters: 'new' });
    expect(readPngText(out)).toEqual({ parameters: 'new', other: 'kept' });
    expect(listChunks(out).filter((c) => c.type !== 'IDAT' && c.type !== 'IHDR' && c.type !== 'IEND')).toHaveLength(2);
  });

  it('is idempotent', async () => {
    const png = await samplePng({});
    const once = insertPngText(png, { parameters: 'x' });
    expect(Buffer.from(insertPngText(once, { parameters: 'x' })).equals(Buffer.from(once))).toBe(true);
  });

  it('refuses a damaged PNG', async () => {
    const png = await samplePng();
    png[png.length - 1] ^= 1; // IEND CRC
    expect(() => insertPngText(png, { parameters: 'x' })).toThrow(/IEND has a bad CRC/);
    expect(() => insertPngText(new Uint8Array([1, 2, 3]), {})).toThrow('not a PNG file');
  });
});

describe('readPngParameters', () => {
  const params = { prompt: 'p', negativePrompt: '', seed: 1, steps: 2, guidance: 3, width: 8, height: 8, model: 'm' };

  it('reads the parameters chunk', async () => {
    expect(readPngParameters(await samplePng({ parameters: formatA1111(params) }))).toEqual(params);
  });

  it('says when there is no parameters chunk', async () => {
    const png = await samplePng({ Software: 'x' });
    expect(() => readPngParameters(png)).toThrow(ParametersError);
    expect(() => readPngParameters(new Uint8Array(4))).toThrow(PngError);
  });
});
