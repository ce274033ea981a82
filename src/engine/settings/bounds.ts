/**
 * The one set of bounds for every user-facing setting, read from schemas/settings.schema.json
 * (through its generated copy in ../schemas/):
 * the engine's request checks, the settings form, the command-line flags and the PNG
 * `parameters` reader all take their limits and their wording from here (the manifest's stage
 * defaults are validated against the same definitions by the compiled manifest schema).
 */
import generated from '../schemas/schemas.json' with { type: 'json' };

const schema = generated.settings;

/** A numeric setting's allowed values. */
export interface Bound {
  integer: boolean;
  min: number;
  /** True when `min` itself is not allowed. */
  minExclusive: boolean;
  /** Absent: no upper bound. */
  max?: number;
}

/** The numeric settings of schemas/settings.schema.json. */
export type SettingName =
  | 'steps'
  | 'guidance'
  | 'temperature'
  | 'confidenceNoise'
  | 'seed'
  | 'count'
  | 'strength'
  | 'feather'
  | 'dilation'
  | 'maskThreshold'
  | 'imageSide'
  | 'extendSide';

interface NumberDef {
  type?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

function boundOf(name: SettingName): Bound {
  const def: NumberDef | undefined = (schema.$defs as Record<string, NumberDef>)[name];
  const min = def?.exclusiveMinimum ?? def?.minimum;
  if (!def || (def.type !== 'integer' && def.type !== 'number') || min === undefined) {
    throw new Error(`schemas/settings.schema.json: $defs.${name} must be a bounded number`);
  }
  return { integer: def.type === 'integer', min, minExclusive: def.exclusiveMinimum !== undefined, ...(def.maximum !== undefined ? { max: def.maximum } : {}) };
}

const NAMES: SettingName[] = ['steps', 'guidance', 'temperature', 'confidenceNoise', 'seed', 'count', 'strength', 'feather', 'dilation', 'maskThreshold', 'imageSide', 'extendSide'];

/** Every numeric setting's bounds, by name. */
export const BOUNDS: Readonly<Record<SettingName, Bound>> = Object.fromEntries(NAMES.map((n) => [n, boundOf(n)])) as Record<SettingName, Bound>;

/** The guidance ramps a stage may use. */
export const GUIDANCE_RAMPS: readonly ('none' | 'linear')[] = schema.$defs.guidanceRamp.enum as ('none' | 'linear')[];

/** True when `value` is a number the bound allows. */
export function withinBound(bound: Bound, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (bound.integer && !Number.isInteger(value)) return false;
  if (bound.minExclusive ? value <= bound.min : value < bound.min) return false;
  return bound.max === undefined || value <= bound.max;
}

/** Completes "<setting> must be …": "a whole number from 1 to 64", "a number above 0 and at most 10". */
export function describeBound(bound: Bound): string {
  const kind = bound.integer ? 'a whole number' : 'a number';
  if (bound.max === undefined) return `${kind} ${bound.minExclusive ? 'above' : 'of at least'} ${bound.min}`;
  return bound.minExclusive ? `${kind} above ${bound.min} and at most ${bound.max}` : `${kind} from ${bound.min} to ${bound.max}`;
}

/** Short rendering of a bad value for messages: strings quoted, others as JSON. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** "<label> must be <bound>, got <value>", or null when the value is allowed. */
export function boundProblem(label: string, bound: Bound, value: unknown): string | null {
  return withinBound(bound, value) ? null : `${label} must be ${describeBound(bound)}, got ${showValue(value)}`;
}
