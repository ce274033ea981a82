/**
 * One set of bounds (schemas/settings.schema.json) for the engine, the settings form, the CLI
 * and the PNG parameters: the same value is refused everywhere, in the same words.
 */
import { describe, expect, it } from 'vitest';
import { parseNumber, rules } from '../../../src/app/settings/validate';
import { parseGenerateArgs } from '../../../src/cli/args';
import { BOUNDS, describeBound, withinBound } from '../../../src/engine/settings';
import { parseA1111 } from '../../../src/engine/png';
import { checkSetting } from '../../../src/engine/pipeline/request';

const line = (steps: string, cfg = '4') => `a cat\nSteps: ${steps}, CFG scale: ${cfg}, Seed: 1, Size: 64x64, Model: tiny-fixture`;

describe('settings bounds', () => {
  it('reads the schema: steps 1–64, guidance 0–20, temperature in (0, 10], seed uint32', () => {
    expect(BOUNDS.steps).toEqual({ integer: true, min: 1, minExclusive: false, max: 64 });
    expect(BOUNDS.guidance).toEqual({ integer: false, min: 0, minExclusive: false, max: 20 });
    expect(BOUNDS.temperature).toEqual({ integer: false, min: 0, minExclusive: true, max: 10 });
    expect(BOUNDS.seed.max).toBe(4294967295);
    expect(BOUNDS.confidenceNoise.max).toBeUndefined();
  });

  it('withinBound refuses non-numbers, non-integers and both ends', () => {
    expect([1, 64].every((n) => withinBound(BOUNDS.steps, n))).toBe(true);
    expect([0, 65, 1.5, NaN, Infinity, '8', null].some((n) => withinBound(BOUNDS.steps, n))).toBe(false);
    expect(withinBound(BOUNDS.temperature, 0)).toBe(false);
    expect(withinBound(BOUNDS.temperature, 10)).toBe(true);
  });

  it('the engine, the form, the CLI and the PNG reader refuse steps 65 in the same words', () => {
    const words = describeBound(BOUNDS.steps);
    expect(words).toBe('a whole number from 1 to 64');
    expect(() => checkSetting('base.steps', 'steps', 65)).toThrow(`base.steps must be ${words}, got 65`);
    expect(parseNumber('65', rules.steps, 'Base steps')).toEqual({ ok: false, message: `Base steps must be ${words}.` });
    expect(() => parseGenerateArgs(['--prompt', 'x', '--out', 'o.png', '--steps', '65'])).toThrow(`--steps must be ${words}, got "65"`);
    expect(() => parseA1111(line('65'))).toThrow(`Steps must be ${words} (got "65")`);
    expect(parseA1111(line('64')).steps).toBe(64);
  });

  it('guidance above 20 is refused by the engine and the PNG reader alike', () => {
    expect(() => checkSetting('base.guidance', 'guidance', 25)).toThrow('base.guidance must be a number from 0 to 20, got 25');
    expect(() => parseA1111(line('12', '25'))).toThrow('CFG scale must be a number from 0 to 20 (got "25")');
  });
});
