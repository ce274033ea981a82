import { PackageError } from '../errors';
import { expectOutput, fixedDim } from '../onnx/session';
import type { Ort, OrtSession } from '../ort';
import { padIds, type TextTokenizer } from './tokenizer';

/** A prompt as the transformers take it, for one image. */
export interface PromptEncoding {
  /**
   * text_states [S·D] row-major. T5: rows past the prompt's tokens are 0. CLIP: all S rows as
   * the encoder returned them (the padding rows are real inputs of aMUSEd's transformer).
   */
  states: Float32Array;
  /**
   * [S]: 1 for real tokens (special tokens included), 0 for padding. Fed as text_mask to T5
   * packages' transformers; CLIP packages' transformers take no mask.
   */
  mask: BigInt64Array;
  /** CLIP only: the projected pooled embedding text_embeds [P], fed as pooled_text. */
  pooled?: Float32Array;
  truncated: boolean;
}

export interface PromptEncoder {
  encode(text: string): Promise<PromptEncoding>;
  /** The words of `text` its tokenizer maps to `<unk>` (TextTokenizer.unknownWords). */
  unknownWords(text: string): string[];
}

/** Prompts kept encoded: "" (every unconditional branch) plus the last few prompts re-run with new seeds. */
const CACHE_SIZE = 8;

/** Checks that `session`'s input_ids can take one prompt of `length` ids; returns the fixed length, if any. */
function checkIdsInput(session: OrtSession, S: number, file: string): number | null {
  const fixedLength = fixedDim(session, 'input_ids', 1);
  if (fixedLength !== null && fixedLength !== S) {
    throw new PackageError(`input input_ids has fixed length ${fixedLength}; it must be dynamic or equal textEncoder.maxLength ${S}`, file);
  }
  const fixedBatch = fixedDim(session, 'input_ids', 0);
  if (fixedBatch !== null && fixedBatch !== 1) {
    throw new PackageError(`input input_ids has fixed batch ${fixedBatch}; it must be dynamic or 1`, file);
  }
  return fixedLength;
}

/**
 * Encodings are cached: the encoder is deterministic and "" is needed for every generation, so
 * "" is never evicted; other prompts are kept least-recently-used.
 */
function cached(tokenizer: TextTokenizer, run: (text: string) => Promise<PromptEncoding>): PromptEncoder {
  const cache = new Map<string, PromptEncoding>();
  return {
    unknownWords: (text) => tokenizer.unknownWords(text),
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

/**
 * Wraps a T5 text-encoder session (Transformers.js layout). Each prompt runs alone (batch 1) at
 * its own token length when the graph allows it (Transformers.js T5 exports have a dynamic
 * length), then the hidden states are zero-padded to S = maxLength; padding rows are masked out
 * by text_mask anyway, and zeroing them makes the result independent of how the encoder treats
 * padding.
 */
export function createPromptEncoder(ort: Ort, session: OrtSession, tokenizer: TextTokenizer, hiddenSize: number, file: string): PromptEncoder {
  const S = tokenizer.maxLength;
  const D = hiddenSize;
  const fixedLength = checkIdsInput(session, S, file);
  return cached(tokenizer, async (text) => {
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
  });
}

/**
 * Wraps a CLIP text-encoder session (aMUSEd; docs/MODEL_PACKAGE.md, "CLIP text encoders"): the
 * prompt is tokenized (BOS/EOS from the tokenizer's post-processor), truncated to S keeping EOS,
 * padded to exactly S with padTokenId and run with input_ids only (batch 1). All S rows of
 * hidden_states are kept as they are, and text_embeds becomes `pooled`.
 */
export function createClipPromptEncoder(ort: Ort, session: OrtSession, tokenizer: TextTokenizer, dims: { hiddenSize: number; projectionDim: number }, file: string): PromptEncoder {
  const S = tokenizer.maxLength;
  const { hiddenSize: D, projectionDim: P } = dims;
  checkIdsInput(session, S, file);
  return cached(tokenizer, async (text) => {
    const { ids, truncated } = tokenizer.encode(text);
    const feed = padIds(ids, S, tokenizer.padTokenId);
    const out = await session.run({ input_ids: new ort.Tensor('int64', feed.inputIds, [1, S]) });
    // Copies: the outputs' buffers belong to the runtime, and encodings outlive the run.
    const states = Float32Array.from(expectOutput(out, 'hidden_states', 'float32', [1, S, D], file).data as Float32Array);
    const pooled = Float32Array.from(expectOutput(out, 'text_embeds', 'float32', [1, P], file).data as Float32Array);
    return { states, mask: feed.mask, pooled, truncated };
  });
}
