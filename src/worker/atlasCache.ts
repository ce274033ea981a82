/**
 * The super-res preview atlas kept in Cache Storage between page loads (engine/pipeline/mosaic.ts):
 * building it costs seconds on WASM, reading it back a few milliseconds. Entries are keyed by the
 * VQ decoder's sha256, so a model stored twice shares one, and a changed decoder never reads a
 * stale one. Only the most recently written few are kept (256 KB each for the Scenes model), so
 * atlases of deleted models do not pile up. Anything going wrong here only means the atlas is
 * built again.
 */
import type { AtlasCache } from '../engine/pipeline/mosaic';

export const ATLAS_CACHE = 'muse-preview-atlas-v1';
/** Atlases kept; older ones are deleted when a new one is written. */
export const KEEP_ATLASES = 4;

const PREFIX = '/__preview-atlas/';
// A synthetic same-origin URL: Cache Storage keys are requests.
const url = (key: string): string => new URL(`${PREFIX}${encodeURIComponent(key)}`, self.location.href).href;
const WRITTEN = 'x-written';

export function cacheStorageAtlasCache(): AtlasCache | undefined {
  if (typeof caches === 'undefined') return undefined;
  return {
    async get(key) {
      const res = await (await caches.open(ATLAS_CACHE)).match(url(key));
      return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
    },
    async put(key, bytes) {
      const cache = await caches.open(ATLAS_CACHE);
      const body = bytes.slice().buffer; // a plain ArrayBuffer the Response can own
      const headers = { 'content-type': 'application/octet-stream', [WRITTEN]: String(Date.now()) };
      await cache.put(url(key), new Response(body, { headers }));
      await prune(cache);
    },
  };
}

/** Deletes all but the KEEP_ATLASES most recently written entries. */
async function prune(cache: Cache): Promise<void> {
  const requests = await cache.keys();
  if (requests.length <= KEEP_ATLASES) return;
  const written = await Promise.all(
    requests.map(async (req) => ({ req, at: Number((await cache.match(req))?.headers.get(WRITTEN) ?? 0) })),
  );
  written.sort((a, b) => b.at - a.at);
  for (const { req } of written.slice(KEEP_ATLASES)) await cache.delete(req);
}
