/**
 * `npm run bench -- --studio-visits N [options]` (studio/args.ts): issue 14.2's figures from the
 * real studio as users meet it, two builds side by side in one run.
 *
 * - "before": the build the issue was measured on (commit 407e2ca unless `--studio-before-commit`),
 *   in a scratch worktree outside the repository (`--studio-before DIR`, made, installed and built
 *   when missing); "now": this checkout (`--studio-now DIR`). Each is built by its own
 *   `vite build` and served by its own `vite preview`, i.e. what `npm start` serves, with that
 *   checkout's headers (the page must come cross-origin isolated, or the run stops).
 * - One persistent Chromium profile per build: a first visit (installs the service worker, caches
 *   the runtime and the model, keeps the browser open `--studio-idle` ms more), then N cached
 *   visits each, alternating before/now, each a fresh browser process (studio/visit.ts).
 * - Per visit: navigation → Ready, Generate pressed at Ready → first image, one more (warm)
 *   generation; medians over the cached visits, Ready now/before and first image after Ready /
 *   warm generation (studio/report.ts), with the load average.
 *
 * Prints the table, writes `--json FILE` and, unless `--no-write`, the block between the
 * `bench:studio-visits` markers of docs/BENCHMARKS.md (the issue 14.2 section).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumVersion } from './browser';
import { replaceBetween } from './shared/docMarkers';
import { parseStudioArgs, type StudioOptions } from './studio/args';
import { prepareCheckout, servePreview, type StudioServer } from './studio/checkout';
import { studioMarkdown, summariseStudio, targetLines, type Build, type StudioRunInfo, type StudioVisitRow } from './studio/report';
import { visitStudio, type VisitRecord } from './studio/visit';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = path.join(ROOT, 'docs/BENCHMARKS.md');
const MARK = { start: '<!-- bench:studio-visits:start -->', end: '<!-- bench:studio-visits:end -->' };
const HEADING = '### The built studio, two builds side by side (`npm run bench -- --studio-visits N`)';

const log = (l: string): void => void process.stderr.write(`${l}\n`);
const load1 = (): number => os.loadavg()[0];

function shortCommit(dir: string): string {
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return path.basename(dir);
  }
}

/** A visit row for the report, and the full record for the JSON. */
type Measured = StudioVisitRow & Omit<VisitRecord, 'times'>;

/** Checks what makes a visit comparable: isolated (ORT's threads) and on the WASM backend. */
function problems(build: Build, visit: number, r: VisitRecord, first: boolean): string[] {
  const out: string[] = [];
  const at = `${build} visit ${visit}`;
  if (!r.crossOriginIsolated) out.push(`${at}: the page was not cross-origin isolated (ORT ran one thread)`);
  if (r.backend !== 'wasm') out.push(`${at}: the active backend was ${r.backend || 'unknown'}, not wasm`);
  if (!first && !r.controlled) out.push(`${at}: no service worker controlled the page on a cached visit`);
  out.push(...r.errors.map((e) => `${at}: page error: ${e}`));
  return out;
}

async function measure(opt: StudioOptions, servers: Record<Build, StudioServer>, errors: string[]): Promise<Measured[]> {
  const profiles: Record<Build, string> = {
    before: await mkdtemp(path.join(os.tmpdir(), 'muse-studio-before-')),
    now: await mkdtemp(path.join(os.tmpdir(), 'muse-studio-now-')),
  };
  const rows: Measured[] = [];
  // Also when this process ends early (Ctrl+C), as the preview servers do (studio/checkout.ts).
  const removeProfiles = (): void => Object.values(profiles).forEach((p) => rmSync(p, { recursive: true, force: true }));
  process.once('exit', removeProfiles);
  try {
    for (let visit = 0; visit <= opt.visits; visit++) {
      for (const build of ['before', 'now'] as const) {
        const first = visit === 0;
        try {
          const r = await visitStudio({
            profile: profiles[build], url: `${servers[build].url}/${opt.query}`, prompt: opt.prompt, seed: opt.seed, idleMs: first ? 2 * opt.idleMs : opt.idleMs, first, log: (l) => log(`[${build}] ${l}`),
          });
          const row: Measured = { build, visit, load: load1(), ...r };
          rows.push(row);
          const t = r.times;
          log(`[${build}] visit ${visit}${first ? ' (first)' : ''}: ready ${t.ready.toFixed(0)} ms, pressed +${t.pressDelay.toFixed(0)}, first image ${t.firstImage.toFixed(0)} (${t.firstAfterReady.toFixed(0)} after Ready), warm ${t.warm.toFixed(0)}; ` +
            `code cache ${r.stores.codeCacheWasmKB} KB, Cache Storage ${r.stores.cacheStorageKB} KB; load ${row.load.toFixed(1)}`);
          errors.push(...problems(build, visit, r, first));
        } catch (e) {
          const m = `${build} visit ${visit}: ${e instanceof Error ? e.message : String(e)}`;
          errors.push(m);
          log(m);
        }
      }
    }
  } finally {
    process.removeListener('exit', removeProfiles);
    removeProfiles();
  }
  return rows;
}

/** Runs the studio-visit bench with the command line's arguments (after `npm run bench --`). */
export async function runStudioVisits(argv: string[]): Promise<void> {
  const opt = parseStudioArgs(argv, ROOT);
  await prepareCheckout(opt.beforeDir, { repo: ROOT, commit: opt.beforeCommit, build: opt.build, log });
  await prepareCheckout(opt.nowDir, { repo: ROOT, build: opt.build, log });
  const errors: string[] = [];
  const loadAtStart = load1();
  const started = performance.now();
  const servers: Partial<Record<Build, StudioServer>> = {};
  let rows: Measured[] = [];
  try {
    servers.before = await servePreview(opt.beforeDir, opt.ports[0], log);
    servers.now = await servePreview(opt.nowDir, opt.ports[1], log);
    log(`studio: before ${servers.before.url} (${opt.beforeDir}), now ${servers.now.url} (${opt.nowDir}); ${opt.visits} cached visits each`);
    rows = await measure(opt, servers as Record<Build, StudioServer>, errors);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }
  const info: StudioRunInfo = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench -- ${argv.join(' ')}`,
    beforeCommit: shortCommit(opt.beforeDir),
    nowCommit: shortCommit(opt.nowDir),
    chromium: chromiumVersion(),
    loadAverage: [loadAtStart, load1()],
    seconds: (performance.now() - started) / 1000,
    prompt: opt.prompt,
    seed: opt.seed,
    query: opt.query,
  };
  const summary = summariseStudio(rows);
  const table = studioMarkdown(info, rows, summary) + (errors.length ? `\n\nErrors in this run:\n${errors.map((e) => `- ${e}`).join('\n')}` : '');
  console.log(`\n${table}\n`);
  for (const l of targetLines(summary)) console.log(l);
  if (opt.json) await writeFile(opt.json, JSON.stringify({ ...info, summary, rows, errors }, null, 2) + '\n');
  if (opt.write) {
    const doc = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Benchmarks\n';
    await writeFile(DOC, replaceBetween(doc, MARK, table, HEADING));
    log(`wrote ${path.relative(ROOT, DOC)}`);
  }
  if (errors.length) process.exitCode = 1;
}
