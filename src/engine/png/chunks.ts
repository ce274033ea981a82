// The PNG container: signature + chunks of (length, type, data, CRC). Reading validates the
// whole file up to IEND, so every caller gets the same clear errors for damaged files.
import { crc32 } from './crc32';
import { PngError } from './errors';

export const PNG_SIGNATURE: readonly number[] = [137, 80, 78, 71, 13, 10, 26, 10];

/** Largest chunk data length the PNG spec allows (2^31 - 1). */
const MAX_CHUNK_LENGTH = 0x7fffffff;

export interface PngChunk {
  /** Four-letter chunk type, e.g. "IHDR". */
  type: string;
  /** The chunk's data field: a view into the file's bytes, not a copy. */
  data: Uint8Array;
  /** Byte offsets of the whole chunk (length field through CRC) within the file. */
  start: number;
  end: number;
}

function isChunkTypeByte(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/** True when `bytes` starts with the 8-byte PNG signature. */
export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Splits a PNG file into its chunks, from IHDR through IEND (bytes after IEND are ignored).
 * Checks the signature, every chunk's length, type and CRC, and that IHDR comes first.
 * @throws PngError with code not-png, truncated, bad-crc or malformed.
 */
export function readChunks(bytes: Uint8Array): PngChunk[] {
  const sigLength = Math.min(bytes.length, PNG_SIGNATURE.length);
  for (let i = 0; i < sigLength; i++) {
    if (bytes[i] !== PNG_SIGNATURE[i]) throw new PngError('not-png', 'not a PNG file');
  }
  if (bytes.length === 0) throw new PngError('not-png', 'not a PNG file (the file is empty)');
  if (bytes.length < PNG_SIGNATURE.length) {
    throw new PngError('truncated', 'PNG file is truncated: it ends inside the signature');
  }

  const chunks: PngChunk[] = [];
  let pos = PNG_SIGNATURE.length;
  for (;;) {
    if (pos + 8 > bytes.length) {
      throw new PngError('truncated', 'PNG file is truncated: it ends before the IEND chunk');
    }
    const length = readU32(bytes, pos);
    const typeBytes = bytes.subarray(pos + 4, pos + 8);
    if (!typeBytes.every(isChunkTypeByte)) {
      throw new PngError('malformed', `PNG file is damaged: invalid chunk type at byte ${pos + 4}`);
    }
    const type = String.fromCharCode(...typeBytes);
    if (length > MAX_CHUNK_LENGTH) {
      throw new PngError('malformed', `PNG chunk ${type} has an invalid length (${length})`, type);
    }
    const end = pos + 12 + length;
    if (end > bytes.length) {
      throw new PngError(
        'truncated',
        `PNG file is truncated: chunk ${type} runs past the end of the file`,
        type,
      );
    }
    if (crc32(bytes, pos + 4, pos + 8 + length) !== readU32(bytes, pos + 8 + length)) {
      throw new PngError('bad-crc', `PNG chunk ${type} has a bad CRC (the file is damaged)`, type);
    }
    if (chunks.length === 0 && (type !== 'IHDR' || length !== 13)) {
      throw new PngError('malformed', 'PNG file is damaged: it does not start with an IHDR chunk', type);
    }
    chunks.push({ type, data: bytes.subarray(pos + 8, pos + 8 + length), start: pos, end });
    pos = end;
    if (type === 'IEND') return chunks;
  }
}

/** Serialises one chunk: length, type, data, CRC over type + data. */
export function encodeChunk(type: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError('invalid-input', `invalid PNG chunk type "${type}"`);
  if (data.length > MAX_CHUNK_LENGTH) {
    throw new PngError('invalid-input', `PNG chunk ${type} would be too large (${data.length} bytes)`, type);
  }
  const out = new Uint8Array(12 + data.length);
  writeU32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  writeU32(out, 8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
