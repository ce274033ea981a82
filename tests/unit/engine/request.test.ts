import { describe, expect, it } from 'vitest';
import { RequestError } from '../../../src/engine/errors';
import { parseManifest } from '../../../src/engine/manifest/parse';
import { resolveRequest } from '../../../src/engine/pipeline/request';
import { planarToRgba } from '../../../src/engine/pipeline/vq';
import type { GenerateRequest } from '../../../src/engine/types';
import { baseManifest, fakeFiles, sha256 } from './helpers/fakePackage';

function manifest(withSuperRes = true) {
  const m = baseManifest();
  m['files'] = Object.fromEntries([...fakeFiles()].map(([p, b]) => [p, { sha256: sha256(b), bytes: b.byteLength }]));
  if (!withSuperRes) delete (m['stages'] as Record<string, unknown>)['superRes'];
  return parseManifest(m);
}

describe('resolveRequest', () => {
  const m = manifest();
  const ok: GenerateRequest = { prompt: 'a red house', seed: 7 };

  it('fills defaults from the manifest and applies overrides', () => {
    const r = resolveRequest({ ...ok, base: { steps: 9 }, superRes: { guidance: 1.5 } }, m);
    expect(r.count).toBe(1);
    expect(r.base).toEqual({ steps: 9, guidance: 3, guidanceRamp: 'linear', temperature: 1, confidenceNoise: 4.5 });
    expect(r.superRes).toEqual({ steps: 4, guidance: 1.5, guidanceRamp: 'none', temperature: 1, confidenceNoise: 4.5 });
    expect(r.negativePrompt).toBeUndefined();
  });

  it('ignores super-res settings on a model without super-res', () => {
    expect(resolveRequest({ ...ok, superRes: { steps: 3 } }, manifest(false)).superRes).toBeUndefined();
  });

  it.each([
    [{ base: { steps: 0 } }, 'base.steps must be a whole number from 1 to 64, got 0'],
    [{ base: { steps: 65 } }, 'base.steps must be a whole number from 1 to 64, got 65'],
    [{ superRes: { steps: 1.5 } }, 'superRes.steps must be a whole number from 1 to 64, got 1.5'],
    [{ base: { guidance: -1 } }, 'base.guidance must be a number from 0 to 20, got -1'],
    [{ base: { guidance: Infinity } }, 'base.guidance must be a number from 0 to 20, got Infinity'],
    [{ base: { guidance: 21 } }, 'base.guidance must be a number from 0 to 20, got 21'],
    [{ base: { temperature: 11 } }, 'base.temperature must be a number above 0 and at most 10, got 11'],
    [{ base: { guidance: NaN } }, 'base.guidance must be a number from 0 to 20, got NaN'],
    [{ base: { temperature: 0 } }, 'base.temperature must be a number above 0 and at most 10, got 0'],
    [{ base: { confidenceNoise: -1 } }, 'base.confidenceNoise must be a number of at least 0, got -1'],
    [{ base: { guidanceRamp: 'cosine' } }, 'base.guidanceRamp must be "none" or "linear", got "cosine"'],
    [{ count: 0 }, 'count must be a whole number from 1 to 4, got 0'],
    [{ count: 5 }, 'count must be a whole number from 1 to 4, got 5'],
    [{ seed: -1 }, 'seed must be a whole number from 0 to 4294967295, got -1'],
    [{ seed: 2 ** 32 }, 'seed must be a whole number from 0 to 4294967295, got 4294967296'],
    [{ seed: 1.5 }, 'seed must be a whole number from 0 to 4294967295, got 1.5'],
    [{ prompt: 5 }, 'prompt must be a string, got 5'],
    [{ negativePrompt: null }, 'negativePrompt must be a string, got null'],
  ])('%j is refused', (patch, message) => {
    const req = { ...ok, ...patch } as unknown as GenerateRequest;
    expect(() => resolveRequest(req, m)).toThrow(RequestError);
    expect(() => resolveRequest(req, m)).toThrow(message);
  });
});

describe('planarToRgba', () => {
  it('clamps to pixelRange and maps it to 0–255 with opaque alpha', () => {
    // 2×1 image, planes R = [−1, 1], G = [0, 2], B = [−3, 0.5]; range [−1, 1]:
    // (x + 1)·127.5 → R 0, 255; G 127.5 → 128 (round half up), 2 → clamp 255; B clamp 0, 191.25 → 191
    const img = planarToRgba(new Float32Array([-1, 1, 0, 2, -3, 0.5]), 2, 1, [-1, 1]);
    expect(img.width).toBe(2);
    expect(img.height).toBe(1);
    expect(Array.from(img.data)).toEqual([0, 128, 0, 255, 255, 255, 191, 255]);
    // range [0, 1]: 0.5 → 127.5 → 128
    expect(Array.from(planarToRgba(new Float32Array([0.5, 0.5, 0.5]), 1, 1, [0, 1]).data)).toEqual([128, 128, 128, 255]);
  });
});
