/**
 * What every backend runs, in the same order (Node child process and browser worker alike):
 * cold load → release → warm load → short warm-up job (+ optional full ones) → measured jobs →
 * the one-token baseline — within an optional wall-clock budget. With a second model (--against)
 * it is loaded and warmed up after the first, and the measured jobs alternate between the two
 * (A, B, A, B: a busy spell on the shared machine hits both) with the same prompts and seeds.
 */
import type { GenerateRequest, LoadedModel } from '../../../src/engine';
import { runBaseline } from './baseline';
import type { Instrumented } from './instrument';
import { measureJob } from './job';
import { median } from './stats';
import type { AgainstResult, BackendEnv, BackendResult, BaselineMetrics, JobMetrics, LoadTimes, MemoryReport, RunnerConfig, StepOverrides } from './types';

export interface RunnerHost {
  inst: Instrumented;
  /** Loads the package through `inst.ort` on this backend's execution providers. */
  load(): Promise<LoadedModel>;
  /**
   * Loads the --against package the same way, through its own instrumented ORT module (so `inst`
   * keeps the main model's sessions and feeds for the baseline and the readback experiment);
   * absent without --against.
   */
  loadAgainst?(): Promise<{ model: LoadedModel; inst: Instrumented }>;
  /** Called after every progress event and at phase ends: record memory peaks. */
  sampleMemory(): void;
  /** A phase ended ('loaded', 'jobs', 'baseline'): lets the orchestrator read process memory. */
  mark(phase: string): Promise<void>;
  log(line: string): void;
}

export interface RunnerOutput {
  load: LoadTimes;
  warmup: JobMetrics;
  jobs: JobMetrics[];
  baseline?: BaselineMetrics[];
  against?: AgainstResult;
  model: LoadedModel;
  notes: string[];
  errors: string[];
}

/** The short warm-up job: 1 base + 1 super-res step runs every graph at every shape a full job uses. */
const SHORT = { base: { steps: 1 }, superRes: { steps: 1 } };
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
const line = (j: JobMetrics): string =>
  `time to image ${fmt(j.timeToImage)} (text ${fmt(j.text)}, base ${fmt(j.base)}, super-res ${fmt(j.superRes)}, decode ${fmt(j.decode)})`;

/** The stage settings of a request that replace the package's default steps (none: the defaults). */
function stepSettings(o: StepOverrides | undefined): Pick<GenerateRequest, 'base' | 'superRes'> {
  return {
    ...(o?.base !== undefined ? { base: { steps: o.base } } : {}),
    ...(o?.superRes !== undefined ? { superRes: { steps: o.superRes } } : {}),
  };
}

export async function runAll(host: RunnerHost, cfg: RunnerConfig): Promise<RunnerOutput> {
  const errors: string[] = [];
  const notes: string[] = [];
  const began = performance.now();
  const left = (): number => (cfg.budgetMs > 0 ? cfg.budgetMs - (performance.now() - began) : Infinity);
  let t = performance.now();
  const first = await host.load();
  const cold = performance.now() - t;
  await first.release();
  host.sampleMemory();
  t = performance.now();
  const model = await host.load();
  const warm = performance.now() - t;
  host.log(`load: cold ${fmt(cold)}, warm ${fmt(warm)}`);
  host.sampleMemory();
  // As the studio's worker does right after a load (with previews on): the super-res preview atlas.
  t = performance.now();
  if (cfg.previews) await model.warmPreviews();
  const previewAtlas = performance.now() - t;
  if (cfg.previews) host.log(`preview atlas: ${fmt(previewAtlas)}`);
  await host.mark('loaded');

  let p = 0;
  const prompt = (): string => cfg.prompts[p++ % cfg.prompts.length];
  // Slow backends (WebGPU on SwiftShader) say where they are; fast ones stay quiet.
  let last = performance.now();
  const onEvent = (label: string) => (): void => {
    host.sampleMemory();
    const now = performance.now();
    if (now - last > 5000) host.log(`${label}: still running (${((now - began) / 1000).toFixed(0)} s since this backend started)`);
    last = now;
  };
  const mine = stepSettings(cfg.stepOverrides);
  // The warm-ups' prompts, so the --against model warms up on the same ones.
  const warmPrompts = Array.from({ length: cfg.warmups + 1 }, prompt);
  let warmup = await measureJob(model, host.inst, { prompt: warmPrompts[0]!, seed: cfg.seed, ...SHORT }, onEvent('warm-up'), cfg.previews);
  host.log(`short warm-up (1 + 1 steps): ${fmt(warmup.timeToImage)}`);
  for (let i = 0; i < cfg.warmups; i++) {
    warmup = await measureJob(model, host.inst, { prompt: warmPrompts[i + 1]!, seed: cfg.seed, ...mine }, onEvent('warm-up'), cfg.previews);
    host.log(`warm-up ${i + 1}: time to image ${fmt(warmup.timeToImage)}`);
  }
  const second = host.loadAgainst ? await loadAgainst(host, host.loadAgainst, cfg, warmPrompts, onEvent) : undefined;
  const jobs: JobMetrics[] = [];
  const againstJobs: JobMetrics[] = [];
  for (let i = 0; i < cfg.runs; i++) {
    // One run is one job per model: the next starts only when both would fit.
    const lastRun = (jobs.at(-1)?.wallToImage ?? 0) + (againstJobs.at(-1)?.wallToImage ?? 0);
    if (i > 0 && lastRun > left()) {
      notes.push(`stopped after ${i} of ${cfg.runs} runs: the next would not fit the ${(cfg.budgetMs / 1000).toFixed(0)} s budget`);
      host.log(notes.at(-1)!);
      break;
    }
    const req = { prompt: prompt(), seed: cfg.seed + 1 + i };
    const job = await measureJob(model, host.inst, { ...req, ...mine }, onEvent(`run ${i + 1}`), cfg.previews);
    jobs.push(job);
    host.log(`run ${i + 1}/${cfg.runs}${second ? ' (model)' : ''}: ${line(job)}`);
    if (second) {
      const other = await measureJob(second.model, second.inst, req, onEvent(`run ${i + 1} (against)`), cfg.previews);
      againstJobs.push(other);
      host.log(`run ${i + 1}/${cfg.runs} (against): ${line(other)}`);
    }
  }
  host.sampleMemory();
  await host.mark('jobs');
  if (second) {
    // The baseline and what follows measure the main model alone.
    await second.model.release();
    notes.push('jobs interleaved with the --against model, both loaded: the memory peaks of the jobs phase include both');
  }
  const against: AgainstResult | undefined = second ? { load: second.load, warmup: second.warmup, jobs: againstJobs } : undefined;

  let baseline: BaselineMetrics[] | undefined;
  if (cfg.baseline) {
    const m = model.manifest;
    const passes = (g?: [number, number]): number => (g ? g[0] * g[1] : 0);
    const perPass = (pick: (j: JobMetrics) => JobMetrics['baseIterations']): number => median(jobs.flatMap((j) => pick(j).map((x) => x.forward)));
    const cap = (n: number): number => (cfg.baselineMaxPasses > 0 ? Math.min(n, cfg.baselineMaxPasses) : n);
    const estimate = cap(passes(m.stages.base.grid)) * perPass((j) => j.baseIterations) + cap(passes(m.stages.superRes?.grid)) * (perPass((j) => j.superResIterations) || 0);
    if (estimate > left()) {
      notes.push(`baseline skipped: estimated ${(estimate / 1000).toFixed(0)} s, ${(Math.max(0, left()) / 1000).toFixed(0)} s of the budget left`);
      host.log(notes.at(-1)!);
    } else {
      baseline = [];
      host.log(`baseline: about ${(estimate / 1000).toFixed(1)} s per image`);
      for (let i = 0; i < cfg.baselineRuns; i++) {
        if (i > 0 && estimate > left()) {
          notes.push(`baseline stopped after ${i} of ${cfg.baselineRuns} runs (budget)`);
          break;
        }
        try {
          const b = await runBaseline(model, host.inst, model.manifest, prompt(), cfg.seed + 100 + i, cfg.baselineMaxPasses);
          baseline.push(b);
          host.log(`baseline ${i + 1}/${cfg.baselineRuns}: ${b.forwardPasses} passes, time to image ${fmt(b.timeToImage)}${b.extrapolated ? ' (extrapolated)' : ''}`);
        } catch (e) {
          errors.push(`baseline: ${e instanceof Error ? e.message : String(e)}`);
          break;
        }
      }
      host.sampleMemory();
      await host.mark('baseline');
    }
  }
  return { load: { cold, warm, ...(cfg.previews ? { previewAtlas } : {}) }, warmup, jobs, ...(baseline ? { baseline } : {}), ...(against ? { against } : {}), model, notes, errors };
}

/** Loads the --against model after the main one and warms it up as the main one was (at its own defaults). */
async function loadAgainst(
  host: RunnerHost,
  load: () => Promise<{ model: LoadedModel; inst: Instrumented }>,
  cfg: RunnerConfig,
  warmPrompts: string[],
  onEvent: (label: string) => () => void,
): Promise<{ model: LoadedModel; inst: Instrumented; load: number; warmup: JobMetrics }> {
  const t = performance.now();
  const { model, inst } = await load();
  const ms = performance.now() - t;
  if (cfg.previews) await model.warmPreviews();
  host.log(`against: load ${fmt(ms)}`);
  // The main model's warm-up prompts: the measured prompts are then as new to it as to the main model.
  let warmup = await measureJob(model, inst, { prompt: warmPrompts[0]!, seed: cfg.seed, ...SHORT }, onEvent('against warm-up'), cfg.previews);
  host.log(`against: short warm-up (1 + 1 steps): ${fmt(warmup.timeToImage)}`);
  for (let i = 0; i < cfg.warmups; i++) {
    warmup = await measureJob(model, inst, { prompt: warmPrompts[i + 1]!, seed: cfg.seed }, onEvent('against warm-up'), cfg.previews);
    host.log(`against: warm-up ${i + 1}: ${line(warmup)}`);
  }
  return { model, inst, load: ms, warmup };
}

/** One backend's result from what `runAll` measured, in the same shape on every backend. */
export function backendResult(
  id: BackendResult['id'],
  env: BackendEnv,
  out: RunnerOutput,
  memory: MemoryReport,
  extra: Pick<BackendResult, 'readback'> = {},
): BackendResult {
  return {
    id,
    env,
    load: out.load,
    warmup: out.warmup,
    jobs: out.jobs,
    ...(out.baseline ? { baseline: out.baseline } : {}),
    ...(out.against ? { against: out.against } : {}),
    memory,
    ...extra,
    notes: out.notes,
    errors: out.errors,
  };
}
