/**
 * Words a tokenizer cannot read at all: those it maps to its unknown token (issue 14.4). The
 * note under the prompt lists them for tokenizers that have one, beside the package's
 * knownWords list for closed-vocabulary models whose tokenizer spells unseen words instead.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../src/engine/text/tokenizer';

/** A tiny WordPiece tokenizer.json (BERT-style) whose unknown token is `<unk>`: a whole word it cannot split becomes `<unk>`. */
const WORDPIECE = {
  version: '1.0',
  added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: { type: 'Lowercase' },
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordPiece', unk_token: '<unk>', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: { '<unk>': 0, a: 1, red: 2, house: 3, '##s': 4, by: 5, the: 6, sea: 7, ',': 8 } },
};

const load = (json: unknown) => loadTokenizer(json, { maxLength: 16, padTokenId: 0 }, 'tokenizer.json');

describe('TextTokenizer.unknownWords', () => {
  const tok = load(WORDPIECE);

  it('names each word the tokenizer maps to <unk>, once, in prompt order', () => {
    expect(tok.encode('a cat').ids).toEqual([1, 0]);
    expect(tok.unknownWords('A red cat wearing a hat, a CAT')).toEqual(['cat', 'wearing', 'hat']);
  });

  it('has nothing to say when every word is in its vocabulary, pieces and punctuation included', () => {
    expect(tok.unknownWords('Red houses by the sea,')).toEqual([]);
    expect(tok.unknownWords('')).toEqual([]);
  });

  it('names the words the Scenes tokenizer cannot spell (characters it never saw), not its unseen words', () => {
    const scenes = load(JSON.parse(readFileSync(new URL('../../../models/scenes/text_encoder/tokenizer.json', import.meta.url), 'utf8')));
    expect(scenes.unknownWords('a red cat and a 猫 by the café')).toEqual(['猫', 'café']);
  });

  it('is silent for a byte-level BPE (CLIP), which has a token for every byte', () => {
    const clip = load(JSON.parse(readFileSync(new URL('../../fixtures/amused-tiny/text_encoder/tokenizer.json', import.meta.url), 'utf8')));
    expect(clip.unknownWords('a cat 🚀 猫')).toEqual([]);
  });
});
