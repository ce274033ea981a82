import { describe, expect, it } from 'vitest';
import { PackageError } from '../../../src/engine/errors';
import { loadTokenizer, padIds } from '../../../src/engine/text/tokenizer';
import { FIXTURE_TOKENIZER } from './helpers/fakePackage';

// The fixture's tokenizer.json: Unigram, NFKC + Lowercase, Metaspace, TemplateProcessing "$A </s>";
// ids <pad> 0, </s> 1, <unk> 2. Expected ids come from the Python `tokenizers` library on the
// same file (the reference implementation).
const json: unknown = JSON.parse(new TextDecoder().decode(FIXTURE_TOKENIZER));
const LONG = 'a red hot-air balloon over the sea at sunset with three boats';
// 17 ids: whole words where the vocabulary has them ("▁hot-air"), pieces where not ("▁w i t h").
const LONG_IDS = [11, 66, 39, 37, 53, 18, 54, 20, 34, 67, 13, 4, 10, 42, 38, 16, 1];

describe('loadTokenizer (@huggingface/tokenizers on a Unigram tokenizer.json)', () => {
  const tok = loadTokenizer(json, { maxLength: 16, padTokenId: 0 }, 'text_encoder/tokenizer.json');

  it('matches the reference tokenizer, including NFKC and lower-casing', () => {
    expect(tok.encode('a red house')).toEqual({ ids: [11, 66, 40, 1], truncated: false });
    expect(tok.encode('A RED House').ids).toEqual([11, 66, 40, 1]);
    // The ligature ﬁ is NFKC-normalised to "f" + "i": "f" is not in the vocabulary (<unk> = 2), "i" is 13.
    expect(tok.encode('ﬁve').ids).toEqual([71, 2, 13, 26, 3, 1]);
    expect(tok.encode('')).toEqual({ ids: [1], truncated: false });
  });

  it('truncates to maxLength, keeping </s> last, and says so', () => {
    const r = tok.encode(LONG);
    expect(r.truncated).toBe(true);
    expect(r.ids).toHaveLength(16);
    expect(r.ids).toEqual([...LONG_IDS.slice(0, 15), 1]);
  });

  it('a prompt of exactly maxLength tokens is not truncated', () => {
    const exact = loadTokenizer(json, { maxLength: 4, padTokenId: 0 }, 't.json');
    expect(exact.encode('a red house')).toEqual({ ids: [11, 66, 40, 1], truncated: false });
    const short = loadTokenizer(json, { maxLength: 3, padTokenId: 0 }, 't.json').encode('a red house');
    expect(short).toEqual({ ids: [11, 66, 1], truncated: true });
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
