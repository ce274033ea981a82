/**
 * A second origin for the model-manager tests: serves variants of tests/fixtures/tiny the way a
 * model host would (CORS on, nothing else), and records what it was asked for.
 *   /tiny-copy/   tiny renamed "tiny-copy" / "Tiny copy" (a different package)
 *   /bad-sha/     tiny-copy whose manifest lists a wrong sha256 for vqgan/decoder.onnx
 *   /html/        answers every file with an HTML page
 *   /v2/          formatVersion 2
 *   /escape/      a manifest listing "../secret.json"
 *   /drop/        tiny-copy whose connection is cut while sending transformer/base.onnx
 *   /stall/       tiny-copy that, while `stall` is set, sends part of transformer/super_res.onnx
 *                 (the 5th file) and then nothing: a download that is still going when the
 *                 page reloads
 */
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// E2E_MODEL_PORT lets a second suite run beside another one (like E2E_PORT, playwright.config.ts).
export const MODEL_PORT = Number(process.env.E2E_MODEL_PORT ?? 4191);
export const MODEL_ORIGIN = `http://localhost:${MODEL_PORT}`;

function readTree(dir: string, prefix = '', out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) readTree(full, `${prefix}${name}/`, out);
    else out.set(prefix + name, readFileSync(full));
  }
  return out;
}

type Manifest = Record<string, unknown> & { files: Record<string, { sha256: string; bytes: number }> };

function variant(edit: (m: Manifest) => void): Map<string, Buffer> {
  const files = readTree(path.resolve('tests/fixtures/tiny'));
  const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest;
  manifest.name = 'tiny-copy';
  manifest.displayName = 'Tiny copy';
  edit(manifest);
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  return files;
}

export interface ModelServer {
  requests: string[];
  /** /stall/ holds transformer/super_res.onnx while this is true. */
  stall: boolean;
  close(): Promise<void>;
}

export async function startModelServer(): Promise<ModelServer> {
  const packages: Record<string, Map<string, Buffer>> = {
    'tiny-copy': variant(() => {}),
    'bad-sha': variant((m) => (m.files['vqgan/decoder.onnx'].sha256 = createHash('sha256').update('not it').digest('hex'))),
    v2: variant((m) => (m.formatVersion = 2)),
    escape: variant((m) => (m.files['../secret.json'] = { sha256: '0'.repeat(64), bytes: 2 })),
    drop: variant(() => {}),
    stall: variant(() => {}),
  };
  const requests: string[] = [];
  let stall = false;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', MODEL_ORIGIN);
    requests.push(`${req.method} ${url.pathname}`);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const [, pkg, ...rest] = url.pathname.split('/');
    const file = decodeURIComponent(rest.join('/'));
    if (pkg === 'html') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<!doctype html><html><body><h1>Welcome to our site</h1></body></html>');
      return;
    }
    const bytes = packages[pkg]?.get(file);
    if (!bytes) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', String(bytes.length));
    if (pkg === 'drop' && file === 'transformer/base.onnx') {
      res.write(bytes.subarray(0, 1000));
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (pkg === 'stall' && file === 'transformer/super_res.onnx' && stall) {
      res.write(bytes.subarray(0, 1000)); // and nothing more, until the browser gives up on it
      return;
    }
    res.end(bytes);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(MODEL_PORT, 'localhost', ok);
  });
  return {
    requests,
    get stall() {
      return stall;
    },
    set stall(on: boolean) {
      stall = on;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections(); // a stalled response would keep close() waiting
      }),
  };
}
