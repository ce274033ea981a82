import type { Manifest } from '../manifest/types';

/**
 * One dimension of a documented tensor: a number the manifest fixes, 'batch' (must be dynamic,
 * because the engine batches images and guidance branches), or 'any' (dynamic or fixed).
 */
export type DimSpec = number | 'batch' | 'any';

export interface TensorSpec {
  name: string;
  type: 'int64' | 'float32';
  dims: DimSpec[];
}

/** The documented inputs and outputs of one ONNX graph (docs/MODEL_PACKAGE.md, "ONNX graphs"). */
export interface GraphSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export type GraphKey = 'textEncoder' | 'vqEncoder' | 'vqDecoder' | 'base' | 'superRes';

const i64 = (name: string, dims: DimSpec[]): TensorSpec => ({ name, type: 'int64', dims });
const f32 = (name: string, dims: DimSpec[]): TensorSpec => ({ name, type: 'float32', dims });

/** A T5 encoder in the Transformers.js layout, D = its hidden size. */
export function t5EncoderSpec(D: number): GraphSpec {
  // The encoder runs one prompt at a time at its own length, so batch and length may be fixed.
  return {
    inputs: [i64('input_ids', ['any', 'any']), i64('attention_mask', ['any', 'any'])],
    outputs: [f32('last_hidden_state', ['any', 'any', D])],
  };
}

/**
 * The graph contract of every ONNX file in `m`, with the dimensions the manifest determines.
 * CLIP packages (textEncoder.kind "clip"): the text encoder takes input_ids only, always padded
 * to S, and also returns the pooled text_embeds [B, P]; the base transformer takes pooled_text
 * [B, P] and micro_conds [B, M] instead of text_mask. The fp16 copy of the base graph
 * (stages.base.onnxFp16) has the base graph's contract.
 */
export function graphSpecs(m: Manifest): Partial<Record<GraphKey, GraphSpec>> {
  const te = m.textEncoder;
  const S = te.maxLength;
  const D = te.hiddenSize;
  const K = m.vqgan.codebookSize;
  const nBase = m.stages.base.grid[0] * m.stages.base.grid[1];
  const text = [f32('text_states', ['batch', S, D]), i64('text_mask', ['batch', S])];
  let baseText = text;
  let textEncoder = t5EncoderSpec(D);
  if (te.kind === 'clip') {
    const P = te.projectionDim;
    const M = m.stages.base.microConditioning?.values.length ?? 0;
    baseText = [f32('text_states', ['batch', S, D]), f32('pooled_text', ['batch', P]), f32('micro_conds', ['batch', M])];
    textEncoder = {
      inputs: [i64('input_ids', ['any', S])],
      outputs: [f32('hidden_states', ['any', S, D]), f32('text_embeds', ['any', P])],
    };
  }
  const specs: Partial<Record<GraphKey, GraphSpec>> = {
    textEncoder,
    vqEncoder: { inputs: [f32('pixels', ['batch', 3, 'any', 'any'])], outputs: [i64('tokens', ['batch', 'any', 'any'])] },
    vqDecoder: { inputs: [i64('tokens', ['batch', 'any', 'any'])], outputs: [f32('pixels', ['batch', 3, 'any', 'any'])] },
    base: { inputs: [i64('tokens', ['batch', nBase]), ...baseText], outputs: [f32('logits', ['batch', nBase, K])] },
  };
  const sr = m.stages.superRes;
  if (sr) {
    const nSr = sr.grid[0] * sr.grid[1];
    specs.superRes = {
      inputs: [i64('tokens', ['batch', nSr]), i64('low_res_tokens', ['batch', nBase]), ...text],
      outputs: [f32('logits', ['batch', nSr, K])],
    };
  }
  return specs;
}
