/**
 * A small ONNX graph builder (opset 17): named ops with fresh output names, constants inline,
 * and weights bound to byte ranges of a safetensors file as external data, in the file's own
 * dtype. The graph computes in one precision (`Precision`): weights stored in another get a
 * Cast after them (fp16/bf16 files in a float32 graph are widened, fp32 files in an fp16 graph
 * narrowed), and `island` runs a piece of an fp16 graph in float32 where fp16 is not safe.
 */
import { PackageError } from '../../errors';
import type { SafetensorsFile } from '../safetensors';
import { DT, externalTensor, float16Bits, inlineTensor, node, valueInfo, Writer, type AttrValue, type DataType } from './proto';

export const OPSET = 17;
const IR_VERSION = 8;

const WEIGHT_TYPE = { F32: DT.FLOAT, F16: DT.FLOAT16, BF16: DT.BFLOAT16, I64: DT.INT64 } as const;

/** The element type a graph's arithmetic runs in (outside its float32 islands). */
export type Precision = 'float32' | 'float16';

export class GraphBuilder {
  private nodes: Writer[] = [];
  private inits: Writer[] = [];
  private inputs: Writer[] = [];
  private outputs: Writer[] = [];
  private counter = 0;
  /** A weight's value per element type: "key" (as stored) or "key@type" (cast once). */
  private bound = new Map<string, string>();
  /** Every weight the graph used, so the caller can refuse a checkpoint with tensors left over. */
  readonly used = new Set<string>();
  /** The element type ops compute in right now: the graph's precision, or FLOAT inside an island. */
  private current: DataType;

  /**
   * `weights`: the safetensors file whose tensors `w()` binds; `location`: the name the
   * session's externalData gives it; `precision`: what the graph computes in (default float32).
   */
  constructor(private readonly weights: SafetensorsFile, private readonly location: string, readonly precision: Precision = 'float32') {
    this.current = precision === 'float16' ? DT.FLOAT16 : DT.FLOAT;
  }

  /** The element type of the values ops produce at this point of the graph (FLOAT or FLOAT16). */
  get dtype(): DataType {
    return this.current;
  }

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  input(name: string, type: DataType, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(value: string, name: string, type: DataType, dims: (number | string)[]): void {
    this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds one node; returns its (first) output name, or `out` when given. */
  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const o = out ?? this.fresh(type);
    this.nodes.push(node(type, inputs, [o], this.fresh(`n_${type}`), attrs));
    return o;
  }

  /** A node with several outputs. */
  opN(type: string, inputs: string[], n: number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = Array.from({ length: n }, () => this.fresh(type));
    this.nodes.push(node(type, inputs, outs, this.fresh(`n_${type}`), attrs));
    return outs;
  }

  i64(values: number[], dims: number[] = [values.length]): string {
    const raw = new Uint8Array(values.length * 8);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
    const name = this.fresh('c_i64');
    this.inits.push(inlineTensor(name, DT.INT64, dims, raw));
    return name;
  }

  f32(values: number[] | Float32Array, dims: number[] = [values.length]): string {
    const arr = values instanceof Float32Array ? values : Float32Array.from(values);
    const name = this.fresh('c_f32');
    this.inits.push(inlineTensor(name, DT.FLOAT, dims, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength)));
    return name;
  }

  /** A scalar constant in the current compute type (float32, or fp16 outside islands of an fp16 graph). */
  scalar(v: number): string {
    if (this.current === DT.FLOAT) return this.f32([v], []);
    const raw = new Uint8Array(2);
    new DataView(raw.buffer).setUint16(0, float16Bits(v), true);
    const name = this.fresh('c_f16');
    this.inits.push(inlineTensor(name, DT.FLOAT16, [], raw));
    return name;
  }

  /** `x` (of element type `from`) as the current compute type: itself, or a Cast. */
  toCompute(x: string, from: DataType): string {
    return from === this.current ? x : this.op('Cast', [x], { to: this.current });
  }

  /**
   * `fn` on `inputs` computed in float32: in an fp16 graph the inputs are cast to float32, ops,
   * weights and scalars inside `fn` are float32, and the result is cast back to fp16 (kept
   * float32 with `result` 'float32', e.g. for a graph output). In a float32 graph (or inside
   * another island) it is just `fn(inputs)`, adding no node.
   */
  island(inputs: string[], fn: (xs: string[]) => string, result: 'compute' | 'float32' = 'compute'): string {
    if (this.current === DT.FLOAT) return fn(inputs);
    const outer = this.current;
    this.current = DT.FLOAT;
    try {
      const y = fn(inputs.map((x) => this.op('Cast', [x], { to: DT.FLOAT })));
      return result === 'float32' ? y : this.op('Cast', [y], { to: outer });
    } finally {
      this.current = outer;
    }
  }

  /** True when the checkpoint has tensor `key`. */
  has(key: string): boolean {
    return this.weights.tensors.has(key);
  }

  /**
   * The value of checkpoint tensor `key` in the current compute type, checked against `shape`
   * (the config's implication): bound once as external data in its stored dtype, cast once per
   * compute type it is used in when that differs (BF16 reaches fp16 through float32).
   */
  w(key: string, shape: number[]): string {
    const t = this.weights.tensors.get(key);
    if (!t) throw new PackageError(`missing tensor "${key}" (the config implies one of shape [${shape.join(',')}])`, this.weights.path);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new PackageError(`tensor "${key}" has shape [${t.shape.join(',')}] but the config implies [${shape.join(',')}]`, this.weights.path);
    }
    if (t.dtype === 'I64') throw new PackageError(`tensor "${key}" is I64; a weight must be F32, F16 or BF16`, this.weights.path);
    this.used.add(key);
    const stored = WEIGHT_TYPE[t.dtype];
    if (!this.bound.has(key)) {
      this.inits.push(externalTensor(key, stored, t.shape, this.location, t.offset, t.byteLength));
      this.bound.set(key, key);
    }
    return this.cast(key, stored, this.current);
  }

  /** Weight `key` (stored as `stored`) as element type `to`, each cast made once. */
  private cast(key: string, stored: DataType, to: DataType): string {
    if (stored === to) return key;
    const id = `${key}@${to}`;
    let value = this.bound.get(id);
    if (!value) {
      const from = stored === DT.BFLOAT16 && to === DT.FLOAT16 ? this.cast(key, stored, DT.FLOAT) : key;
      value = this.op('Cast', [from], { to });
      this.bound.set(id, value);
    }
    return value;
  }

  /** Marks a checkpoint tensor the graph does not need (e.g. a saved buffer) as accounted for. */
  ignore(key: string): void {
    if (this.weights.tensors.has(key)) this.used.add(key);
  }

  /** Fails naming every checkpoint tensor the graph did not use (a layer the config does not describe). */
  checkAllUsed(prefix = ''): void {
    const left = [...this.weights.tensors.keys()].filter((k) => k.startsWith(prefix) && !this.used.has(k)).sort();
    if (left.length) {
      const shown = left.slice(0, 8).map((k) => `"${k}"`).join(', ');
      throw new PackageError(`unexpected tensor(s) ${shown}${left.length > 8 ? ` and ${left.length - 8} more` : ''} (not part of this model for its config)`, this.weights.path);
    }
  }

  /** The serialized ModelProto. */
  finish(name: string): Uint8Array {
    const g = new Writer();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, name);
    for (const t of this.inits) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return new Writer()
      .int(1, IR_VERSION)
      .string(2, 'muse-studio diffusers graph builder')
      .message(7, g)
      .message(8, new Writer().string(1, '').int(2, OPSET))
      .finish();
  }
}
