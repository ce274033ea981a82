/**
 * What the worker sends back for a finished job (src/worker/wire.ts): the display pixels are the
 * engine's own buffer, moved not copied; each image comes with its PNG file, encoded in the
 * worker, whose `parameters` chunk holds the settings that reproduce it (edits: how it was edited).
 */
import { describe, expect, it } from 'vitest';
import type { EditRequest, GenerateResult, StageSettings } from '../../../src/engine';
import { decodeImage } from '../../../src/engine/image/decode';
import { readPngParameters } from '../../../src/engine/png';
import { editResultEvent, resultEvent } from '../../../src/worker/wire';
import type { EditResultEvent, ResultEvent } from '../../../src/worker/protocol';
import { testImage } from '../png/pngTestUtils';

const base: StageSettings = { steps: 6, guidance: 3, guidanceRamp: 'linear', temperature: 1, confidenceNoise: 4.5 };
const superRes: StageSettings = { steps: 4, guidance: 2, guidanceRamp: 'none', temperature: 0.5, confidenceNoise: 2 };

function generated(count: number): GenerateResult {
  return {
    images: Array.from({ length: count }, (_, k) => testImage(5 + k, 3)),
    tokens: { base: Array.from({ length: count }, () => new Int32Array(16)) },
    settings: { base, superRes },
    promptTruncated: false,
    timings: {},
  };
}

describe('resultEvent', () => {
  it('moves the engine\'s pixel buffers and adds a PNG per image with its own seed', async () => {
    const result = generated(2);
    const buffers = result.images.map((i) => i.data.buffer);
    const { event, transfer } = resultEvent('job-1', { prompt: 'a red house', negativePrompt: 'fog', seed: 4294967295, count: 2 }, 'tiny-fixture', result, 'wasm');
    const images = (event as ResultEvent).images;
    expect(images.map((i) => i.rgba)).toEqual(buffers);
    expect(images[0]!.rgba).toBe(buffers[0]);
    expect(transfer).toEqual(expect.arrayContaining([...buffers, images[0]!.png!, images[1]!.png!]));
    for (const [k, img] of images.entries()) {
      const png = new Uint8Array(img.png!);
      expect(readPngParameters(png)).toEqual(img.params);
      expect((await decodeImage(png)).data).toEqual(result.images[k]!.data);
    }
    expect(images.map((i) => i.params.seed)).toEqual([4294967295, 0]);
    expect(images[0]!.params).toMatchObject({
      prompt: 'a red house', negativePrompt: 'fog', steps: 6, guidance: 3, superResSteps: 4, superResGuidance: 2,
      temperature: 1, guidanceRamp: 'linear', width: 5, height: 3, model: 'tiny-fixture', extra: { 'Super-res temperature': '0.5' },
    });
  });

  it('still sends the pixels when the PNG cannot be written, saying why', () => {
    const { event } = resultEvent('job-2', { prompt: 'a\0b', seed: 1 }, 'tiny-fixture', generated(1), 'wasm');
    const [img] = (event as ResultEvent).images;
    expect(img!.png).toBeNull();
    expect(img!.pngError).toMatch(/NUL/);
    expect(img!.rgba.byteLength).toBe(5 * 3 * 4);
  });
});

describe('editResultEvent', () => {
  it('records how the photo was edited, in the CLI\'s --extend syntax', () => {
    const request: EditRequest = { prompt: 'a balloon', seed: 41, image: testImage(3, 2), mode: 'outpaint', extend: { left: 0, right: 64, top: 0, bottom: 0 }, feather: 3 };
    const result = { images: [testImage(67, 2)], settings: { base }, promptTruncated: false, timings: {}, changedFraction: 0.5, windows: [] };
    const { event } = editResultEvent('job-3', request, 'tiny-fixture', result, 'wasm');
    const [img] = (event as EditResultEvent).images;
    const params = readPngParameters(new Uint8Array(img!.png!));
    expect(params).toEqual(img!.params);
    expect(params).toMatchObject({ prompt: 'a balloon', seed: 41, width: 67, height: 2 });
    expect(params.extra).toEqual({ Edit: 'outpaint', 'Edit source': '3x2', 'Edit feather': '3', 'Edit extend': 'left=0,right=64,top=0,bottom=0' });
  });

  it('editing by text records the strength (the default when none was sent)', () => {
    const request: EditRequest = { prompt: 'at night', seed: 1, image: testImage(2, 2), mode: 'text' };
    const result = { images: [testImage(2, 2)], settings: { base }, promptTruncated: false, timings: {}, changedFraction: 1, windows: [] };
    const [img] = (editResultEvent('job-4', request, 'm', result, 'wasm').event as EditResultEvent).images;
    expect(img!.params.extra).toEqual({ Edit: 'text', 'Edit source': '2x2', 'Edit strength': '0.6' });
  });
});
