import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  encodePng,
  formatA1111,
  parseA1111,
  PngError,
  readPngText,
  storedDeflate,
  type GenerationParams,
} from '../../../src/engine/png';
import { decodePixels, listChunks, testImage } from './pngTestUtils';

const zlib = (b: Uint8Array) => new Uint8Array(deflateSync(b));

const base: GenerationParams = {
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

async function roundTrip(p: GenerationParams): Promise<GenerationParams> {
  const png = await encodePng(testImage(4, 3), { parameters: formatA1111(p) }, zlib);
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
    const png = await encodePng(testImage(2, 2), { parameters: 'café', Comment: '東京' }, zlib);
    const chunks = listChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'iTXt', 'IDAT', 'IEND']);
    expect(Buffer.from(chunks[1]!.data).toString('latin1')).toBe('parameters\0café');
    expect(Buffer.from(chunks[2]!.data)).toEqual(Buffer.concat([Buffer.from('Comment\0\0\0\0\0'), Buffer.from('東京')]));
    expect(readPngText(png)).toEqual({ parameters: 'café', Comment: '東京' });
  });
});

describe('encodePng pixels', () => {
  it.each([
    ['zlib', zlib],
    ['storedDeflate', storedDeflate],
  ])('RGBA pixels survive (%s)', async (_name, deflate) => {
    const img = testImage(37, 23, { opaque: false });
    const png = await encodePng(img, {}, deflate);
    const decoded = decodePixels(png);
    expect(decoded.colorType).toBe(6);
    expect([decoded.width, decoded.height]).toEqual([37, 23]);
    expect(decoded.data).toEqual(new Uint8Array(img.data));
  });

  it('writes RGB when every pixel is opaque, and pixels survive', async () => {
    const img = testImage(64, 64);
    const decoded = decodePixels(await encodePng(img, {}, zlib));
    expect(decoded.colorType).toBe(2);
    expect(decoded.data).toEqual(new Uint8Array(img.data));
  });

  it('uses more than one filter type on a mixed image', async () => {
    const png = await encodePng(testImage(64, 64), {}, storedDeflate);
    const raw = listChunks(png).find((c) => c.type === 'IDAT')!.data;
    // storedDeflate: 2-byte header, then 5-byte block header; rows are 1 + 64*3 bytes.
    const filters = new Set<number>();
    for (let y = 0; y < 64; y++) filters.add(raw[2 + 5 + y * 193]!);
    expect(filters.size).toBeGreaterThan(1);
  });

  it('stores images larger than one stored block (64 KiB)', async () => {
    const img = testImage(200, 120, { opaque: false }); // 96,120 filtered bytes
    expect(decodePixels(await encodePng(img, {}, storedDeflate)).data).toEqual(new Uint8Array(img.data));
  });

  it('is deterministic', async () => {
    const text = { parameters: formatA1111(base) };
    const a = await encodePng(testImage(16, 16), text, zlib);
    const b = await encodePng(testImage(16, 16), text, zlib);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = await encodePng(testImage(16, 16), text, storedDeflate);
    const d = await encodePng(testImage(16, 16), text, async (x) => storedDeflate(x));
    expect(Buffer.from(c).equals(Buffer.from(d))).toBe(true);
  });
});

describe('encodePng input checks', () => {
  it('rejects data of the wrong length', async () => {
    const img = { width: 2, height: 2, data: new Uint8ClampedArray(15) };
    await expect(encodePng(img, {}, zlib)).rejects.toThrow(/needs 16/);
  });

  it('rejects a zero or fractional size', async () => {
    await expect(encodePng({ width: 0, height: 1, data: new Uint8ClampedArray(0) }, {}, zlib)).rejects.toThrow(PngError);
    await expect(encodePng({ width: 1.5, height: 1, data: new Uint8ClampedArray(6) }, {}, zlib)).rejects.toThrow(/size/);
  });

  it('rejects a raw-deflate compressor', async () => {
    const raw = () => new Uint8Array([0x63, 0x60, 0x00, 0x00, 0x00, 0x02]);
    await expect(encodePng(testImage(1, 1), {}, raw)).rejects.toThrow(/zlib stream/);
  });

  it.each(['', ' lead', 'trail ', 'two  spaces', 'x'.repeat(80), 'naïve✓'])('rejects keyword %j', async (keyword) => {
    await expect(encodePng(testImage(1, 1), { [keyword]: 'v' }, zlib)).rejects.toThrow(/invalid PNG text keyword/);
  });

  it('rejects NUL in text', async () => {
    await expect(encodePng(testImage(1, 1), { parameters: 'a\0b' }, zlib)).rejects.toThrow(/NUL/);
  });
});
