// GenerationParams: the settings that reproduce an image, and the one validator for that
// shape. formatA1111/parseA1111 and the gallery's stored rows all check it here.
import { ParametersError } from './errors';

/** The settings that reproduce an image; stored in the PNG "parameters" chunk. */
export interface GenerationParams {
  prompt: string;
  /** "" when none. */
  negativePrompt: string;
  /** uint32. */
  seed: number;
  /** Base stage iterations. */
  steps: number;
  /** Base stage classifier-free guidance scale ("CFG scale"). */
  guidance: number;
  superResSteps?: number;
  superResGuidance?: number;
  temperature?: number;
  guidanceRamp?: 'none' | 'linear';
  /** Output size in pixels ("Size: WxH"). */
  width: number;
  height: number;
  /** Model package name, e.g. "scenes". */
  model: string;
  /** Keys this app does not know, kept verbatim (unquoted) so nothing is lost. */
  extra?: Record<string, string>;
}

export type NumberField = 'steps' | 'guidance' | 'seed' | 'superResSteps' | 'superResGuidance' | 'temperature';

export interface NumberKind {
  ok(n: number): boolean;
  /** Completes "<Key> must be …". */
  expected: string;
}

export const POSITIVE_INT: NumberKind = {
  ok: (n) => Number.isSafeInteger(n) && n >= 1,
  expected: 'a whole number of at least 1',
};
const UINT32: NumberKind = {
  ok: (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff,
  expected: 'a whole number from 0 to 4294967295',
};
const NON_NEGATIVE: NumberKind = { ok: (n) => Number.isFinite(n) && n >= 0, expected: 'a number of at least 0' };
const POSITIVE: NumberKind = { ok: (n) => Number.isFinite(n) && n > 0, expected: 'a number greater than 0' };

/** Numeric fields, their A1111 keys (also used to name them in errors) and their rules. */
export const NUMBER_FIELDS: readonly { key: string; field: NumberField; kind: NumberKind; required: boolean }[] = [
  { key: 'Steps', field: 'steps', kind: POSITIVE_INT, required: true },
  { key: 'CFG scale', field: 'guidance', kind: NON_NEGATIVE, required: true },
  { key: 'Seed', field: 'seed', kind: UINT32, required: true },
  { key: 'Super-res steps', field: 'superResSteps', kind: POSITIVE_INT, required: false },
  { key: 'Super-res CFG scale', field: 'superResGuidance', kind: NON_NEGATIVE, required: false },
  { key: 'Temperature', field: 'temperature', kind: POSITIVE, required: false },
];

export function invalid(key: string, expected: string, got: unknown): ParametersError {
  return new ParametersError(`${key} must be ${expected} (got ${JSON.stringify(got) ?? String(got)})`, key);
}

export function isGuidanceRamp(v: unknown): v is 'none' | 'linear' {
  return v === 'none' || v === 'linear';
}

/**
 * Checks that `value` is a valid GenerationParams and returns a clean copy holding only the
 * known fields (optional ones only when set).
 * @throws ParametersError naming the first bad field by its A1111 key (e.g. "Seed").
 */
export function checkGenerationParams(value: unknown): GenerationParams {
  if (typeof value !== 'object' || value === null) throw new ParametersError('generation parameters must be an object');
  const v = value as Record<string, unknown>;
  const text = (key: string, x: unknown): string => {
    if (typeof x !== 'string') throw invalid(key, 'text', x);
    return x;
  };
  const side = (x: unknown): number => {
    if (typeof x !== 'number' || !POSITIVE_INT.ok(x)) throw invalid('Size', 'a positive whole-number width and height', x);
    return x;
  };
  const out: GenerationParams = {
    prompt: text('Prompt', v.prompt),
    negativePrompt: text('Negative prompt', v.negativePrompt),
    seed: 0,
    steps: 0,
    guidance: 0,
    width: side(v.width),
    height: side(v.height),
    model: text('Model', v.model),
  };
  if (out.model.trim() === '') throw invalid('Model', 'a model name', out.model);
  for (const { key, field, kind, required } of NUMBER_FIELDS) {
    const n = v[field];
    if (n === undefined && !required) continue;
    if (typeof n !== 'number' || !kind.ok(n)) throw invalid(key, kind.expected, n);
    out[field] = n;
  }
  if (v.guidanceRamp !== undefined) {
    if (!isGuidanceRamp(v.guidanceRamp)) throw invalid('Guidance ramp', '"none" or "linear"', v.guidanceRamp);
    out.guidanceRamp = v.guidanceRamp;
  }
  if (v.extra !== undefined) {
    if (typeof v.extra !== 'object' || v.extra === null || Array.isArray(v.extra)) {
      throw new ParametersError('extra parameters must be an object of text values');
    }
    const extra: Record<string, string> = {};
    for (const [k, x] of Object.entries(v.extra)) {
      Object.defineProperty(extra, k, { value: text(k, x), enumerable: true, writable: true, configurable: true });
    }
    out.extra = extra;
  }
  return out;
}
