/**
 * Test helper: the element type every value of a serialized ONNX graph has, from a minimal
 * protobuf read of the fields the diffusers graph builder writes (nodes, initializers, inputs)
 * and simple propagation: Cast gives its `to`, Shape INT64, any other op the type of its first
 * floating-point input. Enough to check which ops of an fp16 graph compute in float32.
 */
type Fields = Map<number, (bigint | Uint8Array)[]>;

function readFields(b: Uint8Array): Fields {
  const out: Fields = new Map();
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = b[at++];
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
  };
  while (at < b.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    let value: bigint | Uint8Array;
    if ((tag & 7) === 0) value = varint();
    else if ((tag & 7) === 2) {
      const n = Number(varint());
      value = b.subarray(at, at + n);
      at += n;
    } else if ((tag & 7) === 5) {
      value = b.subarray(at, at + 4);
      at += 4;
    } else throw new Error(`wire type ${tag & 7} not expected in these graphs`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const text = (v: bigint | Uint8Array): string => new TextDecoder().decode(v as Uint8Array);
const msgs = (f: Fields, n: number): Fields[] => (f.get(n) ?? []).map((v) => readFields(v as Uint8Array));
const int = (f: Fields, n: number): number => Number((f.get(n) ?? [0n])[0] as bigint);

export interface TypedNode {
  op: string;
  /** Element types (TensorProto.DataType) of the node's inputs, in order. */
  inputTypes: number[];
}

/** Every node of `model` with the element types of its inputs. */
export function typedNodes(model: Uint8Array): TypedNode[] {
  const graph = msgs(readFields(model), 7)[0];
  const types = new Map<string, number>();
  for (const t of msgs(graph, 5)) types.set(text(t.get(8)![0]), int(t, 2));
  // ValueInfoProto.type (2) → TypeProto.tensor_type (1) → elem_type (1).
  for (const i of msgs(graph, 11)) types.set(text(i.get(1)![0]), int(msgs(msgs(i, 2)[0], 1)[0], 1));
  const FLOATS = new Set([1, 10, 16]);
  return msgs(graph, 1).map((n) => {
    const op = text(n.get(4)![0]);
    const inputs = (n.get(1) ?? []).map(text);
    const inputTypes = inputs.map((i) => types.get(i) ?? 0);
    const cast = msgs(n, 5).find((a) => text(a.get(1)![0]) === 'to');
    const outType = cast ? int(cast, 3) : op === 'Shape' ? 7 : (inputTypes.find((t) => FLOATS.has(t)) ?? inputTypes[0]);
    for (const o of (n.get(2) ?? []).map(text)) types.set(o, outType);
    return { op, inputTypes };
  });
}
