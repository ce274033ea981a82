import { randomBytes } from 'node:crypto';
import { cp, stat } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { VitePWA } from 'vite-plugin-pwa';
import { BASE_POLICY, devPolicy, pageHeaders, renderPolicy } from './src/sw/csp.ts';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Cross-origin isolation: ORT only runs multithreaded WASM when the page is
 * crossOriginIsolated (SharedArrayBuffer). Everything we load is same-origin.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * What the preview server (= production, see docs/DEPLOY.md) sends with every response:
 * isolation plus the Content-Security-Policy and friends of src/sw/csp.ts.
 */
const productionHeaders = { ...isolationHeaders, ...pageHeaders() };

/**
 * The dev server sends the same headers with `devPolicy` (measured in docs/DEPLOY.md): the
 * production policy plus a nonce that Vite puts on React Refresh's inline preamble and on the
 * `<style>` elements its client injects (`html.cspNonce`, dev only: a build must stay
 * nonce-free), and model sites in `connect-src`, as no service worker adds them in dev. One
 * random nonce per server start, since Vite takes a single value.
 */
const devNonce = randomBytes(18).toString('base64');
const devHeaders = { ...isolationHeaders, ...pageHeaders(devPolicy(devNonce)) };

/**
 * Build only: the same policy as a <meta> tag, minus what a meta tag cannot carry
 * (`frame-ancestors`) and minus `connect-src` and `default-src` (its fallback): every policy is
 * enforced, so a meta `connect-src` would block the model sites the service worker adds to the
 * header's. It keeps the no-eval, own-scripts-only rules on hosts that cannot send headers.
 */
function cspMeta(): Plugin {
  const { 'frame-ancestors': _fa, 'connect-src': _cs, 'default-src': _ds, ...rest } = BASE_POLICY;
  return {
    name: 'muse-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: renderPolicy(rest) }, injectTo: 'head-prepend' },
    ],
  };
}

/**
 * The PWA: web app manifest, and the service worker of src/sw/sw.ts (precache of the app shell;
 * ONNX Runtime's wasm and model packages are cached at run time, see src/sw/README.md).
 */
function pwa() {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/sw',
    filename: 'sw.ts',
    registerType: 'prompt',
    injectRegister: false,
    injectManifest: {
      rollupFormat: 'iife',
      // The shell only: ORT's 26 MB wasm would break Workbox's 2 MiB limit (and the build), and
      // model packages are stored by the model manager, once.
      globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest}'],
      globIgnores: ['models/**', 'tests/**', '**/*.wasm', '**/*.mjs'],
    },
    manifest: {
      id: '/',
      name: 'Muse Studio',
      short_name: 'Muse',
      description: 'Text-to-image generation and editing that runs entirely in your browser, offline and private.',
      theme_color: '#18181b',
      background_color: '#09090b',
      display: 'standalone',
      start_url: '/',
      scope: '/',
      icons: [
        { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
        { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
  });
}

/** URL prefix → repo folder holding model packages. */
const packageFolders: Record<string, string> = {
  '/models/': 'models',
  '/tests/fixtures/': 'tests/fixtures',
};

const contentTypes: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

function notFound(res: ServerResponse, what: string): void {
  res.statusCode = 404;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
  res.end(`Not found: ${what}\n`);
}

/**
 * Serves model packages straight from the repo in dev and preview, and copies
 * them into dist on build. A missing file is a real 404: a dev server that
 * answers index.html with 200 makes a broken package look like a corrupt one.
 */
function modelPackages(): Plugin {
  const middleware = async (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const prefix = Object.keys(packageFolders).find((p) => url.pathname.startsWith(p));
    if (!prefix) return next();
    const base = path.join(root, packageFolders[prefix]);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname.slice(prefix.length));
    } catch {
      return notFound(res, url.pathname);
    }
    const file = path.resolve(base, rel);
    if (!file.startsWith(base + path.sep)) return notFound(res, url.pathname);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return notFound(res, url.pathname);
    res.statusCode = 200;
    res.setHeader('Content-Type', contentTypes[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(info.size));
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    // Packages may be added from another origin's studio (docs/DEPLOY.md: model hosts need CORS).
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
  let outDir = path.join(root, 'dist');
  let isBuild = false;
  return {
    name: 'muse-model-packages',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
      isBuild = config.command === 'build';
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
    async closeBundle() {
      if (!isBuild) return; // dev servers call closeBundle on shutdown too
      for (const [prefix, folder] of Object.entries(packageFolders)) {
        const from = path.join(root, folder);
        if (existsSync(from)) await cp(from, path.join(outDir, prefix), { recursive: true });
      }
    },
  };
}

export default defineConfig(({ command, isPreview }) => ({
  plugins: [react(), tailwindcss(), modelPackages(), cspMeta(), pwa()],
  // No client-side routes: a missing file must be a 404, never index.html with status 200
  // (which ORT and the package loader would try to parse as wasm / JSON / ONNX).
  appType: 'mpa',
  // Pre-bundling rewrites ORT's `new URL('*.wasm', import.meta.url)` into a path
  // that does not exist, and the dev server then answers the wasm with HTML.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
  server: { port: 5173, strictPort: true, headers: devHeaders },
  preview: { port: 4173, strictPort: true, headers: productionHeaders },
  ...(command === 'serve' && !isPreview ? { html: { cspNonce: devNonce } } : {}),
  build: {
    target: 'es2022',
    // Rolldown warns when plugins take "significant time", which on a busy 2-core machine is
    // every build: a timing report, not something a user of `npm start` can act on.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
}));
