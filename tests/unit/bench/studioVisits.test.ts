import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISSUE_14_COMMIT, isStudioMode, parseStudioArgs } from '../../../scripts/bench/studio/args';
import { missingIsolation } from '../../../scripts/bench/studio/checkout';
import { studioMarkdown, summariseStudio, targetLines, type StudioRunInfo, type StudioVisitRow, type VisitTimes } from '../../../scripts/bench/studio/report';
import { visitTimes } from '../../../scripts/bench/studio/visit';
import { replaceBetween } from '../../../scripts/bench/shared/docMarkers';

const ROOT = '/repo';

describe('studio-visit arguments', () => {
  it('is a mode of its own, off unless --studio-visits is given', () => {
    expect(isStudioMode(['--backends', 'wasm', '--visits', '2'])).toBe(false);
    expect(isStudioMode(['--studio-visits', '3'])).toBe(true);
  });

  it('defaults to the commit issue 14 was measured on, in a scratch folder, against this checkout', () => {
    const o = parseStudioArgs(['--studio-visits', '3'], ROOT, '/cwd', '/tmp');
    expect(o).toMatchObject({ visits: 3, beforeCommit: ISSUE_14_COMMIT, beforeDir: '/tmp/muse-studio-407e2ca', nowDir: ROOT, ports: [4331, 4332], build: true, write: true, query: '?backend=wasm' });
  });

  it('reads folders from the current directory, ports, the query and the switches', () => {
    const o = parseStudioArgs(
      ['--studio-visits', '5', '--studio-before', '../old', '--studio-ports', '4333,4334', '--studio-query', 'backend=auto', '--studio-seed', '7', '--no-build', '--no-write', '--json', 'out.json'],
      ROOT,
      '/work/x',
    );
    expect(o).toMatchObject({ visits: 5, beforeDir: '/work/old', ports: [4333, 4334], query: '?backend=auto', seed: 7, build: false, write: false, json: path.resolve('/work/x', 'out.json') });
  });

  it('refuses what cannot be measured, saying why', () => {
    expect(() => parseStudioArgs(['--studio-visits', '0'], ROOT)).toThrow(/--studio-visits needs an integer from 1/);
    expect(() => parseStudioArgs(['--studio-visits', '2', '--studio-ports', '4331'], ROOT)).toThrow(/two ports/);
    expect(() => parseStudioArgs(['--studio-visits', '2', '--studio-ports', '4331,4331'], ROOT)).toThrow(/different ports/);
    expect(() => parseStudioArgs(['--studio-visits', '2', '--studio-before-commit', 'main'], ROOT)).toThrow(/commit id/);
    expect(() => parseStudioArgs(['--studio-visits', '2', '--studio-before', ROOT], ROOT)).toThrow(/same checkout/);
    expect(() => parseStudioArgs(['--studio-visits', '2', '--runs', '3'], ROOT)).toThrow(/unknown option --runs/);
    expect(() => parseStudioArgs(['--studio-visits', '2', '--json'], ROOT)).toThrow(/--json needs a value/);
  });
});

describe('the preview server check', () => {
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });
  it('accepts same-origin with require-corp or credentialless, and names what is missing', () => {
    expect(missingIsolation(headers({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }))).toBeUndefined();
    expect(missingIsolation(headers({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'credentialless' }))).toBeUndefined();
    expect(missingIsolation(headers({ 'cross-origin-opener-policy': 'same-origin' }))).toBe('Cross-Origin-Embedder-Policy is absent (needs require-corp or credentialless)');
  });
});

describe('visit times from the probe', () => {
  it('measures the first image from its press and from Ready, the warm one from the second press', () => {
    expect(visitTimes({ ready: 1000, pressed: [1010, 5000], images: [4010, 7000] })).toEqual({ ready: 1000, pressDelay: 10, firstImage: 3000, firstAfterReady: 3010, warm: 2000 });
  });
  it('says what is missing from an incomplete visit', () => {
    expect(() => visitTimes({ ready: 1000, pressed: [1010], images: [4010] })).toThrow(/presses 1, images 1/);
  });
});

const times = (ready: number, first: number, warm: number): VisitTimes => ({ ready, pressDelay: 5, firstImage: first - 5, firstAfterReady: first, warm });
const ROWS: StudioVisitRow[] = [
  { build: 'before', visit: 0, times: times(9000, 9000, 3000), load: 3 },
  { build: 'now', visit: 0, times: times(5000, 4000, 3000), load: 3 },
  { build: 'before', visit: 1, times: times(3000, 4500, 1500), load: 3 },
  { build: 'now', visit: 1, times: times(1000, 1500, 1500), load: 3 },
  { build: 'before', visit: 2, times: times(2000, 4000, 1600), load: 3 },
  { build: 'now', visit: 2, times: times(800, 2000, 1400), load: 3 },
  { build: 'before', visit: 3, times: times(2600, 5000, 1550), load: 3 },
  { build: 'now', visit: 3, times: times(900, 1800, 1500), load: 3 },
];

describe('studio-visit report', () => {
  it('takes medians of the cached visits only, and the two ratios of the target', () => {
    const s = summariseStudio(ROWS);
    expect(s.before.visits).toBe(3);
    expect(s.before.median.ready).toBe(2600);
    expect(s.now.median.ready).toBe(900);
    expect(s.readyRatio).toBeCloseTo(900 / 2600);
    expect(s.now.firstOverWarm).toBeCloseTo(1800 / 1500);
    expect(s.before.firstOverWarm).toBeCloseTo(4500 / 1550);
    expect(targetLines(s)).toEqual([
      'Ready now / before: 0.35× (target ≤ 0.33×: not met)',
      'First image after Ready / one warm generation, now: 1.20× (target ≤ 1×: not met); before: 2.90×',
    ]);
  });

  it('needs a cached visit of each build', () => {
    expect(() => summariseStudio(ROWS.filter((r) => r.build === 'now' || r.visit === 0))).toThrow(/no cached visit of the before build/);
  });

  it('writes the visits in order, the medians, the first visits, the load and the run time', () => {
    const info: StudioRunInfo = {
      generatedAt: '2026-12-05T02:00:00.000Z', command: 'npm run bench -- --studio-visits 3', beforeCommit: '407e2ca', nowCommit: 'abc1234',
      chromium: 'Chromium 156', loadAverage: [2.5, 3.25], seconds: 150, prompt: 'a boat', seed: 1234, query: '?backend=wasm',
    };
    const md = studioMarkdown(info, ROWS, summariseStudio(ROWS));
    expect(md).toContain('| Ready (navigation → "Ready") | 3000, 2000, 2600 (median 2600) | 1000, 800, 900 (median 900) |');
    expect(md).toContain('| first visit: Ready, first image after Ready, warm | 9000, 9000, 3000 | 5000, 4000, 3000 |');
    expect(md).toContain('Load average 2.5 → 3.3; the run took 2.5 min');
    expect(md).toContain('- Ready now / before: 0.35×');
  });
});

describe('markers in a document', () => {
  it('replaces the block between the markers, or appends it under a heading', () => {
    const marks = { start: '<!-- a -->', end: '<!-- b -->' };
    expect(replaceBetween('x\n<!-- a -->\nold\n<!-- b -->\ny', marks, 'new', '## H')).toBe('x\n<!-- a -->\nnew\n<!-- b -->\ny');
    expect(replaceBetween('x\n', marks, 'new', '## H')).toBe('x\n\n## H\n\n<!-- a -->\nnew\n<!-- b -->\n');
  });
});
