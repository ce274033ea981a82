import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/engine/manifest/parse';
import { loadTokenizer } from '../../../src/engine/text/tokenizer';
import { promptWords, unknownWords } from '../../../src/engine/text/knownWords';
import { baseManifest, fakeFiles, setPath, withFiles } from './helpers/fakePackage';

const scenes = JSON.parse(readFileSync(new URL('../../../models/scenes/manifest.json', import.meta.url), 'utf8')) as {
  textEncoder: { knownWords: string[] };
};
const SCENES_WORDS = new Set(scenes.textEncoder.knownWords);

describe('unknownWords (prompt words a closed-vocabulary model never saw)', () => {
  it('names the words the Scenes model does not know, once each, in prompt order', () => {
    expect(unknownWords('a cat wearing a hat', SCENES_WORDS)).toEqual(['cat', 'wearing', 'hat']);
    expect(unknownWords('A cat, a CAT and a hat.', SCENES_WORDS)).toEqual(['cat', 'hat']);
  });

  it('has nothing to say about a prompt in the training vocabulary, whatever its case and punctuation', () => {
    expect(unknownWords('A red hot-air balloon by the sea at Sunset, with two trees on the left.', SCENES_WORDS)).toEqual([]);
    expect(unknownWords('three little houses in a grassy meadow (evening)', SCENES_WORDS)).toEqual([]);
    expect(unknownWords('', SCENES_WORDS)).toEqual([]);
  });

  it('accepts a hyphenated word whose parts are known, and names digits and other scripts', () => {
    expect(unknownWords('a red-white boat', SCENES_WORDS)).toEqual([]);
    expect(unknownWords('a red-hat boat', SCENES_WORDS)).toEqual(['red-hat']);
    expect(unknownWords('3 boats and a 🚀 and ein Baum', SCENES_WORDS)).toEqual(['3', 'ein', 'baum']);
  });

  it('normalises like the tokenizer (NFKC, lower case) and drops edge punctuation only', () => {
    expect(promptWords('  ＲＥＤ  house,\n"sunset"  — ')).toEqual(['red', 'house', 'sunset']);
  });
});

describe('why the package lists its words: the Scenes tokenizer cannot tell', () => {
  it('spells "cat" in letters instead of mapping it to <unk>', () => {
    const json: unknown = JSON.parse(readFileSync(new URL('../../../models/scenes/text_encoder/tokenizer.json', import.meta.url), 'utf8'));
    const tok = loadTokenizer(json, { maxLength: 32, padTokenId: 0 }, 'text_encoder/tokenizer.json');
    const UNK = 2;
    expect(tok.encode('a cat wearing a hat').ids).not.toContain(UNK);
  });
});

describe('textEncoder.knownWords in the manifest', () => {
  const valid = () => withFiles(baseManifest(), fakeFiles());
  it('is optional and kept when present', () => {
    expect(parseManifest(valid()).textEncoder.knownWords).toBeUndefined();
    expect(parseManifest(setPath(valid(), 'textEncoder.knownWords', ['red', 'hot-air'])).textEncoder.knownWords).toEqual(['red', 'hot-air']);
  });
  it('refuses upper case, spaces and repeats, naming the field', () => {
    for (const bad of [['Red'], ['hot air'], ['red', 'red'], 'red']) {
      expect(() => parseManifest(setPath(valid(), 'textEncoder.knownWords', bad))).toThrow(/knownWords/);
    }
  });
});
