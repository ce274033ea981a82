/**
 * `npm run bench`'s cached visits in the report (scripts/bench/report.ts): medians per start path
 * (Generate at Ready, Generate after the warm-up), the first-image target, and the Ready ratio
 * against the start before issue 14.2, which only `--studio-visits` measures, pointed to.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelInfo } from '../../../scripts/bench/model';
import { computeTargets, markdown, summarise, type MachineInfo } from '../../../scripts/bench/report';
import type { BackendResult, CachedVisit, JobMetrics, StartPath } from '../../../scripts/bench/shared/types';
import type { Manifest } from '../../../src/engine';

const tiny = JSON.parse(readFileSync(new URL('../../fixtures/tiny/manifest.json', import.meta.url), 'utf8')) as Manifest;
const model = modelInfo('tests/fixtures/tiny', tiny);
const machine: MachineInfo = { cpu: 'test', logicalCores: 2, memoryGiB: 1, os: 'test', node: 'v20', onnxruntimeNode: '1.30.0', onnxruntimeWeb: '1.30.0' };

const job: JobMetrics = {
  prompt: 'a boat', seed: 1, engine: {}, text: 1, base: 2, superRes: 3, decode: 1,
  firstPreview: null, firstPreviewAfterText: null, timeToImage: 7, wallToImage: 7,
  baseIterations: [], superResIterations: [], forwardPasses: 2, runs: {}, previewDecodeTotal: 0, bytesPerPass: {},
};

const visit = (path: StartPath, ready: number, firstImage: number, secondImage: number, warmUp?: number): CachedVisit => ({
  path, ready, firstImage, secondImage, parts: { 'ORT import': 5, sha256: 3, ...(warmUp !== undefined ? { 'warm-up after Ready': warmUp } : {}) },
});

function wasm(visits: CachedVisit[]): BackendResult {
  return {
    id: 'wasm', env: { runtime: 'test', executionProviders: ['wasm'] }, load: { cold: 1, warm: 1, visits },
    warmup: job, jobs: [job], memory: { notes: [] }, errors: [],
  };
}

// Alternating as the bench runs them: Generate at Ready, then after the warm-up, twice.
const visits = [
  visit('new', 1000, 3000, 2000),
  visit('afterWarmUp', 800, 1500, 1400, 400),
  visit('new', 1400, 2600, 2200),
  visit('afterWarmUp', 900, 1700, 1500, 600),
];

describe('bench report: cached visits', () => {
  it('takes medians per start path', () => {
    const s = summarise(wasm(visits));
    expect(s.visits).toEqual({
      new: { ready: 1200, firstImage: 2800, secondImage: 2100, runs: 2, warmUp: NaN },
      afterWarmUp: { ready: 850, firstImage: 1600, secondImage: 1450, runs: 2, warmUp: 500 },
    });
  });

  it('checks the first image against one warm generation, and leaves the Ready ratio to --studio-visits', () => {
    const targets = computeTargets(model, machine, [summarise(wasm(visits))], [], undefined);
    const first = targets.find((t) => t.name.startsWith('Cached visit (WASM): first image'));
    expect(first).toMatchObject({ value: '1.33×', met: false });
    const ready = targets.find((t) => t.name === 'Cached visit (WASM): Ready now / before 14.2');
    expect(ready).toMatchObject({ value: '–', met: null });
    expect(ready?.note).toMatch(/npm run bench -- --studio-visits N/);
  });

  it('writes the cached-visit rows of today\'s start', () => {
    const summaries = [summarise(wasm(visits))];
    const md = markdown({ machine, model, config: {}, summaries, baselines: [], targets: computeTargets(model, machine, summaries, [], undefined) });
    expect(md).toContain('| cached visit: Ready (against the start before 14.2: `--studio-visits`) | 1200 |');
    expect(md).toContain('| cached visit: first image after Ready | 2800 |');
    expect(md).toContain('| cached visit: the next image (one warm generation) | 2100 |');
    expect(md).toContain('| cached visit: first image sent once the warm-up ended (warm-up after Ready) | 1600 (500) |');
    expect(md).toMatch(/\| Cached visit \(WASM\): Ready now \/ before 14\.2 \| – — measured by `npm run bench -- --studio-visits N`.*\| n\/a \|/);
  });

  it('has no cached-visit target without visits (--visits 0)', () => {
    const targets = computeTargets(model, machine, [summarise(wasm([]))], [], undefined);
    expect(targets.some((t) => t.name.startsWith('Cached visit'))).toBe(false);
  });
});
