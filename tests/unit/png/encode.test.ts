import { inflateSync } from 'node:zlib';
import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  encodePng,
  formatA1111,
  parseA1111,
  PngError,
  readPngText,
  type GenerationParams,
} from '../../../src/engine/png';
import { decodePixels, listChunks, testImage, TYPICAL_PARAMS } from './pngTestUtils';

const base: GenerationParams = TYPICAL_PARAMS;

async function roundTrip(p: GenerationParams): Promise<GenerationParams> {
  const png = encodePng(testImage(4, 3), { parameters: formatA1111(p) });
  return parseA1111(readPngText(png).parameters!);
}

describe('encodePng → readPngText → parseA1111', () => {
  it.each<[string, Partial<GenerationParams>]>([
    ['plain', {}],
    ['unicode prompt', { prompt: '富士山の夕焼け 🌅, ünïcödé', negativePrompt: 'ぼやけた' }],
    ['empty prompt and negative prompt', { prompt: '', negativePrompt: '' }],
    ['empty prompt with a negative prompt', { prompt: '', negativePrompt: 'noise' }],
    ['multi-line prompt', { prompt: 'line one\nline two\n\nline four', negativePrompt: 'a\nb' }],
    ['commas and quotes', { prompt: 'a "quoted", comma, prompt: yes', negativePrompt: 'x, "y"', model: 'my, "model"' }],
    ['"Negative prompt:" mid-line', { prompt: 'a sign reading Negative prompt: none' }],
    ['"Negative prompt:" at a prompt line start', { prompt: 'cat\nNegative prompt: in the prompt', negativePrompt: 'dog' }],
    ['only required keys', { superResSteps: undefined, superResGuidance: undefined, temperature: undefined }],
    ['ramp and extras', { guidanceRamp: 'linear', extra: { Version: '0.1.0', Note: 'a, b: "c"' } }],
  ])('%s', async (_name, patch) => {
    const p = { ...base, ...patch } as GenerationParams;
    for (const k of Object.keys(p) as (keyof GenerationParams)[]) if (p[k] === undefined) delete p[k];
    expect(await roundTrip(p)).toEqual(p);
  });

  it('writes Latin-1 text as tEXt and other text as uncompressed iTXt', async () => {
    const png = encodePng(testImage(2, 2), { parameters: 'café', Comment: '東京' });
    const chunks = listChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'iTXt', 'IDAT', 'IEND']);
    expect(Buffer.from(chunks[1]!.data).toString('latin1')).toBe('parameters\0café');
    expect(Buffer.from(chunks[2]!.data)).toEqual(Buffer.concat([Buffer.from('Comment\0\0\0\0\0'), Buffer.from('東京')]));
    expect(readPngText(png)).toEqual({ parameters: 'café', Comment: '東京' });
  });
});

describe('encodePng pixels', () => {
  it('RGBA pixels survive', () => {
    const img = testImage(37, 23, { opaque: false });
    const png = encodePng(img, {});
    const decoded = decodePixels(png);
    expect(decoded.colorType).toBe(6);
    expect([decoded.width, decoded.height]).toEqual([37, 23]);
    expect(decoded.data).toEqual(new Uint8Array(img.data));
  });

  it('writes RGB when every pixel is opaque, and pixels survive', async () => {
    const img = testImage(64, 64);
    const decoded = decodePixels(encodePng(img, {}));
    expect(decoded.colorType).toBe(2);
    expect(decoded.data).toEqual(new Uint8Array(img.data));
  });

  it('uses more than one filter type on a mixed image', () => {
    const png = encodePng(testImage(64, 64), {});
    const raw = unzlibSync(listChunks(png).find((c) => c.type === 'IDAT')!.data);
    // Rows are 1 filter byte + 64*3 bytes.
    const filters = new Set<number>();
    for (let y = 0; y < 64; y++) filters.add(raw[y * 193]!);
    expect(filters.size).toBeGreaterThan(1);
  });

  it('writes a zlib stream any inflater reads (node:zlib here, fflate in the worker)', () => {
    const img = testImage(200, 120, { opaque: false });
    const idat = listChunks(encodePng(img, {})).find((c) => c.type === 'IDAT')!.data;
    expect(Buffer.from(inflateSync(idat)).equals(Buffer.from(unzlibSync(idat)))).toBe(true);
    expect(decodePixels(encodePng(img, {})).data).toEqual(new Uint8Array(img.data));
  });

  it('is deterministic', () => {
    const text = { parameters: formatA1111(base) };
    const a = encodePng(testImage(16, 16), text);
    const b = encodePng(testImage(16, 16), text);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});

describe('encodePng input checks', () => {
  it('rejects data of the wrong length', () => {
    const img = { width: 2, height: 2, data: new Uint8ClampedArray(15) };
    expect(() => encodePng(img, {})).toThrow(/needs 16/);
  });

  it('rejects a zero or fractional size', () => {
    expect(() => encodePng({ width: 0, height: 1, data: new Uint8ClampedArray(0) }, {})).toThrow(PngError);
    expect(() => encodePng({ width: 1.5, height: 1, data: new Uint8ClampedArray(6) }, {})).toThrow(/size/);
  });

  it.each(['', ' lead', 'trail ', 'two  spaces', 'x'.repeat(80), 'naïve✓'])('rejects keyword %j', (keyword) => {
    expect(() => encodePng(testImage(1, 1), { [keyword]: 'v' })).toThrow(/invalid PNG text keyword/);
  });

  it('rejects NUL in text', () => {
    expect(() => encodePng(testImage(1, 1), { parameters: 'a\0b' })).toThrow(/NUL/);
  });
});
