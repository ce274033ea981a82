/**
 * The few ONNX protobuf messages the graph builder writes (onnx.proto3 field numbers), encoded by
 * hand: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (inline raw data or
 * external data), ValueInfoProto. Writing is all this needs; nothing here parses protobuf.
 */

/** Appends protobuf wire-format fields to a growing list of chunks. */
export class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) byte |= 0x80;
      out.push(byte);
    } while (n !== 0n);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int32/int64/enum/bool field (negative numbers as 10-byte two's complement, as protobuf does). */
  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/**
 * The IEEE half-precision bits of `v` (round to nearest, ties to even; overflow to ±Infinity,
 * tiny values to subnormals or ±0), for fp16 constants in an fp16-compute graph.
 */
export function float16Bits(v: number): number {
  const f32 = new Float32Array([v]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Infinity or NaN
  const e = exp - 127 + 15; // the exponent re-biased for fp16
  if (e >= 0x1f) return sign | 0x7c00; // too large: ±Infinity
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    // Subnormal: the implicit leading 1 made explicit, shifted into place, rounded to even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && (out & 1))) out++;
    return sign | out;
  }
  let out = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1))) out++;
  return out;
}

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, INT64: 7, FLOAT16: 10, BFLOAT16: 16 } as const;
export type DataType = (typeof DT)[keyof typeof DT];

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

/** AttributeProto: integers become INT/INTS, {float}/{floats} FLOAT/FLOATS, strings STRING. */
export function attribute(name: string, v: AttrValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof v === 'number') return w.int(3, v).int(20, 2);
  if (typeof v === 'string') return w.string(4, v).int(20, 3);
  if (Array.isArray(v)) {
    for (const x of v) w.int(8, x);
    return w.int(20, 7);
  }
  if ('float' in v) return w.float(2, v.float).int(20, 1);
  for (const x of v.floats) w.float(7, x);
  return w.int(20, 6);
}

export function node(op: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, AttrValue> = {}): Writer {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name).string(4, op);
  for (const [k, v] of Object.entries(attrs)) w.message(5, attribute(k, v));
  return w;
}

/** A TensorProto with its bytes inline (small constants). */
export function inlineTensor(name: string, type: DataType, dims: number[], raw: Uint8Array): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  return w.int(2, type).string(8, name).bytes(9, raw);
}

/** A TensorProto whose bytes are [offset, offset + length) of the external file `location`. */
export function externalTensor(name: string, type: DataType, dims: number[], location: string, offset: number, length: number): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, type).string(8, name);
  const entry = (k: string, v: string): Writer => new Writer().string(1, k).string(2, v);
  w.message(13, entry('location', location)).message(13, entry('offset', String(offset))).message(13, entry('length', String(length)));
  return w.int(14, 1);
}

/** ValueInfoProto of a tensor; a string dim is symbolic (dynamic), a number fixed. */
export function valueInfo(name: string, type: DataType, dims: (number | string)[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensor = new Writer().int(1, type).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensor));
}
