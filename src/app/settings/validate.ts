/**
 * Validation of the numbers a user types in the Advanced section and the seed field.
 * Pure functions: raw strings in, parsed values or one message per field out.
 */
import type { StageSettings } from '../../engine';
import { BOUNDS, describeBound, withinBound, type Bound } from '../../engine/settings';

export type StageName = 'base' | 'superRes';
export type StageField = 'steps' | 'guidance' | 'temperature';
export type FieldKey = `${StageName}.${StageField}`;

export const stageLabels: Record<StageName, string> = { base: 'Base', superRes: 'Super-res' };
export const fieldLabels: Record<StageField, string> = {
  steps: 'steps',
  guidance: 'guidance',
  temperature: 'temperature',
};

/** The bounds of the package contract and the engine (schemas/settings.schema.json). */
export const rules: Record<StageField, Bound> = {
  steps: BOUNDS.steps,
  guidance: BOUNDS.guidance,
  temperature: BOUNDS.temperature,
};

export type Parsed = { ok: true; value: number } | { ok: false; message: string };

/** Parses one typed number against its bounds; the message names the field and the allowed range. */
export function parseNumber(raw: string, bound: Bound, label: string): Parsed {
  const text = raw.trim();
  if (text === '') return { ok: false, message: `${label} is empty.` };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    return { ok: false, message: `${label} must be a number.` };
  }
  const value = Number(text);
  if (!withinBound(bound, value)) return { ok: false, message: `${label} must be ${describeBound(bound)}.` };
  return { ok: true, value };
}

export const SEED_MAX = BOUNDS.seed.max!;

export function parseSeed(raw: string): Parsed {
  return parseNumber(raw, BOUNDS.seed, 'Seed');
}

export function fieldLabel(stage: StageName, field: StageField): string {
  return `${stageLabels[stage]} ${fieldLabels[field]}`;
}

export interface AdvancedResult {
  values: Partial<Record<StageName, Partial<StageSettings>>>;
  errors: Partial<Record<FieldKey, string>>;
}

/**
 * Validates the typed overrides for the stages a model has. Fields not overridden take the
 * manifest defaults and are not sent, so the engine applies them.
 */
export function validateAdvanced(
  stages: StageName[],
  overrides: Partial<Record<FieldKey, string>>,
): AdvancedResult {
  const result: AdvancedResult = { values: {}, errors: {} };
  for (const stage of stages) {
    for (const field of Object.keys(rules) as StageField[]) {
      const key: FieldKey = `${stage}.${field}`;
      const raw = overrides[key];
      if (raw === undefined) continue;
      const parsed = parseNumber(raw, rules[field], fieldLabel(stage, field));
      if (parsed.ok) (result.values[stage] ??= {})[field] = parsed.value;
      else result.errors[key] = parsed.message;
    }
  }
  return result;
}

/** A fresh random uint32 seed. */
export function randomSeed(): number {
  const buf = new Uint32Array(1);
  crypto.getRandomValues(buf);
  return buf[0];
}
