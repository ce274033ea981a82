/**
 * Where a Chromium profile keeps what a later visit can reuse (issue 14.2): the bytes of its
 * `Code Cache/wasm` (code compiled from network or HTTP-cache responses) and of its Cache Storage
 * (the service worker's caches, which also hold the code compiled from a Cache Storage response
 * beside that entry). Shared by the wasm-cache harness and the studio-visit bench.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Bytes under a file or folder (0 when absent). */
export function bytesUnder(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((sum, e) => sum + bytesUnder(path.join(p, e)), 0);
}

/** KiB of the profile's wasm code cache and of its Cache Storage. */
export function profileStoresKB(profile: string): { codeCacheWasmKB: number; cacheStorageKB: number } {
  return {
    codeCacheWasmKB: Math.round(bytesUnder(path.join(profile, 'Default/Code Cache/wasm')) / 1024),
    cacheStorageKB: Math.round(bytesUnder(path.join(profile, 'Default/Service Worker/CacheStorage')) / 1024),
  };
}
