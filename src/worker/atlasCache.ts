/**
 * The super-res preview atlas kept in Cache Storage between page loads (engine/pipeline/mosaic.ts):
 * building it costs seconds on WASM, reading it back a few milliseconds. Entries are keyed by the
 * VQ decoder's sha256, so a model stored twice shares one, and a changed decoder never reads a
 * stale one. Anything going wrong here only means the atlas is built again.
 */
import type { AtlasCache } from '../engine/pipeline/mosaic';

const CACHE = 'muse-preview-atlas-v1';

// A synthetic same-origin URL: Cache Storage keys are requests.
const url = (key: string): string => new URL(`/__preview-atlas/${encodeURIComponent(key)}`, self.location.href).href;

export function cacheStorageAtlasCache(): AtlasCache | undefined {
  if (typeof caches === 'undefined') return undefined;
  return {
    async get(key) {
      const res = await (await caches.open(CACHE)).match(url(key));
      return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
    },
    async put(key, bytes) {
      const body = bytes.slice().buffer; // a plain ArrayBuffer the Response can own
      await (await caches.open(CACHE)).put(url(key), new Response(body, { headers: { 'content-type': 'application/octet-stream' } }));
    },
  };
}
