// GenerationParams: the settings that reproduce an image, and the one validator for that
// shape. formatA1111/parseA1111 and the gallery's stored rows all check it here.
import { ParametersError } from './errors';
import { BOUNDS, describeBound, GUIDANCE_RAMPS, withinBound, type Bound } from '../settings/bounds';

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

/** A positive whole number with no upper bound (image sizes; not a setting). */
export const POSITIVE_INT: Bound = { integer: true, min: 1, minExclusive: false };

/** Numeric fields, their A1111 keys (also used to name them in errors) and their bounds (schemas/settings.schema.json). */
export const NUMBER_FIELDS: readonly { key: string; field: NumberField; bound: Bound; required: boolean }[] = [
  { key: 'Steps', field: 'steps', bound: BOUNDS.steps, required: true },
  { key: 'CFG scale', field: 'guidance', bound: BOUNDS.guidance, required: true },
  { key: 'Seed', field: 'seed', bound: BOUNDS.seed, required: true },
  { key: 'Super-res steps', field: 'superResSteps', bound: BOUNDS.steps, required: false },
  { key: 'Super-res CFG scale', field: 'superResGuidance', bound: BOUNDS.guidance, required: false },
  { key: 'Temperature', field: 'temperature', bound: BOUNDS.temperature, required: false },
];

export function invalid(key: string, expected: string, got: unknown): ParametersError {
  return new ParametersError(`${key} must be ${expected} (got ${JSON.stringify(got) ?? String(got)})`, key);
}

export function isGuidanceRamp(v: unknown): v is 'none' | 'linear' {
  return (GUIDANCE_RAMPS as readonly unknown[]).includes(v);
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
    if (!withinBound(POSITIVE_INT, x)) throw invalid('Size', 'a positive whole-number width and height', x);
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
  for (const { key, field, bound, required } of NUMBER_FIELDS) {
    const n = v[field];
    if (n === undefined && !required) continue;
    if (!withinBound(bound, n)) throw invalid(key, describeBound(bound), n);
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
