/// <reference lib="webworker" />
/**
 * The studio's service worker (built by vite-plugin-pwa, `injectManifest`; see README.md here).
 *
 * - Precaches the app shell (HTML, JS, CSS, icons, web manifest: files listed at build time).
 * - Caches ONNX Runtime's `.wasm`/`.mjs` at run time, the first time they are fetched (14 MB for
 *   WASM, 27 MB for WebGPU: over Workbox's 2 MiB precache limit, and fetched by the engine worker
 *   anyway). Offline, WebGPU needs an earlier online visit that used it; without one the worker
 *   falls back to WASM and says why.
 * - Serves the page itself from the precache with its security headers: COOP/COEP added when
 *   the host sent none, and `connect-src` extended with the model sites the user allowed.
 * - Never touches model packages (they live in the `muse-models-v1` cache, read directly by the
 *   app and the engine worker) and never answers cross-origin requests.
 * - A new version waits until the page asks it to take over ("Update available — Reload").
 */
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { Strategy, type StrategyHandler } from 'workbox-strategies';
import { ExpirationPlugin } from 'workbox-expiration';
import { ISOLATION_HEADERS, withModelOrigins } from './csp';
import { browserCaches, readAllowedOrigins } from '../storage/layout';
import { serveFromCache } from './serveFromCache';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

const RUNTIME_CACHE = 'muse-runtime-v1';

/** The page response with the studio's headers applied (see csp.ts). */
async function withSecurityHeaders(res: Response): Promise<Response> {
  const headers = new Headers(res.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  const origins = await readAllowedOrigins(browserCaches());
  headers.set('Content-Security-Policy', withModelOrigins(headers.get('Content-Security-Policy'), origins));
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

// Registered before the precache route, which would otherwise answer "/" without the headers.
registerRoute(
  new NavigationRoute(
    async ({ request }) => withSecurityHeaders((await matchPrecache('index.html')) ?? (await fetch(request))),
    // Matched against path + query: "/?backend=wasm" is the page too.
    { allowlist: [/^\/(index\.html)?(\?.*)?$/] },
  ),
);

/** Cache-first whose miss is answered from the entry it just stored (see serveFromCache.ts). */
class CacheFirstFromCache extends Strategy {
  protected async _handle(request: Request, handler: StrategyHandler): Promise<Response> {
    return serveFromCache(request, {
      match: (r) => handler.cacheMatch(r),
      fetch: (r) => handler.fetch(r),
      put: (r, res) => handler.cachePut(r, res),
    });
  }
}

// Hashed file names: a cached copy is always the right one. Old versions age out. Served from
// Cache Storage even on the first fetch, so Chromium keeps ORT's compiled WebAssembly beside
// that entry on the first visit and the second visit skips compiling it.
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && /\.(wasm|mjs)$/.test(url.pathname),
  new CacheFirstFromCache({ cacheName: RUNTIME_CACHE, plugins: [new ExpirationPlugin({ maxEntries: 6 })] }),
);

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// Take control of the page that installed us (first visit), so the engine worker it starts next
// fetches ONNX Runtime through this worker and the runtime cache is filled on that visit.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
