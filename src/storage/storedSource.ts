/**
 * The PackageSource of a stored package, for the engine worker: files come from Cache Storage,
 * never from the network. Imported by src/worker/worker.ts; no DOM, no React.
 */
import { PackageError, isPackagePath, type PackageSource } from '../engine';
import { browserCaches, keys, MODELS_CACHE, type CacheStorageLike } from './layout';
import { bodyStream } from '../engine/package';

/** Said when a stored file is gone: the browser evicted storage, or it was cleared. */
export const MISSING_FROM_STORAGE = 'is missing from this browser\u2019s storage (it may have been cleared to free space)';

export function createStoredSource(id: string, storage: CacheStorageLike = browserCaches()): PackageSource {
  const open = async (path: string): Promise<Response> => {
    if (!isPackagePath(path)) throw new PackageError('is not a path inside the package', path);
    const cache = await storage.open(MODELS_CACHE);
    const res = await cache.match(keys.file(id, path));
    if (!res) throw new PackageError(MISSING_FROM_STORAGE, path);
    return res;
  };
  return {
    label: `stored package ${id}`,
    read: async (path) => new Uint8Array(await (await open(path)).arrayBuffer()),
    // "Check files" hashes a stored file chunk by chunk (a 2.4 GB weights file is never held whole).
    stream: async (path) => bodyStream(await open(path)),
  };
}
