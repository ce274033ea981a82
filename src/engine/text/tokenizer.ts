import { Tokenizer } from '@huggingface/tokenizers';
import { PackageError, describeError } from '../errors';
import { promptWords } from './knownWords';

/** Token ids of one prompt, before padding. */
export interface TokenizedText {
  /** At most maxLength ids, special tokens included (for T5, ending with `</s>`). */
  ids: number[];
  /** True when the prompt was longer than maxLength and its end was cut off. */
  truncated: boolean;
}

export interface TextTokenizer {
  readonly maxLength: number;
  readonly padTokenId: number;
  /** Tokenizes with the package's normaliser, pre-tokenizer and post-processor, then truncates. */
  encode(text: string): TokenizedText;
  /**
   * The distinct words of `text` (knownWords.ts `promptWords`) that this tokenizer maps, wholly
   * or in part, to its unknown token (`<unk>`): what the model cannot read at all. [] for a
   * tokenizer without one (byte-level BPE never needs it).
   */
  unknownWords(text: string): string[];
}

/** Finds `needle` as a contiguous run inside `hay`; returns its start or −1. */
function indexOfRun(hay: number[], needle: number[]): number {
  outer: for (let s = 0; s + needle.length <= hay.length; s++) {
    for (let k = 0; k < needle.length; k++) if (hay[s + k] !== needle[k]) continue outer;
    return s;
  }
  return -1;
}

/**
 * Loads a Hugging Face `tokenizer.json` (any model type @huggingface/tokenizers reads; the
 * embedded model uses Unigram + NFKC/Lowercase + Metaspace + a TemplateProcessing that appends
 * `</s>`). Throws a PackageError naming `file` when the library cannot build it.
 */
export function loadTokenizer(json: unknown, opts: { maxLength: number; padTokenId: number }, file: string): TextTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json as object, {});
  } catch (err) {
    throw new PackageError(`is not a usable tokenizer.json (${describeError(err)})`, file);
  }
  // How many special tokens the post-processor adds after the text (T5: one, `</s>`). Learned by
  // comparing a probe with and without special tokens, so truncation keeps them whatever they are.
  let suffix = 0;
  try {
    const full = tok.encode('a').ids;
    const plain = tok.encode('a', { add_special_tokens: false }).ids;
    const at = plain.length > 0 ? indexOfRun(full, plain) : -1;
    suffix = at >= 0 ? full.length - at - plain.length : 0;
  } catch (err) {
    throw new PackageError(`cannot encode text (${describeError(err)})`, file);
  }
  if (suffix >= opts.maxLength) {
    throw new PackageError(`adds ${suffix} special tokens after the text, more than maxLength ${opts.maxLength} allows`, file);
  }
  const { maxLength, padTokenId } = opts;
  const unkId = tok.model?.unk_token_id;
  return {
    maxLength,
    padTokenId,
    unknownWords(text: string): string[] {
      if (typeof unkId !== 'number') return [];
      const out: string[] = [];
      for (const word of promptWords(text)) {
        if (!out.includes(word) && tok.encode(word, { add_special_tokens: false }).ids.includes(unkId)) out.push(word);
      }
      return out;
    },
    encode(text: string): TokenizedText {
      const ids = tok.encode(text).ids;
      if (ids.length <= maxLength) return { ids, truncated: false };
      // Cut the text, not the end markers: T5 was trained with `</s>` last.
      const head = ids.slice(0, maxLength - suffix);
      const tail = suffix > 0 ? ids.slice(ids.length - suffix) : [];
      return { ids: head.concat(tail), truncated: true };
    },
  };
}

/** Pads `ids` to `length` with `padId`; the attention mask is 1 for real tokens, 0 for padding. */
export function padIds(ids: readonly number[], length: number, padId: number): { inputIds: BigInt64Array; mask: BigInt64Array } {
  if (ids.length > length) throw new RangeError(`padIds: ${ids.length} ids do not fit in ${length}`);
  const inputIds = new BigInt64Array(length).fill(BigInt(padId));
  const mask = new BigInt64Array(length);
  ids.forEach((id, i) => {
    inputIds[i] = BigInt(id);
    mask[i] = 1n;
  });
  return { inputIds, mask };
}
