/**
 * One Node backend run in its own process (so its peak memory is its own):
 *   tsx scripts/bench/node-runner.ts --model DIR [--against DIR] --config FILE --out FILE [--profile DIR]
 * `--config` is a RunnerConfig as JSON; `--against` loads a second package in this process and
 * interleaves its jobs with the first's (not with `--profile`). Writes a BackendResult as JSON to `--out`; with
 * `--profile DIR` it also turns ORT profiling on for every session (profile files go to DIR)
 * and writes the per-op summary next to `--out` instead of timing.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, readManifest, type Ort } from '../../src/engine';
import { createFsSource } from '../../src/node/fsSource';
import { instrumentOrt } from './shared/instrument';
import { backendResult, runAll } from './shared/runner';
import { measureYield } from './shared/stats';
import type { GraphKind, MemoryReport, RunnerConfig } from './shared/types';
import { summariseProfile, type ProfileSummary } from './profile';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const modelDir = resolve(arg('--model') ?? 'models/scenes');
  const cfg = JSON.parse(await readFile(arg('--config')!, 'utf8')) as RunnerConfig;
  const out = arg('--out')!;
  const profileDir = arg('--profile');
  const againstDir = arg('--against');
  if (againstDir && profileDir) throw new Error('--against and --profile do not go together: the profile is of one model');
  const source = createFsSource(modelDir);
  const manifest = await readManifest(source);

  // Profiling: name each session's profile file after its graph, recognised by the file's sha256.
  const graphOfSha = new Map<string, GraphKind>();
  const m = manifest;
  const keyed: Array<[string, GraphKind]> = [
    [m.textEncoder.onnx, 'text'], [m.vqgan.encoder, 'vqEncoder'], [m.vqgan.decoder, 'vqDecoder'], [m.stages.base.onnx, 'base'],
  ];
  if (m.stages.superRes) keyed.push([m.stages.superRes.onnx, 'superRes']);
  for (const [path, kind] of keyed) graphOfSha.set(m.files[path].sha256, kind);
  let loads = 0;
  const inst = instrumentOrt(ort as unknown as Ort, {
    sessionOptions: (bytes) => {
      if (!profileDir) return { ...cfg.sessionOptions };
      const kind = graphOfSha.get(createHash('sha256').update(bytes).digest('hex')) ?? 'other';
      return { ...cfg.sessionOptions, enableProfiling: true, profileFilePrefix: join(profileDir, `${kind}-load${loads}`) };
    },
  });

  const mem = { heap: 0, external: 0, arrayBuffers: 0, rss: 0 };
  const sample = (): void => {
    const u = process.memoryUsage();
    mem.heap = Math.max(mem.heap, u.heapUsed);
    mem.external = Math.max(mem.external, u.external);
    mem.arrayBuffers = Math.max(mem.arrayBuffers, u.arrayBuffers);
    mem.rss = Math.max(mem.rss, u.rss);
  };
  const timer = setInterval(sample, 25);
  timer.unref();

  const yieldMs = await measureYield();
  const result = await runAll(
    {
      inst,
      load: () => {
        loads++;
        return loadModel(source, { ort: inst.ort, executionProviders: ['cpu'] });
      },
      ...(againstDir
        ? {
            loadAgainst: async () => {
              const own = instrumentOrt(ort as unknown as Ort, { sessionOptions: () => ({ ...cfg.sessionOptions }) });
              return { model: await loadModel(createFsSource(resolve(againstDir)), { ort: own.ort, executionProviders: ['cpu'] }), inst: own };
            },
          }
        : {}),
      sampleMemory: sample,
      mark: async () => {},
      log: (l) => process.stderr.write(`  [node${profileDir ? ' profile' : ''}] ${l}\n`),
    },
    cfg,
  );
  clearInterval(timer);
  sample();

  if (profileDir) {
    // Only the sessions of the second (kept) load ran the jobs: the latest of each kind.
    for (const session of Object.values(inst.sessions)) (session as unknown as { endProfiling(): void }).endProfiling();
    await result.model.release();
    const files = await readdir(profileDir);
    const summaries: Partial<Record<GraphKind, ProfileSummary>> = {};
    for (const [, kind] of keyed) {
      const file = files.filter((f) => f.startsWith(`${kind}-load${loads}`) && f.endsWith('.json')).sort().pop();
      if (!file) continue;
      summaries[kind] = summariseProfile(JSON.parse(await readFile(join(profileDir, file), 'utf8')) as unknown[], file);
    }
    await writeFile(out, JSON.stringify({ jobs: result.jobs.length + cfg.warmups + 1, summaries }, null, 2));
    return;
  }
  await result.model.release();

  const memory: MemoryReport = {
    peakRss: process.resourceUsage().maxRSS * 1024,
    peakJsHeap: mem.heap,
    peakExternal: mem.external,
    peakArrayBuffers: mem.arrayBuffers,
    notes: ['Node: peak RSS of the whole process (resourceUsage().maxRSS), so it includes loading; heap/external sampled every 25 ms and after every progress event.'],
  };
  const res = backendResult(
    'node',
    {
      runtime: `onnxruntime-node ${ort.env.versions?.node ?? ort.env.versions?.common ?? ''}`.trim(),
      executionProviders: ['cpu'],
      threads: os.availableParallelism(),
      yieldMs,
    },
    result,
    memory,
  );
  await writeFile(out, JSON.stringify(res, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`node runner failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
