import { describe, expect, it } from 'vitest';
import { checkGenerationParams, ParametersError } from '../../../src/engine/png';

const valid = { prompt: 'p', negativePrompt: '', seed: 1, steps: 2, guidance: 3, width: 8, height: 8, model: 'm' };

describe('checkGenerationParams', () => {
  it('returns a clean copy with only known fields', () => {
    const out = checkGenerationParams({ ...valid, temperature: 0.5, junk: 1, superResSteps: undefined });
    expect(out).toEqual({ ...valid, temperature: 0.5 });
    expect(Object.keys(out)).not.toContain('junk');
    expect(Object.keys(out)).not.toContain('superResSteps');
  });

  it.each<[unknown, string | undefined]>([
    [null, undefined],
    [{ ...valid, prompt: 3 }, 'Prompt'],
    [{ ...valid, negativePrompt: undefined }, 'Negative prompt'],
    [{ ...valid, seed: '1' }, 'Seed'],
    [{ ...valid, height: 0 }, 'Size'],
    [{ ...valid, superResGuidance: -1 }, 'Super-res CFG scale'],
    [{ ...valid, guidanceRamp: 'LINEAR' }, 'Guidance ramp'],
    [{ ...valid, extra: { Note: 5 } }, 'Note'],
    [{ ...valid, extra: ['x'] }, undefined],
  ])('rejects %j', (value, key) => {
    let error: unknown;
    try {
      checkGenerationParams(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParametersError);
    expect((error as ParametersError).key).toBe(key);
  });
});
