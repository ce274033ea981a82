/**
 * `--against DIR`: two packages measured in one run, per backend, in the same process / browser
 * worker with their jobs interleaved (shared/runner.ts). This turns the two job lists into
 * per-stage medians, the ratio model / against and the difference, and the markdown section of
 * docs/BENCHMARKS.md between its own markers. Pure: tested in tests/unit/bench/compare.test.ts.
 */
import { describeModel, type ModelInfo } from './model';
import { LABEL, ms, ratio, row, summarise, type BackendSummary, type MachineInfo, type Target } from './report';
import { median } from './shared/stats';
import type { BackendResult } from './shared/types';

/** One model's medians over its runs in one backend, ms. */
export interface StageMedians {
  runs: number;
  timeToImage: number;
  timeToImageMin: number;
  timeToImageMax: number;
  text: number;
  /** Base stage: all its iterations (forward passes, sampling, previews). */
  base: number;
  /** Iterations (forward passes) of the base stage per job. */
  basePasses: number;
  /** Median transformer forward time of one base pass. */
  basePass: number;
  /** Median preview (VQ decode) of one base iteration: the preview grid is the stage's. */
  basePreview: number;
  superRes: number;
  superResPasses: number;
  superResPass: number;
  superResPreview: number;
  /** The final VQ decode. */
  decode: number;
}

type Row = 'timeToImage' | 'text' | 'base' | 'basePass' | 'basePreview' | 'superRes' | 'superResPass' | 'superResPreview' | 'decode';

export interface BackendComparison {
  id: BackendResult['id'];
  /** Runs of each model (one run = one job of each, back to back). */
  runs: number;
  model: StageMedians;
  against: StageMedians;
  /** model / against of each median. */
  ratio: Record<Row, number>;
  /** model / against of time to image for each run's pair, in run order (drift shows here). */
  pairRatios: number[];
}

export interface Comparison {
  model: ModelInfo;
  against: ModelInfo;
  backends: BackendComparison[];
}

/** The medians of a summary (shared/report.ts summarise: the one place medians are taken). */
export function stageMedians(s: BackendSummary): StageMedians {
  return {
    runs: s.runs,
    timeToImage: s.timeToImage,
    timeToImageMin: s.timeToImageMin,
    timeToImageMax: s.timeToImageMax,
    text: s.text,
    base: s.base,
    basePasses: s.baseIter.byIndex.length,
    basePass: s.baseIter.forward,
    basePreview: s.baseIter.preview,
    superRes: s.superRes,
    superResPasses: s.superResIter.byIndex.length,
    superResPass: s.superResIter.forward,
    superResPreview: s.superResIter.preview,
    decode: s.decode,
  };
}

/** The comparison of one backend's two models, or undefined when it ran without --against. */
export function compareBackend(r: BackendResult): BackendComparison | undefined {
  if (!r.against) return undefined;
  // Only complete pairs: a budget stop ends after both jobs of a run, an error may not.
  const n = Math.min(r.jobs.length, r.against.jobs.length);
  const jobs = r.jobs.slice(0, n);
  const other = r.against.jobs.slice(0, n);
  const model = stageMedians(summarise({ ...r, jobs }));
  const against = stageMedians(summarise({ ...r, jobs: other }));
  const keys: Row[] = ['timeToImage', 'text', 'base', 'basePass', 'basePreview', 'superRes', 'superResPass', 'superResPreview', 'decode'];
  return {
    id: r.id,
    runs: n,
    model,
    against,
    ratio: Object.fromEntries(keys.map((k) => [k, model[k] / against[k]])) as Record<Row, number>,
    pairRatios: jobs.map((j, i) => j.timeToImage / other[i]!.timeToImage),
  };
}

/** Issue 11's bound for a new default model: Chromium WASM time to image at most 1.6× the current one's. */
export const WASM_RATIO_BOUND = 1.6;

/** The target line for the summary of targets: WASM time to image, model / against. */
export function comparisonTarget(c: Comparison): Target {
  const wasm = c.backends.find((b) => b.id === 'wasm');
  const name = `Chromium WASM time to image, \`${c.model.dir}\` / \`${c.against.dir}\` (same run, interleaved)`;
  const target = `≤ ${WASM_RATIO_BOUND}×`;
  if (!wasm || !Number.isFinite(wasm.ratio.timeToImage)) return { name, value: '–', target, met: null, note: 'needs the wasm backend' };
  const r = wasm.ratio.timeToImage;
  return { name, value: `${ratio(r)} (${wasm.runs} runs each)`, target, met: r <= WASM_RATIO_BOUND };
}

const signed = (v: number): string => (!Number.isFinite(v) ? '–' : `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}`);

function backendTable(b: BackendComparison): string[] {
  const lines: string[] = [];
  const { model: m, against: a } = b;
  lines.push(row([`${LABEL[b.id] ?? b.id}, ${b.runs} runs each`, 'model', 'against', 'model / against', 'model − against']));
  lines.push(row(['---', '---:', '---:', '---:', '---:']));
  const add = (label: string, k: Row, bold = false): void => {
    const em = (s: string): string => (bold ? `**${s}**` : s);
    lines.push(row([label, em(ms(m[k])), em(ms(a[k])), em(ratio(b.ratio[k])), signed(m[k] - a[k])]));
  };
  add('**time to image**', 'timeToImage', true);
  lines.push(row(['· min–max', `${ms(m.timeToImageMin)}–${ms(m.timeToImageMax)}`, `${ms(a.timeToImageMin)}–${ms(a.timeToImageMax)}`, '', '']));
  add('text encoding', 'text');
  add(`base stage (${m.basePasses} vs ${a.basePasses} passes)`, 'base');
  add('· one base forward pass', 'basePass');
  // Super-res previews come from the atlas without a VQ decode: a row of zeros says nothing.
  if (m.basePreview || a.basePreview) add('· one base preview (VQ decode)', 'basePreview');
  add(`super-res stage (${m.superResPasses} vs ${a.superResPasses} passes)`, 'superRes');
  add('· one super-res forward pass', 'superResPass');
  if (m.superResPreview || a.superResPreview) add('· one super-res preview (VQ decode)', 'superResPreview');
  add('VQ decode (final)', 'decode');
  // The median of the per-run ratios is a second reading that one slow spell cannot move.
  lines.push('', `Per run (model / against, time to image, in run order): ${b.pairRatios.map(ratio).join(', ') || '–'}; their median ${ratio(median(b.pairRatios))}.`);
  return lines;
}

/** The markdown of the comparison: what ran, one table per backend, the WASM target line. */
export function comparisonMarkdown(c: Comparison, machine: Pick<MachineInfo, 'loadAverage' | 'logicalCores'>, generatedAt = new Date().toISOString()): string {
  const lines: string[] = [];
  const o = c.model.stepOverrides;
  const flags = `${o?.base !== undefined ? ` --steps-base ${o.base}` : ''}${o?.superRes !== undefined ? ` --steps-sr ${o.superRes}` : ''}`;
  lines.push(`Generated ${generatedAt} by \`npm run bench -- --model ${c.model.dir} --against ${c.against.dir}${flags}\`.`);
  lines.push('', `**model:** ${describeModel(c.model)}.`, `**against:** ${describeModel(c.against)}.`);
  lines.push(
    '',
    'Both in the same process / browser worker per backend, loaded and warmed up one after the other; each run is one job of the model, then one of the against model, ' +
      'with the same prompt and seed (so a busy spell hits both), each at its own package\'s settings. Medians in ms; the stage rows are parts of time to image, previews included.',
  );
  if (machine.loadAverage) {
    const [s, e] = machine.loadAverage;
    lines.push('', `1-minute load average ${s.toFixed(2)} at the start and ${e.toFixed(2)} at the end, on ${machine.logicalCores} cores: on a shared machine the ratios hold better than the times.`);
  }
  for (const b of c.backends) lines.push('', ...backendTable(b));
  const t = comparisonTarget(c);
  lines.push('', `${t.name}: **${t.value}** (target ${t.target}: ${t.met === null ? 'n/a' : t.met ? 'met' : '**not met**'}).`);
  return lines.join('\n');
}
