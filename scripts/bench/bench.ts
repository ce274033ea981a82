/**
 * `npm run bench [-- options]`: the Muse speed claim on our own model, one machine, one run.
 *
 *   --model DIR              package folder (default models/scenes)
 *   --against DIR            a second package measured in the same run: in each backend both load in the same
 *                            process / browser worker and their jobs alternate (model, against, model, …) with the
 *                            same prompts and seeds, each at its own defaults; adds the comparison (per-stage medians,
 *                            model / against) to the output, the JSON (`comparison`) and, when writing, only its own
 *                            section of docs/BENCHMARKS.md (the main tables and results.json are left alone)
 *   --steps-base N           base steps of --model's jobs instead of its package default (not --against's)
 *   --steps-sr N             the same for the super-res stage; the report names both overrides
 *   --runs N                 measured runs per backend, median reported (default 5)
 *   --warmups N              full-length warm-up runs before them (default 0; a short warm-up job of
 *                            1 base + 1 super-res step, which runs every graph at every shape, always runs)
 *   --browser-budget S       wall-clock budget per browser backend in seconds (default 900): fewer runs,
 *                            no browser baseline or readback experiment when they would not fit (WebGPU on
 *                            SwiftShader takes minutes per image); 0 = no budget
 *   --quick                  --runs 2 (harness check; the numbers are noisier)
 *   --backends LIST          any of node,wasm,webgpu (default all three)
 *   --no-baseline            skip the one-token-per-pass baseline
 *   --no-browser-baseline    run the baseline in Node only (it also runs in browser WASM by default)
 *   --baseline-runs N        baseline images per backend (default 1: it is long and steady)
 *   --baseline-max-passes N  cap baseline passes per stage and extrapolate (default 0 = full)
 *   --no-readback            skip the WebGPU logits-readback experiment
 *   --profile                also profile ORT in Node (per-op time of each graph) → docs/bench/profile-*.json
 *   --no-build               reuse the last build of the bench page
 *   --no-previews            previews off (the studio has them on; this measures what they cost)
 *   --session-options JSON   extra ORT session options for every session, e.g.
 *                            '{"extra":{"session.intra_op.allow_spinning":"0"}}' (experiments, no engine change)
 *   --visits N               cached visits per start path in Chromium (default 2): the first Generate sent at Ready,
 *                            and sent after the warm-up, alternating; 0 = none (they run at the package defaults,
 *                            whatever --steps-* say). The start before issue 14.2 against today's: --studio-visits.
 *   --no-write               print only; do not touch docs/
 *   --json FILE              also write the full results JSON to FILE (e.g. with --no-write)
 *
 * A separate mode, off unless asked for: `--studio-visits N` measures the built studio as users meet
 * it, the build issue 14 was measured on against today's, N cached visits each (scripts/bench/studioVisits.ts,
 * its options in scripts/bench/studio/args.ts; the other options above do not apply to it). It is
 * the only before → now comparison of a cached visit (issue 14.2's Ready ratio).
 *
 * Writes docs/bench/results.json and the tables between the markers in docs/BENCHMARKS.md (with
 * --against, only the comparison's own section).
 * No test asserts wall-clock times: this is a measurement, not a check.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Manifest } from '../../src/engine';
import { chromiumVersion, runBrowser } from './browser';
import { compareBackend, comparisonMarkdown, comparisonTarget, type BackendComparison, type Comparison } from './compare';
import { modelInfo, type ModelInfo } from './model';
import { HELP, parseArgs } from './options';
import type { ProfileSummary } from './profile';
import { computeTargets, markdown, profileMarkdown, summarise, summariseBaseline, type MachineInfo, type Report } from './report';
import { startServer } from './server';
import { replaceBetween } from './shared/docMarkers';
import type { BackendResult, RunnerConfig, StepOverrides } from './shared/types';
import { isStudioMode } from './studio/args';
import { runStudioVisits } from './studioVisits';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB = path.join(ROOT, 'scripts/bench/web');
const PAGE_OUT = path.join(ROOT, 'node_modules/.cache/muse-bench/web');
const DOC = path.join(ROOT, 'docs/BENCHMARKS.md');
const RESULTS = path.join(ROOT, 'docs/bench/results.json');
const MARK = { start: '<!-- bench:results:start -->', end: '<!-- bench:results:end -->' };
const PMARK = { start: '<!-- bench:profile:start -->', end: '<!-- bench:profile:end -->' };
const AMARK = { start: '<!-- bench:against:start -->', end: '<!-- bench:against:end -->' };

const log = (l: string): void => void process.stderr.write(`${l}\n`);

/** Distinct prompts of one shape (so text encoding is never a cache hit and costs the same each run). */
function prompts(): string[] {
  const colours = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'white', 'black'];
  const things = ['hot-air balloon', 'boat', 'house', 'tree'];
  const places = ['by the sea', 'in the mountains', 'in the city', 'in the desert', 'in a meadow'];
  const times = ['at sunset', 'at night', 'during the day'];
  const out: string[] = [];
  for (let i = 0; i < 40; i++) out.push(`a ${colours[i % 8]} ${things[i % 4]} ${places[i % 5]} ${times[i % 3]}`);
  return out;
}

function runNode(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
    const child = execFile(tsx, [path.join(ROOT, 'scripts/bench/node-runner.ts'), ...args], { cwd: ROOT, maxBuffer: 64 * 2 ** 20 }, (err) =>
      err ? reject(new Error(`node runner failed: ${err.message}`)) : resolve(),
    );
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  });
}

async function pkgVersion(name: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function osName(): Promise<string> {
  try {
    const rel = await readFile('/etc/os-release', 'utf8');
    const pretty = /PRETTY_NAME="([^"]+)"/.exec(rel)?.[1];
    if (pretty) return `${pretty} (${os.type()} ${os.release()})`;
  } catch {
    // not Linux
  }
  return `${os.type()} ${os.release()}`;
}

/** A package folder's manifest, or exit with a message that says what to do. */
async function readPackage(option: string, dir: string): Promise<{ dir: string; manifest: Manifest }> {
  const abs = path.resolve(ROOT, dir);
  if (!existsSync(path.join(abs, 'manifest.json'))) {
    log(`error: ${option}: no model package at ${dir} (manifest.json not found).`);
    if (dir === 'models/scenes') log('  The default model appears after training (npm run train, then training.export_scenes). Try --model tests/fixtures/tiny to check the harness.');
    process.exit(1);
  }
  return { dir: abs, manifest: JSON.parse(await readFile(path.join(abs, 'manifest.json'), 'utf8')) as Manifest };
}

/** How the report names a package: relative to the repository when it lies inside it. */
const shown = (abs: string): string => {
  const rel = path.relative(ROOT, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // The real-studio mode is a run of its own (scripts/bench/studioVisits.ts); the default bench is unchanged.
  if (isStudioMode(argv)) return runStudioVisits(argv);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    log(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  if (parsed === 'help') {
    console.log(HELP);
    return;
  }
  const opt = parsed;
  const loadAtStart = os.loadavg()[0];
  const pkg = await readPackage('--model', opt.model);
  const modelDir = pkg.dir;
  const other = opt.against ? await readPackage('--against', opt.against) : undefined;
  const overrides: StepOverrides = { ...(opt.stepsBase !== undefined ? { base: opt.stepsBase } : {}), ...(opt.stepsSr !== undefined ? { superRes: opt.stepsSr } : {}) };
  let model: ModelInfo;
  try {
    model = modelInfo(shown(modelDir), pkg.manifest, overrides);
  } catch (e) {
    log(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  const againstModel = other ? modelInfo(shown(other.dir), other.manifest) : undefined;
  const cfg: RunnerConfig = {
    runs: opt.runs, warmups: opt.warmups, budgetMs: 0, baseline: opt.baseline, baselineRuns: opt.baselineRuns,
    baselineMaxPasses: opt.baselineMaxPasses, readback: opt.readback, prompts: prompts(), seed: 1234,
    previews: opt.previews, ...(opt.sessionOptions ? { sessionOptions: opt.sessionOptions } : {}), visits: opt.visits,
    ...(model.stepOverrides ? { stepOverrides: model.stepOverrides } : {}),
  };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'muse-bench-'));
  const results: BackendResult[] = [];
  const errors: string[] = [];
  let chromium: string | undefined;
  let profile: Partial<Record<string, ProfileSummary>> | undefined;
  try {
    if (opt.backends.includes('node')) {
      log(`node: ${opt.runs} runs on ${model.dir}${againstModel ? `, interleaved with ${againstModel.dir}` : ''}`);
      const cfgFile = path.join(tmp, 'node-config.json');
      await writeFile(cfgFile, JSON.stringify(cfg));
      const out = path.join(tmp, 'node.json');
      try {
        await runNode(['--model', modelDir, ...(other ? ['--against', other.dir] : []), '--config', cfgFile, '--out', out]);
        results.push(JSON.parse(await readFile(out, 'utf8')) as BackendResult);
      } catch (e) {
        errors.push(`node: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const browsers = opt.backends.filter((b): b is 'wasm' | 'webgpu' => b !== 'node');
    if (browsers.length) {
      if (opt.build || !existsSync(path.join(PAGE_OUT, 'bench.html'))) {
        log('building the bench page (vite) …');
        await build({
          configFile: false,
          root: WEB,
          base: './',
          logLevel: 'warn',
          optimizeDeps: { exclude: ['onnxruntime-web'] },
          worker: { format: 'es' },
          build: { target: 'es2022', outDir: PAGE_OUT, emptyOutDir: true, reportCompressedSize: false, rolldownOptions: { input: path.join(WEB, 'bench.html'), checks: { bundlerTimings: false } } },
        });
      }
      const server = await startServer(PAGE_OUT, modelDir, other?.dir);
      chromium = chromiumVersion();
      try {
        for (const b of browsers) {
          log(`${b}: up to ${opt.runs} runs in headless Chromium (budget ${opt.browserBudget} s)`);
          try {
            const { result, version } = await runBrowser(b, server.url, server.pkgUrl, { ...cfg, baseline: cfg.baseline && opt.browserBaseline, budgetMs: opt.browserBudget * 1000 }, log, server.againstUrl);
            chromium = `Chromium ${version}`;
            results.push(result);
          } catch (e) {
            errors.push(`${b}: ${e instanceof Error ? e.message : String(e)}`);
            log(`${b} failed: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      } finally {
        await server.close();
      }
    }
    if (opt.profile) {
      log('profiling ORT in Node …');
      const dir = path.join(tmp, 'profile');
      await mkdir(dir, { recursive: true });
      const cfgFile = path.join(tmp, 'profile-config.json');
      await writeFile(cfgFile, JSON.stringify({ ...cfg, runs: Math.min(cfg.runs, 3), baseline: false }));
      const out = path.join(tmp, 'profile.json');
      try {
        await runNode(['--model', modelDir, '--config', cfgFile, '--out', out, '--profile', dir]);
        profile = (JSON.parse(await readFile(out, 'utf8')) as { summaries: Partial<Record<string, ProfileSummary>> }).summaries;
      } catch (e) {
        errors.push(`profile: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  const wasm = results.find((r) => r.id === 'wasm');
  const webgpu = results.find((r) => r.id === 'webgpu');
  const machine: MachineInfo = {
    cpu: os.cpus()[0]?.model ?? 'unknown CPU',
    logicalCores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    os: await osName(),
    node: process.version,
    onnxruntimeNode: await pkgVersion('onnxruntime-node'),
    onnxruntimeWeb: await pkgVersion('onnxruntime-web'),
    ...(chromium ? { chromium } : {}),
    ...(webgpu?.env.adapter ? { adapter: webgpu.env.adapter } : {}),
    ...(wasm ? { wasmThreads: wasm.env.threads, crossOriginIsolated: wasm.env.crossOriginIsolated } : {}),
    loadAverage: [loadAtStart, os.loadavg()[0]],
  };
  const summaries = results.map(summarise);
  const baselines = results.filter((r) => r.baseline?.length).map((r) => summariseBaseline(`${r.id}-baseline`, r.baseline!));
  const readback = webgpu?.readback;
  const comparison: Comparison | undefined = againstModel
    ? { model, against: againstModel, backends: results.map(compareBackend).filter((c): c is BackendComparison => c !== undefined) }
    : undefined;
  const report: Report & { comparison?: Comparison } = {
    machine,
    model,
    config: { ...cfg, prompts: undefined, quick: opt.quick, backends: opt.backends, ...(againstModel ? { against: againstModel.dir } : {}) },
    summaries,
    baselines,
    targets: [...computeTargets(model, machine, summaries, baselines, readback), ...(comparison ? [comparisonTarget(comparison)] : [])],
    ...(readback ? { readback } : {}),
    ...(comparison ? { comparison } : {}),
  };
  for (const r of results) errors.push(...r.errors.map((e) => `${r.id}: ${e}`));
  const notes = results.flatMap((r) => (r.notes ?? []).map((n) => `${r.id}: ${n}`));

  const table = markdown(report) + (notes.length ? `\n\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}` : '') + (errors.length ? `\n\nErrors in this run:\n${errors.map((e) => `- ${e}`).join('\n')}` : '');
  console.log(`\n${table}\n`);
  for (const t of report.targets) console.log(`${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.name}: ${t.value} (target ${t.target})${t.note ? ` — ${t.note}` : ''}`);
  const profileTable = profile ? profileMarkdown(profile) : undefined;
  if (profileTable) console.log(`\nORT profile (Node, CPU EP):\n${profileTable}\n`);
  const comparisonTable = comparison ? comparisonMarkdown(comparison, machine) : undefined;
  if (comparisonTable) console.log(`\nTwo models in one run (--against):\n\n${comparisonTable}\n`);

  const json = JSON.stringify({ generatedAt: new Date().toISOString(), ...report, errors, raw: results, ...(profile ? { profile } : {}) }, null, 2) + '\n';
  if (opt.json) await writeFile(path.resolve(opt.json), json);
  if (opt.write && comparisonTable) {
    // A comparison run is not the main model's bench (two models loaded, jobs interleaved): it
    // writes its own section only.
    const doc = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Benchmarks\n';
    await writeFile(DOC, replaceBetween(doc, AMARK, comparisonTable, '## Two models in one run (--against)'));
    log(`wrote the --against section of ${path.relative(ROOT, DOC)}`);
  } else if (opt.write) {
    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, json);
    if (profile) {
      for (const [graph, s] of Object.entries(profile)) {
        if (s && s.modelRuns > 0) await writeFile(path.join(path.dirname(RESULTS), `profile-${graph}.json`), JSON.stringify({ generatedAt: new Date().toISOString(), model: model.dir, graph, ...s }, null, 2) + '\n');
      }
    }
    let doc = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Benchmarks\n';
    doc = replaceBetween(doc, MARK, table, '## Latest results');
    if (profileTable) doc = replaceBetween(doc, PMARK, `Generated ${new Date().toISOString()} on \`${model.dir}\` (onnxruntime-node, CPU EP, profiling on).\n${profileTable}`, '## Where the time goes (ORT profile)');
    await writeFile(DOC, doc);
    log(`wrote ${path.relative(ROOT, RESULTS)} and ${path.relative(ROOT, DOC)}`);
  }
  if (errors.length) process.exitCode = 1;
}

main().catch((e: unknown) => {
  log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
