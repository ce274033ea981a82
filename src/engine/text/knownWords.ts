/**
 * Which words of a prompt a closed-vocabulary model was never trained on. The Scenes tokenizer
 * cannot say (it spells an unseen word like "cat" in letters, never as `<unk>`), so the package
 * lists its training words in `textEncoder.knownWords` and this compares the prompt against them.
 */

/** Letters and digits in any script; what is left of a word once its edge punctuation is gone. */
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/**
 * The words of `text` as the tokenizers normalise them (NFKC, lower case), split on white space,
 * without edge punctuation ("sunset," → "sunset"); pure punctuation is not a word.
 */
export function promptWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/u)
    .map((w) => w.replace(EDGE_PUNCTUATION, ''))
    .filter((w) => w !== '');
}

/**
 * The distinct words of `text` outside `known`, in the order they first appear. A hyphenated
 * word counts as known when it is listed or when each of its parts is ("air-balloon").
 */
export function unknownWords(text: string, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const word of promptWords(text)) {
    if (known.has(word) || out.includes(word)) continue;
    const parts = word.split('-').filter((p) => p !== '');
    if (parts.length > 1 && parts.every((p) => known.has(p))) continue;
    out.push(word);
  }
  return out;
}
