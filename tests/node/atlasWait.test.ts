/**
 * The super-res preview atlas never holds up an image (issue 14.2): a job on a model whose atlas
 * is not ready shows true decodes as its super-res previews instead of waiting seconds for the
 * atlas; a cache-only warm-up with an empty cache builds nothing; the full warm-up builds it once
 * and offers it to the cache, and later jobs show its mosaics.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel, type Progress } from '../../src/engine';
import type { AtlasCache } from '../../src/engine/pipeline/mosaic';
import { createFsSource } from '../../src/node/fsSource';
import { FIXTURE_DIR } from './helpers';

const stored = new Map<string, Uint8Array>();
const cache: AtlasCache = {
  get: (key) => Promise.resolve(stored.get(key)),
  put: (key, bytes) => {
    stored.set(key, bytes.slice());
    return Promise.resolve();
  },
};

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel(createFsSource(FIXTURE_DIR), { ort, executionProviders: ['cpu'], atlasCache: cache });
});
afterAll(async () => {
  await model?.release();
});

const superResPreviews = async (): Promise<Progress[]> => {
  const events: Progress[] = [];
  await model.generate({ prompt: 'a red boat', seed: 3 }, { onProgress: (p) => events.push(p) });
  return events.filter((e) => e.stage === 'superRes' && e.preview);
};

describe('the preview atlas does not block images', () => {
  it('before the atlas: previews at every super-res step, and no atlas is built by the job', async () => {
    expect(model.previewsReady()).toBe(false);
    expect((await superResPreviews()).length).toBeGreaterThan(0);
    expect(model.previewsReady()).toBe(false);
    expect(stored.size).toBe(0);
  });

  it('a cache-only warm-up with an empty cache builds nothing; the full one builds and stores it', async () => {
    expect(await model.warmPreviews({ cachedOnly: true })).toBe(false);
    expect(stored.size).toBe(0);
    expect(await model.warmPreviews()).toBe(true);
    expect(model.previewsReady()).toBe(true);
    expect(stored.size).toBe(1);
    expect((await superResPreviews()).length).toBeGreaterThan(0);
  });

  it('a second load of the same model finds the stored atlas with a cache-only warm-up', async () => {
    const again = await loadModel(createFsSource(FIXTURE_DIR), { ort, executionProviders: ['cpu'], atlasCache: cache });
    try {
      expect(await again.warmPreviews({ cachedOnly: true })).toBe(true);
    } finally {
      await again.release();
    }
  });
});
