/**
 * Cache-first that answers a miss with the *cached* copy, not the network response.
 *
 * Why: Chromium keeps the compiled code of a WebAssembly module that was stream-compiled from a
 * Cache Storage response beside that cache entry, and reuses it only when a later compile reads
 * the same entry. Workbox's CacheFirst answers a miss with the network response, so on the first
 * visit the compiled ORT runtime was stored against the HTTP cache (which the service worker
 * never reads again), the second visit compiled it once more from Cache Storage, and only the
 * third reused it. Answering from the entry just written lets the second visit reuse it
 * (measured in docs/BENCHMARKS.md, "WebAssembly code cache").
 *
 * Pure (the cache and the network are passed in), so it is tested without a service worker.
 */

/** What serveFromCache reads and writes: Workbox's StrategyHandler, or a test's fakes. */
export interface CacheIo {
  match(request: Request): Promise<Response | undefined>;
  fetch(request: Request): Promise<Response>;
  /** Stores the response; false (or a rejection, e.g. over quota) when it was not stored. */
  put(request: Request, response: Response): Promise<boolean>;
}

/**
 * The cached response for `request`; on a miss, fetches it, stores it and answers with the stored
 * copy. A failed or refused store, or a non-OK answer, falls back to the network response itself.
 */
export async function serveFromCache(request: Request, io: CacheIo): Promise<Response> {
  const hit = await io.match(request);
  if (hit) return hit;
  const response = await io.fetch(request);
  if (!response.ok) return response;
  let stored = false;
  try {
    stored = await io.put(request, response.clone());
  } catch {
    // Over quota or the like: the page still gets the file, only without the cached copy.
  }
  return (stored && (await io.match(request))) || response;
}
