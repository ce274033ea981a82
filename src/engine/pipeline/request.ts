import { RequestError } from '../errors';
import type { Manifest, StageSettings } from '../manifest/types';
import type { GenerateRequest } from '../types';
import { BOUNDS, GUIDANCE_RAMPS, boundProblem, showValue, type SettingName } from '../settings/bounds';

/** A GenerateRequest with every default filled in and every value checked. */
export interface ResolvedRequest {
  prompt: string;
  negativePrompt: string | undefined;
  seed: number;
  count: number;
  base: StageSettings;
  superRes: StageSettings | undefined;
}

/** Most images per request (schemas/settings.schema.json: count). */
export const MAX_COUNT = BOUNDS.count.max!;
/** Most iterations per stage (schemas/settings.schema.json: steps). */
export const MAX_STEPS = BOUNDS.steps.max!;

const NUMERIC: readonly (keyof StageSettings & SettingName)[] = ['steps', 'guidance', 'temperature', 'confidenceNoise'];

/** Throws a RequestError when `value` is outside the setting's bounds. */
export function checkSetting(label: string, name: SettingName, value: unknown): number {
  const problem = boundProblem(label, BOUNDS[name], value);
  if (problem) throw new RequestError(problem);
  return value as number;
}

function resolveSettings(over: Partial<StageSettings> | undefined, defaults: StageSettings, label: string): StageSettings {
  if (over !== undefined && (typeof over !== 'object' || over === null)) {
    throw new RequestError(`${label} must be an object of stage settings, got ${showValue(over)}`);
  }
  const s: StageSettings = { ...defaults };
  for (const [key, value] of Object.entries(over ?? {})) {
    if (value !== undefined) (s as unknown as Record<string, unknown>)[key] = value;
  }
  for (const name of NUMERIC) checkSetting(`${label}.${name}`, name, s[name]);
  if (!GUIDANCE_RAMPS.includes(s.guidanceRamp)) {
    throw new RequestError(`${label}.guidanceRamp must be ${GUIDANCE_RAMPS.map((r) => `"${r}"`).join(' or ')}, got ${showValue(s.guidanceRamp)}`);
  }
  return { steps: s.steps, guidance: s.guidance, guidanceRamp: s.guidanceRamp, temperature: s.temperature, confidenceNoise: s.confidenceNoise };
}

/**
 * Checks a request from outside (UI, CLI flags, a pasted PNG's parameters) and fills defaults
 * from the manifest. Throws a RequestError naming the field. Super-res settings are ignored when
 * the model has no super-res stage, so one UI form works for every model.
 */
export function resolveRequest(req: GenerateRequest, manifest: Manifest): ResolvedRequest {
  if (typeof req !== 'object' || req === null) throw new RequestError('the request must be an object');
  if (typeof req.prompt !== 'string') throw new RequestError(`prompt must be a string, got ${showValue(req.prompt)}`);
  if (req.negativePrompt !== undefined && typeof req.negativePrompt !== 'string') {
    throw new RequestError(`negativePrompt must be a string, got ${showValue(req.negativePrompt)}`);
  }
  checkSetting('seed', 'seed', req.seed);
  const count = checkSetting('count', 'count', req.count ?? 1);
  const sr = manifest.stages.superRes;
  return {
    prompt: req.prompt,
    negativePrompt: req.negativePrompt,
    seed: req.seed,
    count,
    base: resolveSettings(req.base, manifest.stages.base.defaults, 'base'),
    superRes: sr ? resolveSettings(req.superRes, sr.defaults, 'superRes') : undefined,
  };
}
