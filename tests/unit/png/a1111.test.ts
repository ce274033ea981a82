import { describe, expect, it } from 'vitest';
import { formatA1111, parseA1111, ParametersError, type GenerationParams } from '../../../src/engine/png';
import { TYPICAL_PARAMS } from './pngTestUtils';

const doc: GenerationParams = TYPICAL_PARAMS;
const DOC_TEXT =
  'a red hot-air balloon over the sea at sunset\n' +
  'Negative prompt: blurry\n' +
  'Steps: 12, Sampler: MaskGIT, CFG scale: 4, Seed: 1234, Size: 256x256, Model: scenes, Super-res steps: 8, Super-res CFG scale: 2, Temperature: 1';

function parseError(text: string): ParametersError {
  try {
    parseA1111(text);
  } catch (e) {
    if (e instanceof ParametersError) return e;
    throw e;
  }
  throw new Error('expected a ParametersError');
}

describe('formatA1111', () => {
  it('writes the layout in docs/ENGINE_API.md', () => {
    expect(formatA1111(doc)).toBe(DOC_TEXT);
  });

  it('omits an empty negative prompt and absent optional keys', () => {
    const p = { prompt: 'x', negativePrompt: '', seed: 0, steps: 1, guidance: 0, width: 64, height: 32, model: 'm' };
    expect(formatA1111(p)).toBe('x\nSteps: 1, Sampler: MaskGIT, CFG scale: 0, Seed: 0, Size: 64x32, Model: m');
  });

  it('quotes values with commas, quotes or colons, and writes extras last', () => {
    const text = formatA1111({ ...doc, model: 'a, b', guidanceRamp: 'linear', extra: { Note: 'say "hi": now' } });
    expect(text.split('\n').at(-1)).toBe(
      'Steps: 12, Sampler: MaskGIT, CFG scale: 4, Seed: 1234, Size: 256x256, Model: "a, b", Super-res steps: 8, ' +
        'Super-res CFG scale: 2, Temperature: 1, Guidance ramp: linear, Note: "say \\"hi\\": now"',
    );
  });

  it('adds exact Prompt/Negative prompt keys when a prompt line starts with "Negative prompt:"', () => {
    const p = { ...doc, prompt: 'cat\nNegative prompt: not really' };
    const text = formatA1111(p);
    expect(text).toContain('Prompt: "cat\\nNegative prompt: not really", Negative prompt: "blurry"');
    expect(parseA1111(text)).toEqual(p);
  });

  it.each<[string, Partial<GenerationParams>, string]>([
    ['negative seed', { seed: -1 }, 'Seed'],
    ['seed above uint32', { seed: 2 ** 32 }, 'Seed'],
    ['fractional steps', { steps: 2.5 }, 'Steps'],
    ['NaN guidance', { guidance: NaN }, 'CFG scale'],
    ['zero temperature', { temperature: 0 }, 'Temperature'],
    ['zero width', { width: 0 }, 'Size'],
    ['empty model', { model: ' ' }, 'Model'],
    ['bad ramp', { guidanceRamp: 'cosine' as 'linear' }, 'Guidance ramp'],
    ['extra key with a colon', { extra: { 'a:b': 'x' } }, 'a:b'],
    ['extra key shadowing a known key', { extra: { Seed: '3' } }, 'Seed'],
  ])('refuses %s', (_name, patch, key) => {
    expect(() => formatA1111({ ...doc, ...patch })).toThrow(ParametersError);
    try {
      formatA1111({ ...doc, ...patch });
    } catch (e) {
      expect((e as ParametersError).key).toBe(key);
    }
  });
});

describe('parseA1111', () => {
  it('reads the documented example', () => {
    expect(parseA1111(DOC_TEXT)).toEqual(doc);
  });

  it('reads a parameters line alone (empty prompt) and tolerates CRLF and trailing newlines', () => {
    const p = parseA1111('Steps: 3, CFG scale: 1.5, Seed: 7, Size: 8x16, Model: tiny\r\n\n');
    expect(p).toEqual({ prompt: '', negativePrompt: '', steps: 3, guidance: 1.5, seed: 7, width: 8, height: 16, model: 'tiny' });
  });

  it('reads multi-line prompts and negative prompts', () => {
    const p = parseA1111('one\ntwo, with Negative prompt: inside\nNegative prompt: bad\nworse\nSteps: 1, CFG scale: 1, Seed: 1, Size: 1x1, Model: m');
    expect(p.prompt).toBe('one\ntwo, with Negative prompt: inside');
    expect(p.negativePrompt).toBe('bad\nworse');
  });

  it('keeps unknown keys (unquoted) in extra and ignores the sampler name', () => {
    const p = parseA1111(
      'cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: abc123, Model: sd15, ' +
        'Lora hashes: "x: 1, y: 2", Version: v1.10.1',
    );
    expect(p.extra).toEqual({ 'Model hash': 'abc123', 'Lora hashes': 'x: 1, y: 2', Version: 'v1.10.1' });
    expect(p).toMatchObject({ steps: 20, guidance: 7, seed: 42, width: 512, height: 512, model: 'sd15' });
  });

  it('round-trips awkward numbers exactly', () => {
    const p = { ...doc, guidance: 0.1 + 0.2, temperature: 1e-7, superResGuidance: 12.5 };
    expect(parseA1111(formatA1111(p))).toEqual(p);
  });

  it.each<[string, string, string | undefined, RegExp]>([
    ['empty text', '', undefined, /empty/],
    ['no settings line', 'just a prompt\nover two lines', undefined, /settings line/],
    ['missing Seed', 'p\nSteps: 1, CFG scale: 1, Size: 1x1, Model: m', 'Seed', /Seed is missing/],
    ['missing Model', 'p\nSteps: 1, CFG scale: 1, Seed: 1, Size: 1x1', 'Model', /Model is missing/],
    ['text Seed', 'p\nSteps: 1, CFG scale: 1, Seed: abc, Size: 1x1, Model: m', 'Seed', /Seed must be a whole number from 0 to 4294967295 \(got "abc"\)/],
    ['negative Seed', 'p\nSteps: 1, CFG scale: 1, Seed: -1, Size: 1x1, Model: m', 'Seed', /Seed must be/],
    ['hex Steps', 'p\nSteps: 0x10, CFG scale: 1, Seed: 1, Size: 1x1, Model: m', 'Steps', /Steps must be/],
    ['empty CFG', 'p\nSteps: 1, CFG scale: , Seed: 1, Size: 1x1, Model: m', 'CFG scale', /CFG scale must be/],
    ['bad Size', 'p\nSteps: 1, CFG scale: 1, Seed: 1, Size: 256, Model: m', 'Size', /Size must be WIDTHxHEIGHT/],
    ['bad ramp', 'p\nSteps: 1, CFG scale: 1, Seed: 1, Size: 1x1, Model: m, Guidance ramp: cosine', 'Guidance ramp', /Guidance ramp/],
    ['Infinity temperature', 'p\nSteps: 1, CFG scale: 1, Seed: 1, Size: 1x1, Model: m, Temperature: Infinity', 'Temperature', /Temperature/],
    ['duplicate Seed', 'p\nSteps: 1, CFG scale: 1, Seed: 1, Seed: 2, Size: 1x1, Model: m', 'Seed', /more than once/],
    ['unterminated quote', 'p\nSteps: 1, CFG scale: 1, Seed: 1, Size: 1x1, Model: "m', undefined, /settings line/],
  ])('rejects %s', (_name, text, key, message) => {
    const e = parseError(text);
    expect(e.message).toMatch(message);
    expect(e.key).toBe(key);
  });
});
