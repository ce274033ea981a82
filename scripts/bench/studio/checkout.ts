/**
 * A built studio to measure: a checkout (this repository, or a scratch worktree of an older
 * commit), built with its own `vite build` and served by its own `vite preview` — what `npm start`
 * serves today, with the headers that checkout's vite.config.ts sends (cross-origin isolation,
 * the Content-Security-Policy) and its model packages from its own `models/`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

type Log = (line: string) => void;

/** Runs a command to completion, its output going to the log; rejects with the last lines on failure. */
function run(cmd: string, args: string[], cwd: string, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const keep = (d: Buffer): void => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      log(tail.join('\n'));
      reject(new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} exited with ${String(code)}`));
    });
  });
}

const viteBin = (dir: string): string => path.join(dir, 'node_modules/.bin/vite');

/**
 * Makes `dir` a built checkout: a detached worktree of `commit` (from the repository at `repo`)
 * when it does not exist, its dependencies when it has none (`npm ci`, ONNX Runtime's CUDA
 * download skipped as in README), and `vite build` when asked or when it has no dist/ yet.
 */
export async function prepareCheckout(dir: string, opts: { repo: string; commit?: string; build: boolean; log: Log }): Promise<void> {
  const { log } = opts;
  if (!existsSync(dir)) {
    if (!opts.commit) throw new Error(`no checkout at ${dir}`);
    log(`studio: making a worktree of ${opts.commit} at ${dir} (remove it later with \`git worktree remove --force ${dir}\`)`);
    await run('git', ['-C', opts.repo, 'worktree', 'add', '--detach', dir, opts.commit], opts.repo, log);
  }
  if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`${dir} is not a checkout of the studio (no package.json)`);
  if (!existsSync(viteBin(dir))) {
    log(`studio: npm ci in ${dir} …`);
    await run('npm', ['ci', '--no-audit', '--no-fund'], dir, log, { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' });
  }
  if (opts.build || !existsSync(path.join(dir, 'dist/index.html'))) {
    const t = performance.now();
    log(`studio: vite build in ${dir} …`);
    await run(viteBin(dir), ['build', '--logLevel', 'warn'], dir, log);
    log(`studio: built ${dir} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
}

/** A running `vite preview` of one checkout. */
export interface StudioServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The headers a page needs for ORT's threads: COOP `same-origin` and COEP `require-corp` or
 * `credentialless`. Returns what is missing, in words, or undefined when both are there.
 */
export function missingIsolation(headers: { get(name: string): string | null }): string | undefined {
  const coop = headers.get('cross-origin-opener-policy');
  const coep = headers.get('cross-origin-embedder-policy');
  const missing: string[] = [];
  if (coop !== 'same-origin') missing.push(`Cross-Origin-Opener-Policy is ${coop ?? 'absent'} (needs same-origin)`);
  if (coep !== 'require-corp' && coep !== 'credentialless') missing.push(`Cross-Origin-Embedder-Policy is ${coep ?? 'absent'} (needs require-corp or credentialless)`);
  return missing.length ? missing.join('; ') : undefined;
}

/** Polls `url` until it answers, the child exits, or `ms` pass. */
async function waitForServer(url: string, child: ChildProcess, ms: number): Promise<Response> {
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const until = Date.now() + ms;
  for (;;) {
    if (exited !== undefined) throw new Error(`vite preview exited with ${String(exited)} before serving ${url} (is the port taken?)`);
    try {
      return await fetch(url);
    } catch {
      if (Date.now() > until) throw new Error(`vite preview did not answer at ${url} within ${ms / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Starts the checkout's own `vite preview` on `port` (127.0.0.1) and checks that its page is
 * sent cross-origin isolated; the caller closes it.
 */
export async function servePreview(dir: string, port: number, log: Log): Promise<StudioServer> {
  // An older checkout's config draws Vite's notice about its config loader: noise here.
  const env = { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' };
  const child = spawn(viteBin(dir), ['preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => log(`[preview ${port}] ${d.toString().trimEnd()}`));
  child.stdout.resume();
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Also when this process ends early (Ctrl+C: Playwright exits on SIGINT without our finally blocks).
  const stop = (): void => void (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'));
  process.once('exit', stop);
  const close = async (): Promise<void> => {
    process.removeListener('exit', stop);
    stop();
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    const res = await waitForServer(`${url}/`, child, 60_000);
    if (!res.ok) throw new Error(`${url}/ answered ${res.status}`);
    const missing = missingIsolation(res.headers);
    if (missing) throw new Error(`${dir}'s preview server does not isolate the page: ${missing}`);
    await res.arrayBuffer();
  } catch (e) {
    await close();
    throw e;
  }
  return { url, close };
}
