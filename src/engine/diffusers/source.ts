import { PackageError } from '../errors';
import type { PackageSource } from '../package/source';

/**
 * Where a diffusers snapshot's bytes come from. Unlike a package, a snapshot has no manifest
 * listing its files, and its weights can be gigabytes: the reader asks which files exist and
 * reads safetensors headers and tensors in byte ranges, never a whole weights file at once.
 */
export interface SnapshotSource extends PackageSource {
  /** True when the snapshot has a file at `path` (a snapshot-relative path). */
  exists(path: string): Promise<boolean>;
  /** The names of the files directly inside `folder` ('' = the root); [] when it is absent. */
  list(folder: string): Promise<string[]>;
  /** Bytes [start, end) of the file at `path`; rejects with a PackageError naming it when they are not all there. */
  readRange(path: string, start: number, end: number): Promise<Uint8Array>;
  /** The sha256 the source vouches for (the Hub's LFS oid), when it knows one; downloads are checked against it. */
  expectedSha256?(path: string): string | undefined;
  /** Optional: the sha256 of the file at `path`, computed in slices (a folder streams it) instead of over one whole-file buffer. */
  sha256?(path: string): Promise<string>;
}

/** A snapshot held in memory (tests, dropped files): every file's bytes by snapshot-relative path. */
export function createMemorySnapshot(label: string, files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): SnapshotSource {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const get = (path: string): Uint8Array => {
    const bytes = map.get(path);
    if (!bytes) throw new PackageError(`file not found in ${label}`, path);
    return bytes;
  };
  return {
    label,
    read: (path) => Promise.resolve().then(() => get(path)),
    exists: (path) => Promise.resolve(map.has(path)),
    list(folder) {
      const prefix = folder === '' ? '' : `${folder}/`;
      const names = [...map.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
      return Promise.resolve(names.map((p) => p.slice(prefix.length)).sort());
    },
    readRange: (path, start, end) =>
      Promise.resolve().then(() => {
        const bytes = get(path);
        if (start < 0 || end > bytes.length || start > end) {
          throw new PackageError(`is ${bytes.length} bytes long; bytes ${start}–${end} are not there (truncated file?)`, path);
        }
        return bytes.subarray(start, end);
      }),
  };
}
