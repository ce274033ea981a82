import { describe, expect, it } from 'vitest';
import { PackageError } from '../../../src/engine/errors';
import { loadTokenizer, padIds } from '../../../src/engine/text/tokenizer';
import { FIXTURE_TOKENIZER } from './helpers/fakePackage';

// The fixture's tokenizer.json: Unigram, NFKC + Lowercase, Metaspace, TemplateProcessing "$A </s>";
// ids <pad> 0, </s> 1, <unk> 2. Expected ids come from the Python `tokenizers` library on the
// same file (the reference implementation).
const json: unknown = JSON.parse(new TextDecoder().decode(FIXTURE_TOKENIZER));
const LONG = 'a red hot-air balloon over the sea at sunset with three boats';
const LONG_IDS = [3, 6, 3, 11, 5, 16, 25, 4, 26, 6, 9, 11, 3, 14, 6, 22, 8, 7, 3, 21, 11, 18, 5, 3, 10, 5, 6, 3, 6, 4, 3, 10, 33, 10, 5, 4, 3, 17, 9, 4, 12, 18, 20, 3, 14, 8, 6, 4, 10, 1];

describe('loadTokenizer (@huggingface/tokenizers on a Unigram tokenizer.json)', () => {
  const tok = loadTokenizer(json, { maxLength: 16, padTokenId: 0 }, 'text_encoder/tokenizer.json');

  it('matches the reference tokenizer, including NFKC and lower-casing', () => {
    expect(tok.encode('a red house')).toEqual({ ids: [3, 6, 3, 11, 5, 16, 25, 15, 10, 5, 1], truncated: false });
    expect(tok.encode('A RED House').ids).toEqual([3, 6, 3, 11, 5, 16, 25, 15, 10, 5, 1]);
    expect(tok.encode('ﬁve').ids).toEqual([3, 2, 9, 55, 1]); // the ligature ﬁ is NFKC-normalised to "fi"
    expect(tok.encode('')).toEqual({ ids: [1], truncated: false });
  });

  it('truncates to maxLength, keeping </s> last, and says so', () => {
    const r = tok.encode(LONG);
    expect(r.truncated).toBe(true);
    expect(r.ids).toHaveLength(16);
    expect(r.ids).toEqual([...LONG_IDS.slice(0, 15), 1]);
  });

  it('a prompt of exactly maxLength tokens is not truncated', () => {
    const exact = loadTokenizer(json, { maxLength: 11, padTokenId: 0 }, 't.json');
    expect(exact.encode('a red house')).toEqual({ ids: [3, 6, 3, 11, 5, 16, 25, 15, 10, 5, 1], truncated: false });
    const short = loadTokenizer(json, { maxLength: 10, padTokenId: 0 }, 't.json').encode('a red house');
    expect(short).toEqual({ ids: [3, 6, 3, 11, 5, 16, 25, 15, 10, 1], truncated: true });
  });

  it('refuses a maxLength with no room for text', () => {
    expect(() => loadTokenizer(json, { maxLength: 1, padTokenId: 0 }, 't.json')).toThrow(/adds 1 special tokens after the text/);
  });

  it('a file the library cannot use is a PackageError naming it', () => {
    expect(() => loadTokenizer({ model: { type: 'Nonsense' } }, { maxLength: 16, padTokenId: 0 }, 'tok.json')).toThrow(PackageError);
    expect(() => loadTokenizer({ model: { type: 'Nonsense' } }, { maxLength: 16, padTokenId: 0 }, 'tok.json')).toThrow(/^tok.json: /);
  });
});

describe('padIds', () => {
  it('pads with the pad id and masks padding with 0', () => {
    const { inputIds, mask } = padIds([5, 6, 1], 6, 0);
    expect(Array.from(inputIds)).toEqual([5n, 6n, 1n, 0n, 0n, 0n]);
    expect(Array.from(mask)).toEqual([1n, 1n, 1n, 0n, 0n, 0n]);
    expect(Array.from(padIds([1], 3, 9).inputIds)).toEqual([1n, 9n, 9n]);
    expect(() => padIds([1, 2, 3], 2, 0)).toThrow(/do not fit/);
  });
});
