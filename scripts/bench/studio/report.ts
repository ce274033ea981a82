/**
 * Medians, the issue 14.2 ratios and the markdown of the studio-visit bench. Pure.
 *
 * Target (issue 14, item 2): on a cached visit, Ready in at most a third of the time of the
 * build the issue was measured on, and the first image no later than one generation after Ready.
 */
import { median } from '../shared/stats';

export type Build = 'before' | 'now';

/** One visit's times in ms, from the probe (probe.ts). */
export interface VisitTimes {
  /** Navigation start → the model status says Ready. */
  ready: number;
  /** Ready → Generate pressed (the probe presses at Ready once the prompt and seed are in). */
  pressDelay: number;
  /** Generate pressed → the first image shown. */
  firstImage: number;
  /** Ready → the first image shown: what the target compares with one generation. */
  firstAfterReady: number;
  /** Generate pressed again → the second image shown (one warm generation). */
  warm: number;
}

/** A measured visit: which build, which of its visits (0 = the first, uncached one), what it took. */
export interface StudioVisitRow {
  build: Build;
  visit: number;
  times: VisitTimes;
  /** 1-minute load average when the visit ended. */
  load: number;
}

export interface BuildSummary {
  build: Build;
  /** Cached visits summarised (the first visit of each build is not). */
  visits: number;
  /** Medians over the cached visits, ms. */
  median: VisitTimes;
  /** Median first image after Ready / median warm generation (target ≤ 1). */
  firstOverWarm: number;
}

export interface StudioSummary {
  before: BuildSummary;
  now: BuildSummary;
  /** Median Ready now / median Ready before (target ≤ 1/3). */
  readyRatio: number;
}

const KEYS: Array<keyof VisitTimes> = ['ready', 'pressDelay', 'firstImage', 'firstAfterReady', 'warm'];

function summariseBuild(build: Build, rows: StudioVisitRow[]): BuildSummary {
  const cached = rows.filter((r) => r.build === build && r.visit > 0);
  if (cached.length === 0) throw new Error(`no cached visit of the ${build} build to summarise`);
  const m = Object.fromEntries(KEYS.map((k) => [k, median(cached.map((r) => r.times[k]))])) as unknown as VisitTimes;
  return { build, visits: cached.length, median: m, firstOverWarm: m.firstAfterReady / m.warm };
}

/** Medians of the cached visits of each build and the two ratios of the target. */
export function summariseStudio(rows: StudioVisitRow[]): StudioSummary {
  const before = summariseBuild('before', rows);
  const now = summariseBuild('now', rows);
  return { before, now, readyRatio: now.median.ready / before.median.ready };
}

/** What the run was: for the report's heading and the JSON. */
export interface StudioRunInfo {
  generatedAt: string;
  command: string;
  beforeCommit: string;
  nowCommit: string;
  chromium: string;
  /** 1-minute load average at the start and at the end of the run. */
  loadAverage: [number, number];
  /** Wall time of the whole run (builds excluded), s. */
  seconds: number;
  prompt: string;
  seed: number;
  query: string;
}

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '–');
const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
const verdict = (met: boolean): string => (met ? 'met' : 'not met');

/** The two target lines, as printed and written. */
export function targetLines(s: StudioSummary): string[] {
  return [
    `Ready now / before: ${ratio(s.readyRatio)} (target ≤ 0.33×: ${verdict(s.readyRatio <= 1 / 3)})`,
    `First image after Ready / one warm generation, now: ${ratio(s.now.firstOverWarm)} (target ≤ 1×: ${verdict(s.now.firstOverWarm <= 1)}); before: ${ratio(s.before.firstOverWarm)}`,
  ];
}

/** Markdown for docs/BENCHMARKS.md: the run, the per-visit table, medians and ratios. */
export function studioMarkdown(info: StudioRunInfo, rows: StudioVisitRow[], s: StudioSummary): string {
  const list = (b: Build, k: keyof VisitTimes): string =>
    rows.filter((r) => r.build === b && r.visit > 0).map((r) => ms(r.times[k])).join(', ');
  const first = (b: Build): StudioVisitRow | undefined => rows.find((r) => r.build === b && r.visit === 0);
  const line = (label: string, k: keyof VisitTimes): string =>
    `| ${label} | ${list('before', k)} (median ${ms(s.before.median[k])}) | ${list('now', k)} (median ${ms(s.now.median[k])}) |`;
  const fb = first('before');
  const fn = first('now');
  return [
    `Generated ${info.generatedAt} by \`${info.command}\`: the built studio of ${info.beforeCommit} ("before") and of ${info.nowCommit} ("now"), each served by its own \`vite preview\`, ${info.chromium}, \`${info.query || '/'}\`, prompt "${info.prompt}", seed ${info.seed}, default settings. One persistent profile per build; after a first visit each, ${s.before.visits} + ${s.now.visits} cached visits alternating, each a fresh browser process. Load average ${info.loadAverage[0].toFixed(1)} → ${info.loadAverage[1].toFixed(1)}; the run took ${(info.seconds / 60).toFixed(1)} min. ms:`,
    '',
    '| cached visits | before | now |',
    '|---|---|---|',
    line('Ready (navigation → "Ready")', 'ready'),
    line('Generate pressed after Ready', 'pressDelay'),
    line('first image (Generate → image)', 'firstImage'),
    line('first image after Ready', 'firstAfterReady'),
    line('one warm generation (Generate → image)', 'warm'),
    `| first visit: Ready, first image after Ready, warm | ${fb ? `${ms(fb.times.ready)}, ${ms(fb.times.firstAfterReady)}, ${ms(fb.times.warm)}` : '–'} | ${fn ? `${ms(fn.times.ready)}, ${ms(fn.times.firstAfterReady)}, ${ms(fn.times.warm)}` : '–'} |`,
    '',
    ...targetLines(s).map((l) => `- ${l}`),
  ].join('\n');
}
