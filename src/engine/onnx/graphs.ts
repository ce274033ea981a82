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

/** The graph contract of every ONNX file in `m`, with the dimensions the manifest determines. */
export function graphSpecs(m: Manifest): Partial<Record<GraphKey, GraphSpec>> {
  const S = m.textEncoder.maxLength;
  const D = m.textEncoder.hiddenSize;
  const K = m.vqgan.codebookSize;
  const nBase = m.stages.base.grid[0] * m.stages.base.grid[1];
  const text = [f32('text_states', ['batch', S, D]), i64('text_mask', ['batch', S])];
  const specs: Partial<Record<GraphKey, GraphSpec>> = {
    // The encoder runs one prompt at a time at its own length, so batch and length may be fixed.
    textEncoder: {
      inputs: [i64('input_ids', ['any', 'any']), i64('attention_mask', ['any', 'any'])],
      outputs: [f32('last_hidden_state', ['any', 'any', D])],
    },
    vqEncoder: { inputs: [f32('pixels', ['batch', 3, 'any', 'any'])], outputs: [i64('tokens', ['batch', 'any', 'any'])] },
    vqDecoder: { inputs: [i64('tokens', ['batch', 'any', 'any'])], outputs: [f32('pixels', ['batch', 3, 'any', 'any'])] },
    base: { inputs: [i64('tokens', ['batch', nBase]), ...text], outputs: [f32('logits', ['batch', nBase, K])] },
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
