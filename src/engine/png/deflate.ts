// The PNG writer takes its compressor as an argument (node:zlib in the CLI,
// CompressionStream in the browser). storedDeflate is the dependency-free fallback: a valid
// zlib stream made of uncompressed ("stored") blocks, useful in tests and where no
// compressor exists. Files are larger, never wrong.
import { adler32 } from './crc32';
import { PngError } from './errors';

/** Compresses bytes into a zlib stream (RFC 1950: header, deflate data, Adler-32). */
export type Deflate = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const MAX_STORED_BLOCK = 0xffff;

/** A zlib stream holding `bytes` in stored (uncompressed) deflate blocks. Deterministic. */
export function storedDeflate(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const blocks = Math.max(1, Math.ceil(bytes.length / MAX_STORED_BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + bytes.length + 4);
  out[0] = 0x78; // CMF: deflate, 32 KiB window
  out[1] = 0x01; // FLG: no dictionary, fastest level; (0x78 * 256 + 0x01) % 31 === 0
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * MAX_STORED_BLOCK;
    const len = Math.min(MAX_STORED_BLOCK, bytes.length - start);
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE=00 (stored)
    out[at + 1] = len & 0xff;
    out[at + 2] = len >>> 8;
    out[at + 3] = ~len & 0xff;
    out[at + 4] = (~len >>> 8) & 0xff;
    out.set(bytes.subarray(start, start + len), at + 5);
    at += 5 + len;
  }
  const sum = adler32(bytes);
  out[at] = sum >>> 24;
  out[at + 1] = sum >>> 16;
  out[at + 2] = sum >>> 8;
  out[at + 3] = sum;
  return out;
}

/**
 * Rejects output that is not a zlib stream. The usual mistake is a raw-deflate compressor
 * (deflateRawSync, CompressionStream('deflate-raw')), which would produce a PNG that
 * every decoder refuses.
 */
export function assertZlibStream(bytes: Uint8Array): void {
  const cmf = bytes[0];
  const flg = bytes[1];
  const ok =
    bytes.length >= 6 && cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
  if (!ok) {
    throw new PngError(
      'invalid-input',
      "the deflate function must return a zlib stream (e.g. zlib.deflateSync or CompressionStream('deflate')), not raw deflate",
    );
  }
}
