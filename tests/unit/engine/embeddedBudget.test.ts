import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The embedded model ships with the studio (first visit downloads it, the offline app caches it),
 * so its package has a budget: 40 MB for all files (docs/MODEL_CARD.md). Every retrained version
 * also adds its size to git history.
 */
const BUDGET = 40e6;
const root = new URL('../../../models/scenes/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', root), 'utf8')) as { files: Record<string, { bytes: number }> };

describe('the embedded Scenes package', () => {
  it('fits its 40 MB budget, counting every file on disk', () => {
    const listed = Object.keys(manifest.files);
    const total = listed.reduce((sum, f) => sum + statSync(new URL(f, root)).size, statSync(new URL('manifest.json', root)).size);
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  it('lists each file with the size it has on disk', () => {
    for (const [f, { bytes }] of Object.entries(manifest.files)) expect([f, statSync(new URL(f, root)).size]).toEqual([f, bytes]);
  });
});
