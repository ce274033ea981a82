import { PackageError } from '../errors';
import type { FileEntry } from '../manifest/types';

/**
 * Lower-case hex SHA-256 of `bytes`, via WebCrypto (`globalThis.crypto.subtle`), which exists in
 * browsers, workers and Node ≥ 20 alike, so no Node import is needed. Note: WebCrypto is only
 * exposed on secure contexts (https or localhost) in browsers.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('SHA-256 is unavailable: crypto.subtle needs a secure context (https or localhost)');
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * How a load checks files: 'sha256' hashes every byte; 'size' trusts an earlier hash (the model
 * store's install record) and compares sizes only, which is free, so a 2 GB model is not hashed
 * again on every load and backend switch.
 */
export type VerifyMode = 'sha256' | 'size';

/** Why a file of `found` bytes is not the listed one of `expected` bytes; undefined when sizes agree. */
export function sizeProblem(expected: number, found: number, atLeast = false, mode: VerifyMode = 'sha256'): string | undefined {
  if (found === expected && !atLeast) return undefined;
  const why =
    mode === 'size'
      ? 'the stored copy changed since its files were verified: check the files again or add the model again'
      : 'the file is incomplete, damaged or from another package';
  return `expected ${expected} bytes, found ${atLeast ? 'more' : found} (${why})`;
}

/** Why a file hashing to `actual` is not the listed one; undefined when they agree. */
export function shaProblem(expected: string, actual: string): string | undefined {
  if (actual === expected) return undefined;
  return `sha256 mismatch: manifest says ${expected}, file has ${actual} (the file is damaged or from another package)`;
}

/**
 * Checks that `bytes` is exactly the file the manifest lists (size first: it is free and names
 * the common cause, a truncated download; then the sha256 unless `mode` is 'size'). Throws a
 * PackageError naming `path`.
 */
export async function verifyFile(path: string, bytes: Uint8Array, entry: FileEntry, mode: VerifyMode = 'sha256'): Promise<void> {
  verifySize(path, bytes.byteLength, entry, mode);
  if (mode === 'size') return;
  const sha = shaProblem(entry.sha256, await sha256Hex(bytes));
  if (sha) throw new PackageError(sha, path);
}

/** The size half of verifyFile, for a file the runtime reads from disk itself (`found`: its size there). */
export function verifySize(path: string, found: number, entry: FileEntry, mode: VerifyMode): void {
  const size = sizeProblem(entry.bytes, found, false, mode);
  if (size) throw new PackageError(size, path);
}
