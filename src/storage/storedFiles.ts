/**
 * The one reader of a stored (or staged) package file in Cache Storage: the model manager
 * (`ModelStore`, page) and the engine worker's stored source (storedSource.ts) both look files up
 * here, by `keys.file(id, path)`, so the key, the cache and how a body is handed on are written once.
 */
import { bodyStream } from '../engine/package';
import { keys, MODELS_CACHE, type CacheStorageLike } from './layout';

export interface StoredFiles {
  /** The stored response of file `path` of package `id`, or undefined when it is not stored. */
  match(id: string, path: string): Promise<Response | undefined>;
  /** The file's bytes, whole (small files; the loader's read), or undefined when it is not stored. */
  read(id: string, path: string): Promise<Uint8Array | undefined>;
  /** The file's body as a stream (a large weights file is never held whole), or undefined when it is not stored. */
  stream(id: string, path: string): Promise<ReadableStream<Uint8Array> | undefined>;
}

/** Reads package files from `storage`'s models cache. Paths are not checked here: callers pass manifest paths (checked) or check them. */
export function storedFiles(storage: CacheStorageLike): StoredFiles {
  const match = async (id: string, path: string): Promise<Response | undefined> => (await storage.open(MODELS_CACHE)).match(keys.file(id, path));
  return {
    match,
    async read(id, path) {
      const res = await match(id, path);
      return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
    },
    async stream(id, path) {
      const res = await match(id, path);
      return res ? bodyStream(res) : undefined;
    },
  };
}
