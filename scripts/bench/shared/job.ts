/**
 * One generate() call at the model's default settings, measured from outside: progress-event
 * timestamps (GenerateHooks.onProgress), the engine's returned `timings`, and the timed
 * session runs of the instrumented ORT module.
 */
import type { GenerateRequest, LoadedModel, Progress } from '../../../src/engine';
import type { Instrumented } from './instrument';
import type { GraphKind, IterationTiming, JobMetrics, RunRecord } from './types';

interface Mark {
  stage: Progress['stage'];
  step: number;
  t: number;
}

const sumRuns = (runs: RunRecord[], graph: GraphKind, from: number, to: number): number =>
  runs.filter((r) => r.graph === graph && r.start >= from && r.start < to).reduce((s, r) => s + (r.end - r.start), 0);

function iterations(marks: Mark[], stage: 'base' | 'superRes', start: number, runs: RunRecord[]): { list: IterationTiming[]; end: number } {
  const list: IterationTiming[] = [];
  let prev = start;
  for (const m of marks.filter((x) => x.stage === stage)) {
    const wall = m.t - prev;
    const forward = sumRuns(runs, stage, prev, m.t);
    const preview = sumRuns(runs, 'vqDecoder', prev, m.t);
    const first = runs.find((r) => r.graph === stage && r.start >= prev && r.start < m.t);
    const lead = first ? first.start - prev : 0;
    list.push({ wall, forward, preview, lead, other: wall - forward - preview - lead });
    prev = m.t;
  }
  return { list, end: prev };
}

/** Runs `req` on `model` and derives the per-stage and per-iteration numbers. */
export async function measureJob(model: LoadedModel, inst: Instrumented, req: GenerateRequest, onEvent?: () => void, previews = true): Promise<JobMetrics> {
  const marks: Mark[] = [];
  const from = inst.records.length;
  const t0 = performance.now();
  const result = await model.generate(req, {
    previews,
    onProgress: (p) => {
      marks.push({ stage: p.stage, step: p.step, t: performance.now() });
      onEvent?.();
    },
  });
  const wallToImage = performance.now() - t0;
  const runs = inst.records.slice(from);
  const tm = result.timings;
  const textMark = marks.find((m) => m.stage === 'text');
  // timings.text is measured from just after the 'text' event to the end of both encodes.
  const textEnd = (textMark?.t ?? t0) + (tm['text'] ?? 0);
  const base = iterations(marks, 'base', textEnd, runs);
  const sr = iterations(marks, 'superRes', base.end, runs);
  const firstBase = marks.find((m) => m.stage === 'base');
  const count: Partial<Record<GraphKind, number>> = {};
  for (const r of runs) count[r.graph] = (count[r.graph] ?? 0) + 1;
  const vq = runs.filter((r) => r.graph === 'vqDecoder');
  const previewDecodeTotal = vq.slice(0, -1).reduce((s, r) => s + (r.end - r.start), 0);
  const bytesPerPass: JobMetrics['bytesPerPass'] = {};
  for (const stage of ['base', 'superRes'] as const) {
    const r = runs.find((x) => x.graph === stage);
    if (r) bytesPerPass[stage] = { in: r.inBytes, constIn: r.constInBytes, out: r.outBytes, batch: r.batch };
  }
  return {
    prompt: req.prompt,
    seed: req.seed,
    engine: { ...tm },
    text: tm['text'] ?? 0,
    base: tm['base'] ?? 0,
    superRes: tm['superRes'] ?? 0,
    decode: tm['decode'] ?? 0,
    firstPreview: tm['firstPreview'] ?? null,
    firstPreviewAfterText: firstBase ? firstBase.t - textEnd : null,
    timeToImage: tm['total'] ?? wallToImage,
    wallToImage,
    baseIterations: base.list,
    superResIterations: sr.list,
    forwardPasses: (count.base ?? 0) + (count.superRes ?? 0),
    runs: count,
    previewDecodeTotal,
    bytesPerPass,
  };
}
