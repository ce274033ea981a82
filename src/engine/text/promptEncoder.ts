import { PackageError } from '../errors';
import { expectOutput, fixedDim } from '../onnx/session';
import type { Ort, OrtSession } from '../ort';
import { padIds, type TextTokenizer } from './tokenizer';

/** A prompt as the transformers take it: text_states [S, D] and text_mask [S] for one image. */
export interface PromptEncoding {
  /** [S·D] row-major; rows past the prompt's tokens are 0. */
  states: Float32Array;
  /** [S]: 1 for real tokens (EOS included), 0 for padding. */
  mask: BigInt64Array;
  truncated: boolean;
}

export interface PromptEncoder {
  encode(text: string): Promise<PromptEncoding>;
}

/** Prompts kept encoded: "" (every unconditional branch) plus the last few prompts re-run with new seeds. */
const CACHE_SIZE = 8;

/**
 * Wraps the text-encoder session. Each prompt runs alone (batch 1) at its own token length when
 * the graph allows it (Transformers.js T5 exports have a dynamic length), then the hidden states
 * are zero-padded to S = maxLength; padding rows are masked out by text_mask anyway, and zeroing
 * them makes the result independent of how the encoder treats padding. Encodings are cached:
 * the encoder is deterministic and "" is needed for every generation.
 */
export function createPromptEncoder(ort: Ort, session: OrtSession, tokenizer: TextTokenizer, hiddenSize: number, file: string): PromptEncoder {
  const S = tokenizer.maxLength;
  const D = hiddenSize;
  const fixedLength = fixedDim(session, 'input_ids', 1);
  if (fixedLength !== null && fixedLength !== S) {
    throw new PackageError(`input input_ids has fixed length ${fixedLength}; it must be dynamic or equal textEncoder.maxLength ${S}`, file);
  }
  const fixedBatch = fixedDim(session, 'input_ids', 0);
  if (fixedBatch !== null && fixedBatch !== 1) {
    throw new PackageError(`input input_ids has fixed batch ${fixedBatch}; it must be dynamic or 1`, file);
  }
  const cache = new Map<string, PromptEncoding>();

  async function run(text: string): Promise<PromptEncoding> {
    const { ids, truncated } = tokenizer.encode(text);
    const L = fixedLength ?? ids.length;
    const feed = padIds(ids, L, tokenizer.padTokenId);
    const out = await session.run({
      input_ids: new ort.Tensor('int64', feed.inputIds, [1, L]),
      attention_mask: new ort.Tensor('int64', feed.mask, [1, L]),
    });
    const hidden = expectOutput(out, 'last_hidden_state', 'float32', [1, L, D], file).data as Float32Array;
    const states = new Float32Array(S * D);
    states.set(hidden.subarray(0, ids.length * D));
    return { states, mask: padIds(ids, S, tokenizer.padTokenId).mask, truncated };
  }

  return {
    async encode(text: string): Promise<PromptEncoding> {
      const hit = cache.get(text);
      if (hit) {
        // Re-insert so the map's order is least-recently-used first.
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const enc = await run(text);
      cache.set(text, enc);
      for (const key of cache.keys()) {
        if (cache.size <= CACHE_SIZE) break;
        if (key !== '') cache.delete(key);
      }
      return enc;
    },
  };
}
