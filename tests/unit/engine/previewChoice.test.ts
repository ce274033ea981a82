/**
 * Which previews are mosaics of the atlas and which are true VQ decodes: a mosaic on an 8×8 base
 * grid would be 64 flat patches, while on a 16×16 grid (Scenes v2's base) a true decode costs a
 * third of each base iteration in the browser.
 */
import { describe, expect, it } from 'vitest';
import { createReporter, mosaicPreviews } from '../../../src/engine/pipeline/progress';
import type { PreviewAtlas, TokenAtlas } from '../../../src/engine/pipeline/mosaic';
import type { VqDecoder } from '../../../src/engine/pipeline/vq';
import type { Progress } from '../../../src/engine/types';

/** One-pixel patches: code c is the colour (c, c, c). */
const ATLAS: TokenAtlas = { patch: 1, codes: 4, rgba: Uint8ClampedArray.from([0, 1, 2, 3].flatMap((c) => [c, c, c, 255])) };
const ready: PreviewAtlas = { now: () => ATLAS, get: async () => ATLAS };

/** A VQ decoder whose session counts its runs and returns mid-grey pixels. */
function countingVq(): { vq: VqDecoder; runs: () => number } {
  let runs = 0;
  class Tensor {
    constructor(readonly type: string, readonly data: Float32Array | BigInt64Array, readonly dims: readonly number[]) {}
  }
  const session = {
    run: async (f: Record<string, Tensor>) => {
      runs++;
      const [b, h, w] = f.tokens.dims;
      return { pixels: new Tensor('float32', new Float32Array(b * 3 * h * w), [b, 3, h, w]) };
    },
    release: async () => {},
    inputNames: ['tokens'],
    outputNames: ['pixels'],
  };
  const vq = { ort: { Tensor }, session, file: 'vqgan/decoder.onnx', downsample: 1, pixelRange: [-1, 1] } as unknown as VqDecoder;
  return { vq, runs: () => runs };
}

async function previewOf(stage: 'base' | 'superRes', side: number): Promise<{ decodes: number; progress: Progress }> {
  const { vq, runs } = countingVq();
  const events: Progress[] = [];
  const reporter = createReporter(vq, { onProgress: (p) => events.push(p) }, 10, {}, 0, ready);
  const tokens = Int32Array.from({ length: side * side }, (_, i) => i % 4);
  await reporter.stage({ stage, grid: [side, side], totalSteps: 5, overallOffset: 0 })(1, [tokens]);
  return { decodes: runs(), progress: events[0] };
}

describe('preview choice', () => {
  it('base previews of 16×16 tokens or more are mosaics once the atlas is ready: no VQ run', async () => {
    const { decodes, progress } = await previewOf('base', 16);
    expect(decodes).toBe(0);
    const img = progress.preview![0];
    expect([img.width, img.height]).toEqual([16, 16]);
    expect(Array.from(img.data.slice(0, 12))).toEqual([0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255]);
  });

  it('an 8×8 base preview stays a true decode even with the atlas ready', async () => {
    const { decodes, progress } = await previewOf('base', 8);
    expect(decodes).toBe(1);
    expect(progress.preview![0].data[0]).toBe(128);
  });

  it('super-res previews are mosaics at any size', async () => {
    expect((await previewOf('superRes', 4)).decodes).toBe(0);
    expect(mosaicPreviews('superRes', [2, 2])).toBe(true);
    expect([mosaicPreviews('base', [15, 16]), mosaicPreviews('base', [16, 16]), mosaicPreviews('base', [32, 32])]).toEqual([false, true, true]);
  });
});
