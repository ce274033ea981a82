/**
 * `npm run bench -- --against DIR` (scripts/bench/compare.ts, model.ts): per-stage medians of
 * the two models' interleaved jobs, the ratio model / against, and the markdown that names the
 * step overrides, checked on hand-made job lists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareBackend, comparisonMarkdown, comparisonTarget, type Comparison } from '../../../scripts/bench/compare';
import { describeModel, modelInfo } from '../../../scripts/bench/model';
import type { BackendResult, IterationTiming, JobMetrics } from '../../../scripts/bench/shared/types';
import type { Manifest } from '../../../src/engine';

const tiny = JSON.parse(readFileSync(new URL('../../fixtures/tiny/manifest.json', import.meta.url), 'utf8')) as Manifest;

const iter = (forward: number, preview: number): IterationTiming => ({ wall: forward + preview + 1, forward, preview, lead: 0, other: 1 });

/** A job whose stage times are given; every base pass takes `basePass` ms (+ a `basePreview` decode), every super-res pass `srPass` (+ 6). */
function job(p: { total: number; text?: number; base?: number; superRes?: number; decode?: number; basePasses?: number; basePass?: number; basePreview?: number; srPasses?: number; srPass?: number }): JobMetrics {
  const baseIterations = Array.from({ length: p.basePasses ?? 2 }, () => iter(p.basePass ?? 10, p.basePreview ?? 2));
  const superResIterations = Array.from({ length: p.srPasses ?? 1 }, () => iter(p.srPass ?? 20, 6));
  return {
    prompt: 'a red boat by the sea at sunset', seed: 1, engine: {},
    text: p.text ?? 5, base: p.base ?? 50, superRes: p.superRes ?? 40, decode: p.decode ?? 8,
    firstPreview: null, firstPreviewAfterText: null, timeToImage: p.total, wallToImage: p.total,
    baseIterations, superResIterations, forwardPasses: baseIterations.length + superResIterations.length,
    runs: {}, previewDecodeTotal: 0, bytesPerPass: {},
  };
}

function result(jobs: JobMetrics[], against?: JobMetrics[]): BackendResult {
  return {
    id: 'wasm', env: { runtime: 'test', executionProviders: ['wasm'] }, load: { cold: 1, warm: 1 },
    warmup: jobs[0]!, jobs, memory: { notes: [] }, errors: [],
    ...(against ? { against: { load: 1, warmup: against[0]!, jobs: against } } : {}),
  };
}

// The model: 3 runs of 300, 100, 200 ms (median 200), 12 base passes of 30 ms + 8 ms previews; the
// against model: 100, 50, 150 ms (median 100), 4 base passes of 10 ms + 2 ms. Per run: 3, 2, 1.33.
const modelJobs = [
  job({ total: 300, base: 200, basePasses: 12, basePass: 30, basePreview: 8, decode: 9 }),
  job({ total: 100, base: 40, basePasses: 12, basePass: 30, basePreview: 8, decode: 8 }),
  job({ total: 200, base: 120, basePasses: 12, basePass: 30, basePreview: 8, decode: 10 }),
];
const againstJobs = [
  job({ total: 100, base: 30, basePasses: 4, basePass: 10, decode: 8 }),
  job({ total: 50, base: 20, basePasses: 4, basePass: 10, decode: 8 }),
  job({ total: 150, base: 60, basePasses: 4, basePass: 10, decode: 8 }),
];

describe('bench --against: the comparison', () => {
  it('takes each model\'s medians and their ratio, run by run too', () => {
    const c = compareBackend(result(modelJobs, againstJobs))!;
    expect(c.runs).toBe(3);
    expect(c.model).toMatchObject({ timeToImage: 200, timeToImageMin: 100, timeToImageMax: 300, base: 120, basePasses: 12, basePass: 30, decode: 9, text: 5 });
    expect(c.against).toMatchObject({ timeToImage: 100, base: 30, basePasses: 4, basePass: 10, decode: 8 });
    expect(c.ratio.timeToImage).toBe(2);
    expect(c.ratio.base).toBe(4);
    expect(c.ratio.basePass).toBe(3);
    expect(c.ratio.basePreview).toBe(4);
    expect(c.ratio.superResPreview).toBe(1);
    expect(c.ratio.text).toBe(1);
    expect(c.pairRatios.map((r) => +r.toFixed(3))).toEqual([3, 2, 1.333]);
  });

  it('is absent without --against and counts only complete pairs', () => {
    expect(compareBackend(result(modelJobs))).toBeUndefined();
    const c = compareBackend(result(modelJobs, againstJobs.slice(0, 2)))!;
    expect(c.runs).toBe(2);
    expect(c.model.timeToImage).toBe(200); // median of 300 and 100
    expect(c.pairRatios).toHaveLength(2);
  });

  it('writes one table per backend with both medians, the ratio and the difference', () => {
    const comparison: Comparison = {
      model: modelInfo('pkg/v2', tiny, { base: 8 }),
      against: modelInfo('models/scenes', tiny),
      backends: [compareBackend(result(modelJobs, againstJobs))!],
    };
    const md = comparisonMarkdown(comparison, { loadAverage: [2.25, 3.5], logicalCores: 2 }, '2026-12-05T00:00:00.000Z');
    expect(md).toContain('Generated 2026-12-05T00:00:00.000Z by `npm run bench -- --model pkg/v2 --against models/scenes --steps-base 8`.');
    expect(md).toContain('**model:** `pkg/v2` (tiny-fixture): base 4×4 tokens, **8 steps** (--steps-base; package default 6); super-res 8×8 tokens, 4 steps; image 64×64 px.');
    expect(md).toContain('**against:** `models/scenes` (tiny-fixture): base 4×4 tokens, 6 steps;');
    expect(md).toContain('1-minute load average 2.25 at the start and 3.50 at the end, on 2 cores');
    expect(md).toContain('| Chromium WASM, 3 runs each | model | against | model / against | model − against |');
    expect(md).toContain('| **time to image** | **200** | **100** | **2.00×** | +100 |');
    expect(md).toContain('| base stage (12 vs 4 passes) | 120 | 30.0 | 4.00× | +90.0 |');
    expect(md).toContain('| · one base forward pass | 30.0 | 10.0 | 3.00× | +20.0 |');
    expect(md).toContain('| · one base preview (VQ decode) | 8.00 | 2.00 | 4.00× | +6.00 |');
    expect(md).toContain('| · one super-res preview (VQ decode) | 6.00 | 6.00 | 1.00× | +0.00 |');
    // Without preview decodes (the super-res atlas, --no-previews) the row is left out.
    const none = (j: JobMetrics): JobMetrics => ({ ...j, superResIterations: j.superResIterations.map((x) => ({ ...x, preview: 0 })) });
    const quiet = comparisonMarkdown({ ...comparison, backends: [compareBackend(result(modelJobs.map(none), againstJobs.map(none)))!] }, { logicalCores: 2 });
    expect(quiet).not.toContain('super-res preview');
    expect(quiet).toContain('· one base preview');
    expect(md).toContain('| VQ decode (final) | 9.00 | 8.00 | 1.13× | +1.00 |');
    expect(md).toContain('Per run (model / against, time to image, in run order): 3.00×, 2.00×, 1.33×; their median 2.00×.');
    expect(md).toContain('(target ≤ 1.6×: **not met**)');
  });

  it('meets issue 11\'s bound at 1.6× and has no verdict without the wasm backend', () => {
    const at = (total: number): Comparison => ({
      model: modelInfo('a', tiny),
      against: modelInfo('b', tiny),
      backends: [compareBackend(result([job({ total })], [job({ total: 100 })]))!],
    });
    expect(comparisonTarget(at(160))).toMatchObject({ met: true, value: '1.60× (1 runs each)' });
    expect(comparisonTarget(at(161)).met).toBe(false);
    const nodeOnly = at(160);
    nodeOnly.backends[0]!.id = 'node';
    expect(comparisonTarget(nodeOnly)).toMatchObject({ met: null, value: '–' });
  });
});

describe('bench model description', () => {
  it('reports the steps the jobs ran and names the override', () => {
    expect(describeModel(modelInfo('tests/fixtures/tiny', tiny))).toBe('`tests/fixtures/tiny` (tiny-fixture): base 4×4 tokens, 6 steps; super-res 8×8 tokens, 4 steps; image 64×64 px');
    const m = modelInfo('x', tiny, { superRes: 2 });
    expect(m).toMatchObject({ baseSteps: 6, superResSteps: 2, stepOverrides: { superRes: 2 } });
    expect(describeModel(m)).toContain('super-res 8×8 tokens, **2 steps** (--steps-sr; package default 4)');
  });

  it('refuses --steps-sr for a package without a super-res stage', () => {
    const baseOnly = { ...tiny, stages: { base: tiny.stages.base } } as Manifest;
    expect(() => modelInfo('base-only', baseOnly, { superRes: 2 })).toThrow('--steps-sr: base-only has no super-res stage');
    expect(modelInfo('base-only', baseOnly).superResSteps).toBe(0);
  });
});
