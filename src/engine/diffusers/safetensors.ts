import { PackageError } from '../errors';
import type { SnapshotSource } from './source';

/** The element types aMUSEd's files hold (weights: F32 in the plain files, F16 in the `fp16` variant). */
export type WeightDtype = 'F32' | 'F16' | 'BF16' | 'I64';
// I64: the `position_ids` buffer older transformers versions saved with CLIP (not a weight).
const BYTES: Record<WeightDtype, number> = { F32: 4, F16: 2, BF16: 2, I64: 8 };

/** One tensor of a safetensors file, with its byte range in the file (absolute, header included). */
export interface TensorEntry {
  dtype: WeightDtype;
  shape: number[];
  /** Offset of the tensor's first byte in the file. */
  offset: number;
  byteLength: number;
}

/** A parsed safetensors header: the file, its tensors and its total size as the header implies it. */
export interface SafetensorsFile {
  path: string;
  tensors: Map<string, TensorEntry>;
  /** 8 + header length + the end of the last tensor. */
  fileBytes: number;
}

/** Headers past this are not weights files (the real CLIP-L header is ≈ 20 kB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Reads and checks the header of the safetensors file at `path`: 8 bytes little-endian length,
 * then JSON. Every tensor must have a float dtype aMUSEd uses, a shape whose size matches its
 * byte range, ranges that lie inside the data and do not overlap, and the file must be long
 * enough to hold the last one (the last byte is read, so a truncated download is caught here
 * rather than by onnxruntime).
 */
export async function readSafetensorsHeader(src: SnapshotSource, path: string): Promise<SafetensorsFile> {
  const bad = (why: string): PackageError => new PackageError(`not a usable safetensors file: ${why}`, path);
  const lenBytes = await src.readRange(path, 0, 8);
  const n = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
  if (n < 2 || n > MAX_HEADER_BYTES) throw bad(`header length ${n} is not plausible`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await src.readRange(path, 8, 8 + n)));
  } catch (err) {
    if (err instanceof PackageError) throw err;
    throw bad('the header is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('the header is not a JSON object');
  const dataStart = 8 + n;
  const tensors = new Map<string, TensorEntry>();
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t.dtype !== 'string' || !(t.dtype in BYTES)) throw bad(`tensor ${name} has dtype ${String(t.dtype)}, expected F32, F16, BF16 or I64`);
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`tensor ${name} has no valid shape`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0) || off[0] > off[1]) {
      throw bad(`tensor ${name} has no valid data_offsets`);
    }
    const dtype = t.dtype as WeightDtype;
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const byteLength = (off[1] as number) - (off[0] as number);
    if (count * BYTES[dtype] !== byteLength) throw bad(`tensor ${name} [${shape.join(',')}] ${dtype} needs ${count * BYTES[dtype]} bytes, its data_offsets give ${byteLength}`);
    tensors.set(name, { dtype, shape: shape as number[], offset: dataStart + (off[0] as number), byteLength });
    spans.push([off[0] as number, off[1] as number, name]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw bad(`tensors ${spans[i - 1][2]} and ${spans[i][2]} overlap`);
  }
  const dataEnd = spans.length > 0 ? spans[spans.length - 1][1] : 0;
  const fileBytes = dataStart + dataEnd;
  if (dataEnd > 0) {
    try {
      await src.readRange(path, fileBytes - 1, fileBytes);
    } catch {
      throw bad(`the header describes ${fileBytes} bytes but the file is shorter (truncated download?)`);
    }
  }
  return { path, tensors, fileBytes };
}
