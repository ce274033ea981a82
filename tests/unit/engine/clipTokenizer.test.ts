/**
 * The engine's tokenization of CLIP packages (byte-level BPE with `</w>` word ends, via
 * @huggingface/tokenizers) against the pipeline's own: transformers' CLIPTokenizer with
 * padding="max_length" and truncation, on the aMUSEd-layout fixture's tokenizer
 * (tests/fixtures/amused-tiny-expected.json, written by training/make_amused_fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer, padIds } from '../../../src/engine/text/tokenizer';

interface Expected {
  maxLength: number;
  padTokenId: number;
  ids: Record<string, number[]>;
}
const expected = JSON.parse(readFileSync(new URL('../../fixtures/amused-tiny-expected.json', import.meta.url), 'utf8')) as Expected;
const json: unknown = JSON.parse(readFileSync(new URL('../../fixtures/amused-tiny/text_encoder/tokenizer.json', import.meta.url), 'utf8'));
const BOS = 587;
const EOS = 588;

describe('CLIP tokenizer.json through the engine', () => {
  const tok = loadTokenizer(json, { maxLength: expected.maxLength, padTokenId: expected.padTokenId }, 'text_encoder/tokenizer.json');

  it.each(Object.keys(expected.ids))('%j: ids padded to 77 equal transformers\' CLIPTokenizer', (prompt) => {
    const { ids } = tok.encode(prompt);
    const padded = Array.from(padIds(ids, expected.maxLength, expected.padTokenId).inputIds, Number);
    expect(padded).toEqual(expected.ids[prompt]);
  });

  it('adds <|startoftext|> and <|endoftext|>; "" is just the two', () => {
    expect(tok.encode('')).toEqual({ ids: [BOS, EOS], truncated: false });
    const ids = tok.encode('a photo of a red cat').ids;
    expect(ids[0]).toBe(BOS);
    expect(ids[ids.length - 1]).toBe(EOS);
  });

  it('truncates to 77 keeping <|endoftext|> last, and says so', () => {
    const long = Object.keys(expected.ids).find((p) => p.length > 300)!;
    const r = tok.encode(long);
    expect(r.truncated).toBe(true);
    expect(r.ids).toHaveLength(77);
    expect(r.ids[0]).toBe(BOS);
    expect(r.ids[76]).toBe(EOS);
  });
});
