/**
 * Does a later visit reuse Chromium's compiled code for ORT's WebAssembly? (issue 14.2)
 *
 *   npx tsx scripts/bench/wasmCache.ts [--mode http|sw|sw-match|octet] [--visits N] [--port P] [--idle MS]
 *                                      [--model FILE.onnx] [--run-seconds S]
 *   (WASMCACHE_JSFLAGS='--js-flags=…' passes V8 flags, e.g. a lower --wasm-caching-threshold)
 *
 * Each visit is a fresh Chromium process on one persistent profile (so the HTTP cache, Cache
 * Storage and Chromium's wasm code cache survive, as between a user's visits). The page starts a
 * module worker that loads ORT the way the studio does (`ort.wasm.bundle.min.mjs`, which fetches
 * `ort-wasm-simd-threaded.wasm` next to itself and compiles it with `instantiateStreaming`), with
 * the studio's settings (2 threads, no proxy, cross-origin isolated), and times the first
 * `InferenceSession.create` (ORT's start + one session) and runs of `--model` (models/scenes' VQGAN
 * decoder unless told), which drive V8's tier-up: at least 4, and more until `--run-seconds`. Four
 * runs of the decoder optimise too little to be cached; 10 s of the base transformer do. The page then stays open `--idle` ms, because Chromium writes
 * the code cache only after enough functions are optimized.
 *
 * Modes: `http` serves the .wasm as `application/wasm` with the preview server's validators
 * (ETag, Last-Modified, no Cache-Control: revalidated from the HTTP cache); `sw` adds a service
 * worker that answers .wasm/.mjs cache-first from Cache Storage and a miss with the network
 * response (Workbox's CacheFirst, the studio's rule before this harness); `sw-match` answers the
 * miss from the entry it just stored (src/sw/serveFromCache.ts, the studio's rule now); `octet`
 * sends `application/octet-stream`, which makes `instantiateStreaming` reject so ORT falls back
 * to compiling an ArrayBuffer (a control: no code cache possible).
 *
 * After each visit it reports the bytes of the profile's `Code Cache/wasm` (code compiled from
 * network/HTTP-cache responses) and of its Cache Storage (which holds the code compiled from a
 * Cache Storage response beside that entry): where, if anywhere, Chromium kept the compiled code.
 * (V8's `--trace-wasm-streaming` would say so directly, but a headless renderer's stdout is not
 * visible here.) Prints one JSON line per visit.
 */
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { profileStoresKB } from './shared/profileStores';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ORT_DIST = path.join(ROOT, 'node_modules/onnxruntime-web/dist');

type Mode = 'http' | 'sw' | 'sw-match' | 'octet';
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const mode = opt('mode', 'http') as Mode;
if (!['http', 'sw', 'sw-match', 'octet'].includes(mode)) throw new Error(`--mode must be http, sw, sw-match or octet, got ${mode}`);
const visits = Number(opt('visits', '3'));
const port = Number(opt('port', '4351'));
const idleMs = Number(opt('idle', '8000'));
const runSeconds = Number(opt('run-seconds', '0'));
const MODEL = path.resolve(ROOT, opt('model', 'models/scenes/vqgan/decoder.onnx'));

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
  if (${mode.startsWith('sw')}) {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  }
  const w = new Worker('/w.mjs', { type: 'module' });
  const report = (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) });
  w.onmessage = (e) => report(e.data);
  w.onerror = (e) => report({ error: e.message });
</script>`;

const WORKER = `
  const t0 = performance.now();
  const ort = await import('/ort/ort.wasm.bundle.min.mjs');
  const tImport = performance.now() - t0;
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = 2;
  ort.env.wasm.proxy = false;
  try {
    const t1 = performance.now();
    const session = await ort.InferenceSession.create('/model.onnx', { executionProviders: ['wasm'] });
    const create = performance.now() - t1;
    const feeds = {};
    for (const m of session.inputMetadata) {
      const shape = m.shape.map((d) => (typeof d === 'number' ? d : 1));
      const n = shape.reduce((a, b) => a * b, 1);
      const data = m.type === 'int64' ? new BigInt64Array(n) : m.type === 'int32' ? new Int32Array(n) : new Float32Array(n);
      feeds[m.name] = new ort.Tensor(m.type, data, shape);
    }
    const runs = [];
    const tRuns = performance.now();
    for (let i = 0; i < 4 || performance.now() - tRuns < ${runSeconds * 1000}; i++) { const t = performance.now(); await session.run(feeds); runs.push(Math.round(performance.now() - t)); }
    postMessage({ import: Math.round(tImport), create: Math.round(create), runs });
  } catch (e) { postMessage({ error: String(e) }); }
`;

// Cache-first for .wasm/.mjs like src/sw/sw.ts (Workbox CacheFirst: match, else fetch and put).
const SW = `
  self.addEventListener('install', () => self.skipWaiting());
  self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
  self.addEventListener('fetch', (e) => {
    if (!/\\.(wasm|mjs)$/.test(new URL(e.request.url).pathname)) return;
    e.respondWith((async () => {
      const cache = await caches.open('rt');
      const hit = await cache.match(e.request);
      if (hit) return hit;
      const res = await fetch(e.request);
      if (!res.ok) return res;
      if (${mode === 'sw-match'}) { await cache.put(e.request, res); return (await cache.match(e.request)) ?? fetch(e.request); }
      await cache.put(e.request, res.clone());
      return res;
    })());
  });
`;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.html': 'text/html', '.onnx': 'application/octet-stream' };

function sendFile(res: ServerResponse, file: string, type: string, ifNoneMatch: string | undefined): void {
  const st = statSync(file);
  const etag = `W/"${st.size}-${st.mtimeMs}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', st.mtime.toUTCString());
  if (ifNoneMatch === etag) return void res.writeHead(304).end();
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': st.size }).end(readFileSync(file));
}

/** The first four runs and, when there were more, how many and their median. */
function summarize(runs: number[] | undefined): unknown {
  if (!runs || runs.length <= 4) return runs;
  const sorted = [...runs].sort((a, b) => a - b);
  return { first: runs.slice(0, 4), count: runs.length, median: sorted[sorted.length >> 1] };
}

const counts = { wasm200: 0, wasm304: 0 };
let onResult: (r: unknown) => void = () => undefined;
const server = createServer((req, res) => {
  // What the studio's preview server and service worker send: cross-origin isolation for threads.
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  const url = new URL(req.url ?? '/', 'http://x');
  const inm = req.headers['if-none-match'];
  if (url.pathname === '/result') {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => onResult(JSON.parse(body)));
    return void res.writeHead(204).end();
  }
  if (url.pathname === '/') return void res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' }).end(PAGE);
  if (url.pathname === '/w.mjs') return void res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(WORKER);
  if (url.pathname === '/sw.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(SW);
  if (url.pathname === '/model.onnx') return sendFile(res, MODEL, TYPES['.onnx'], inm);
  if (url.pathname.startsWith('/ort/')) {
    const file = path.join(ORT_DIST, path.basename(url.pathname));
    const ext = path.extname(file);
    if (ext === '.wasm') {
      if (inm) counts.wasm304++;
      else counts.wasm200++;
      return sendFile(res, file, mode === 'octet' ? 'application/octet-stream' : 'application/wasm', inm);
    }
    return sendFile(res, file, TYPES[ext] ?? 'application/octet-stream', inm);
  }
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

const profile = mkdtempSync(path.join(tmpdir(), 'wasmcache-'));
try {
  for (let v = 1; v <= visits; v++) {
    const result = new Promise<unknown>((r) => (onResult = r));
    const before = { ...counts };
    // A fresh browser process per visit, as a user's next visit is; killed after --idle ms.
    const browser = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', [
      '--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...(process.env.WASMCACHE_JSFLAGS ? [process.env.WASMCACHE_JSFLAGS] : []),
      `http://127.0.0.1:${port}/`,
    ], { stdio: 'ignore' });
    const exited = new Promise((r) => browser.on('exit', r));
    const r = await result;
    await new Promise((r) => setTimeout(r, idleMs));
    browser.kill('SIGTERM');
    await exited;
    console.log(JSON.stringify({
      mode, visit: v, ...(r as object), runs: summarize((r as { runs?: number[] }).runs),
      wasm200: counts.wasm200 - before.wasm200, wasm304: counts.wasm304 - before.wasm304,
      ...profileStoresKB(profile),
      load: readFileSync('/proc/loadavg', 'utf8').trim(),
    }));
  }
} finally {
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
