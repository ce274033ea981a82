/**
 * `npm start [-- --port N] [-- --host]`: the studio as users should meet it, fast — a production
 * build served by Vite's preview server, which sends the production headers (cross-origin
 * isolation for multithreaded WASM, the Content-Security-Policy: vite.config.ts). It builds
 * first only when `dist/` is missing or older than a file the build reads; otherwise it serves
 * at once. `npm run dev` is the development server (hot reload, unminified, slower to load).
 *
 * Model packages are not build inputs here: the preview server serves them from the repository
 * (vite.config.ts, modelPackages), so a new package needs no rebuild.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'dist');
/** Written after a successful build: its modification time is the build's. */
const STAMP = path.join(OUT, '.muse-build');
/** What `vite build` reads (besides node_modules, covered by the lockfile). */
const INPUTS = ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json', 'tsconfig.base.json', 'tsconfig.app.json', 'tsconfig.sw.json'];

/** The newest modification time under `p` (a file or a folder), 0 when it does not exist. */
function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const info = statSync(p);
  if (!info.isDirectory()) return info.mtimeMs;
  let t = info.mtimeMs; // a deleted file shows as its folder's change
  for (const entry of readdirSync(p)) t = Math.max(t, newest(path.join(p, entry)));
  return t;
}

/** Why a build is needed, or null when dist/ is up to date. */
function staleReason(): string | null {
  if (!existsSync(STAMP)) return 'no build yet';
  const built = statSync(STAMP).mtimeMs;
  const changed = INPUTS.find((p) => newest(path.join(ROOT, p)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

function parseArgs(argv: string[]): { port?: number; host?: boolean | string; force: boolean } {
  const out: { port?: number; host?: boolean | string; force: boolean } = { force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`--port needs a port number, got ${String(argv[i])}`);
      out.port = n;
    } else if (a === '--host') {
      const next = argv[i + 1];
      out.host = next && !next.startsWith('--') ? (i++, next) : true;
    } else if (a === '--rebuild') {
      out.force = true;
    } else {
      throw new Error(`unknown option ${a} (npm start -- [--port N] [--host [ADDRESS]] [--rebuild])`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const reason = opts.force ? 'asked to rebuild' : staleReason();
  if (reason) {
    const t = performance.now();
    console.log(`Building the studio (${reason}) …`);
    await build({ root: ROOT, logLevel: 'warn' });
    writeFileSync(STAMP, `${new Date().toISOString()}\n`);
    console.log(`Built in ${((performance.now() - t) / 1000).toFixed(1)} s.`);
  }
  const server = await preview({
    root: ROOT,
    preview: { ...(opts.port ? { port: opts.port } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}) },
  });
  console.log('Muse Studio (production build; `npm run dev` for hot reload):');
  server.printUrls();
}

main().catch((e: unknown) => {
  console.error(`npm start failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
