import { describe, expect, it } from 'vitest';
import { parseNumber, parseSeed, rules, validateAdvanced } from '../../../src/app/settings/validate';

describe('parseNumber', () => {
  it('accepts numbers in range and names the field otherwise', () => {
    expect(parseNumber('12', rules.steps, 'Base steps')).toEqual({ ok: true, value: 12 });
    expect(parseNumber(' 4.5 ', rules.guidance, 'Base guidance')).toEqual({ ok: true, value: 4.5 });
    expect(parseNumber('', rules.steps, 'Base steps')).toEqual({ ok: false, message: 'Base steps is empty.' });
    expect(parseNumber('abc', rules.steps, 'Base steps')).toEqual({ ok: false, message: 'Base steps must be a number.' });
    expect(parseNumber('2.5', rules.steps, 'Base steps')).toEqual({
      ok: false,
      message: 'Base steps must be a whole number from 1 to 64.',
    });
    expect(parseNumber('65', rules.steps, 'Base steps').ok).toBe(false);
    expect(parseNumber('0', rules.temperature, 'Base temperature')).toEqual({
      ok: false,
      message: 'Base temperature must be a number above 0 and at most 10.',
    });
    expect(parseNumber('0', rules.guidance, 'Base guidance').ok).toBe(true);
    expect(parseNumber('1e1', rules.guidance, 'g')).toEqual({ ok: true, value: 10 });
    expect(parseNumber('0x10', rules.steps, 's').ok).toBe(false);
    expect(parseNumber('Infinity', rules.guidance, 'g').ok).toBe(false);
  });

  it('seeds are uint32', () => {
    expect(parseSeed('4294967295')).toEqual({ ok: true, value: 4294967295 });
    expect(parseSeed('4294967296').ok).toBe(false);
    expect(parseSeed('-1').ok).toBe(false);
  });
});

describe('validateAdvanced', () => {
  it('sends only overridden, valid fields and reports the rest per field', () => {
    const r = validateAdvanced(['base', 'superRes'], {
      'base.steps': '8',
      'superRes.guidance': '-1',
      'superRes.temperature': '0.5',
    });
    expect(r.values).toEqual({ base: { steps: 8 }, superRes: { temperature: 0.5 } });
    expect(r.errors).toEqual({ 'superRes.guidance': 'Super-res guidance must be a number from 0 to 20.' });
  });

  it('ignores overrides of a stage the model does not have', () => {
    expect(validateAdvanced(['base'], { 'superRes.steps': 'x' })).toEqual({ values: {}, errors: {} });
  });
});
