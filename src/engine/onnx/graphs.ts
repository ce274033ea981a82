/**
 * The documented inputs and outputs of every ONNX graph of a package, read from
 * schemas/onnx-graphs.json (the same file training/convert/package_check.py checks exported
 * graphs against), with the dimensions the manifest fixes filled in.
 */
import contract from '../../../schemas/onnx-graphs.json' with { type: 'json' };
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

/** The inputs and outputs of one ONNX graph. */
export interface GraphSpec {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export type GraphKey = 'textEncoder' | 'vqEncoder' | 'vqDecoder' | 'base' | 'superRes';

type Tensor = [string, string, (string | number)[]];
type Contract = Record<'t5' | 'clip' | 'any', Partial<Record<GraphKey, { inputs: Tensor[]; outputs: Tensor[] }>>>;
const GRAPHS = contract.graphs as unknown as Contract;

/** The letters of schemas/onnx-graphs.json; absent where the graph does not use them. */
type Sizes = Partial<Record<'S' | 'D' | 'P' | 'M' | 'K' | 'N' | 'L', number>>;

function resolve(key: GraphKey, kind: 't5' | 'clip', sizes: Sizes): GraphSpec | undefined {
  const raw = GRAPHS[kind][key] ?? GRAPHS.any[key];
  if (!raw) return undefined;
  const dim = (d: string | number): DimSpec => {
    if (typeof d === 'number') return d;
    if (d === 'B') return 'batch';
    if (d === '*') return 'any';
    const n = sizes[d as keyof Sizes];
    if (n === undefined) throw new Error(`schemas/onnx-graphs.json: ${key} uses dimension ${d}, which the manifest does not give it`);
    return n;
  };
  const tensor = ([name, type, dims]: Tensor): TensorSpec => ({ name, type: type as TensorSpec['type'], dims: dims.map(dim) });
  return { inputs: raw.inputs.map(tensor), outputs: raw.outputs.map(tensor) };
}

/** A T5 encoder in the Transformers.js layout, D = its hidden size. */
export function t5EncoderSpec(D: number): GraphSpec {
  return resolve('textEncoder', 't5', { D })!;
}

/** The graph contract of every ONNX file in `m`, with the dimensions the manifest determines. */
export function graphSpecs(m: Manifest): Partial<Record<GraphKey, GraphSpec>> {
  const te = m.textEncoder;
  const base = m.stages.base;
  const sizes: Sizes = {
    S: te.maxLength,
    D: te.hiddenSize,
    K: m.vqgan.codebookSize,
    L: base.grid[0] * base.grid[1],
    ...(te.kind === 'clip' ? { P: te.projectionDim, M: base.microConditioning?.values.length ?? 0 } : {}),
  };
  const specs: Partial<Record<GraphKey, GraphSpec>> = {
    textEncoder: resolve('textEncoder', te.kind, sizes),
    vqEncoder: resolve('vqEncoder', te.kind, sizes),
    vqDecoder: resolve('vqDecoder', te.kind, sizes),
    base: resolve('base', te.kind, { ...sizes, N: base.grid[0] * base.grid[1] }),
  };
  const sr = m.stages.superRes;
  if (sr) specs.superRes = resolve('superRes', te.kind, { ...sizes, N: sr.grid[0] * sr.grid[1] });
  return specs;
}
