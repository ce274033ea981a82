/**
 * A static server for the bench page and one model package (and the --against one, at /against/),
 * with the headers the studio needs:
 * cross-origin isolation (COOP/COEP, so ORT gets SharedArrayBuffer and threads) and long-lived
 * Cache-Control on the package and assets (so a second load can come from the HTTP cache).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

export interface BenchServer {
  url: string;
  /** URL of the model package folder, ending in '/'. */
  pkgUrl: string;
  /** URL of the --against package folder, ending in '/', when one was given. */
  againstUrl?: string;
  close(): Promise<void>;
}

export async function startServer(pageDir: string, modelDir: string, againstDir?: string): Promise<BenchServer> {
  const mounts: Array<[string, string]> = [['/pkg/', path.resolve(modelDir)], ['/', path.resolve(pageDir)]];
  if (againstDir) mounts.unshift(['/against/', path.resolve(againstDir)]);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      const [prefix, root] = mounts.find(([p]) => url.pathname.startsWith(p))!;
      let rel: string;
      try {
        rel = decodeURIComponent(url.pathname.slice(prefix.length)) || 'bench.html';
      } catch {
        rel = '\0';
      }
      const file = path.resolve(root, rel);
      const info = file.startsWith(root + path.sep) ? await stat(file).catch(() => null) : null;
      if (!info?.isFile()) {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(`Not found: ${url.pathname}\n`);
        return;
      }
      res.statusCode = 200;
      res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
      res.setHeader('Content-Length', String(info.size));
      res.setHeader('Cache-Control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=86400');
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pkgUrl: `${url}/pkg/`,
    ...(againstDir ? { againstUrl: `${url}/against/` } : {}),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
