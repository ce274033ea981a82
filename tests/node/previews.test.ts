/**
 * Live previews on the embedded Scenes model: base previews are at the base stage's own size
 * (true decodes of an 8×8 grid, atlas mosaics from 16×16 tokens on); super-res previews are
 * mosaics of the per-code atlas (pipeline/mosaic.ts), which must still show the picture the job is
 * converging to. Measured here as PSNR against the final image.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel, Progress, RgbaImage } from '../../src/engine';
import type { Ort } from '../../src/engine/ort';
import { buildAtlas } from '../../src/engine/pipeline/mosaic';
import { loadFixture, REPO_ROOT } from './helpers';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadFixture(`${REPO_ROOT}/models/scenes`);
});
afterAll(async () => {
  await model?.release();
});

function psnr(a: RgbaImage, b: RgbaImage): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    se += (a.data[i] - b.data[i]) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

describe('previews on models/scenes', () => {
  it("the package's preview atlas is the one the engine would build from its decoder, and is used at once", async () => {
    const { vqgan } = model.manifest;
    expect(vqgan.previewAtlas).toBeDefined();
    expect(model.previewsReady()).toBe(true);
    const packaged = readFileSync(`${REPO_ROOT}/models/scenes/${vqgan.previewAtlas!}`);
    const session = await ort.InferenceSession.create(`${REPO_ROOT}/models/scenes/${vqgan.decoder}`);
    try {
      const built = await buildAtlas({ ort: ort as unknown as Ort, session, file: vqgan.decoder, downsample: vqgan.downsample, pixelRange: vqgan.pixelRange }, vqgan.codebookSize);
      expect(built.rgba.length).toBe(packaged.length);
      let worst = 0;
      for (let i = 0; i < packaged.length; i++) worst = Math.max(worst, Math.abs(packaged[i] - built.rgba[i]));
      // Made by the export in Python from the same graph; float sums may round one level apart.
      expect(worst).toBeLessThanOrEqual(1);
    } finally {
      await session.release();
    }
  });

  it('super-res previews are 256×256 mosaics that already show the final image', async () => {
    await model.warmPreviews(); // as the worker does after a load: builds the atlas once
    const events: Progress[] = [];
    const r = await model.generate({ prompt: 'a red hot-air balloon over the sea at sunset', seed: 7 }, { onProgress: (p) => events.push(p) });
    const base = events.filter((e) => e.stage === 'base');
    const sr = events.filter((e) => e.stage === 'superRes');
    const [baseHeight, baseWidth] = model.manifest.stages.base.imageSize;
    expect(base.length).toBeGreaterThan(0);
    expect(base.every((e) => e.preview?.[0].width === baseWidth && e.preview[0].height === baseHeight)).toBe(true);
    const previews = sr.slice(0, -1).map((e) => e.preview![0]);
    expect(previews.every((p) => p.width === 256 && p.height === 256)).toBe(true);
    const scores = previews.map((p) => psnr(p, r.images[0]));
    // Every preview shows the picture (a mosaic of the final tokens is ~21 dB from their true
    // decode; an unrelated or black image scores under 12).
    for (const s of scores) expect(s).toBeGreaterThan(17);
    console.log(`super-res preview PSNR vs the final image, by iteration: ${scores.map((s) => s.toFixed(1)).join(', ')} dB`);
  });
});
