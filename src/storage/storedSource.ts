/**
 * The PackageSource of a stored package, for the engine worker: files come from Cache Storage,
 * never from the network. Imported by src/worker/worker.ts; no DOM, no React.
 */
import { PackageError, isPackagePath, type PackageSource } from '../engine';
import { browserCaches, type CacheStorageLike } from './layout';
import { storedFiles } from './storedFiles';

/** Said when a stored file is gone: the browser evicted storage, or it was cleared. */
export const MISSING_FROM_STORAGE = 'is missing from this browser\u2019s storage (it may have been cleared to free space)';

export function createStoredSource(id: string, storage: CacheStorageLike = browserCaches()): PackageSource {
  const files = storedFiles(storage);
  /** `path`'s stored content as `get` reads it; a PackageError naming it when it is not a package path or not stored. */
  const found = async <T>(path: string, get: (id: string, path: string) => Promise<T | undefined>): Promise<T> => {
    if (!isPackagePath(path)) throw new PackageError('is not a path inside the package', path);
    const got = await get(id, path);
    if (got === undefined) throw new PackageError(MISSING_FROM_STORAGE, path);
    return got;
  };
  return {
    label: `stored package ${id}`,
    read: (path) => found(path, files.read),
    // "Check files" hashes a stored file chunk by chunk (a 2.4 GB weights file is never held whole).
    stream: (path) => found(path, files.stream),
  };
}
