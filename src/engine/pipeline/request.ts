import { RequestError } from '../errors';
import type { Manifest, StageSettings } from '../manifest/types';
import type { GenerateRequest } from '../types';

/** A GenerateRequest with every default filled in and every value checked. */
export interface ResolvedRequest {
  prompt: string;
  negativePrompt: string | undefined;
  seed: number;
  count: number;
  base: StageSettings;
  superRes: StageSettings | undefined;
}

export const MAX_COUNT = 4;
export const MAX_STEPS = 64;

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function resolveSettings(over: Partial<StageSettings> | undefined, defaults: StageSettings, label: string): StageSettings {
  if (over !== undefined && (typeof over !== 'object' || over === null)) {
    throw new RequestError(`${label} must be an object of stage settings, got ${show(over)}`);
  }
  const s: StageSettings = { ...defaults };
  for (const [key, value] of Object.entries(over ?? {})) {
    if (value !== undefined) (s as unknown as Record<string, unknown>)[key] = value;
  }
  if (!Number.isInteger(s.steps) || s.steps < 1 || s.steps > MAX_STEPS) {
    throw new RequestError(`${label}.steps must be an integer from 1 to ${MAX_STEPS}, got ${show(s.steps)}`);
  }
  if (typeof s.guidance !== 'number' || !Number.isFinite(s.guidance) || s.guidance < 0) {
    throw new RequestError(`${label}.guidance must be a finite number ≥ 0, got ${show(s.guidance)}`);
  }
  if (s.guidanceRamp !== 'none' && s.guidanceRamp !== 'linear') {
    throw new RequestError(`${label}.guidanceRamp must be "none" or "linear", got ${show(s.guidanceRamp)}`);
  }
  if (typeof s.temperature !== 'number' || !Number.isFinite(s.temperature) || s.temperature <= 0) {
    throw new RequestError(`${label}.temperature must be a finite number > 0, got ${show(s.temperature)}`);
  }
  if (typeof s.confidenceNoise !== 'number' || !Number.isFinite(s.confidenceNoise) || s.confidenceNoise < 0) {
    throw new RequestError(`${label}.confidenceNoise must be a finite number ≥ 0, got ${show(s.confidenceNoise)}`);
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
  if (typeof req.prompt !== 'string') throw new RequestError(`prompt must be a string, got ${show(req.prompt)}`);
  if (req.negativePrompt !== undefined && typeof req.negativePrompt !== 'string') {
    throw new RequestError(`negativePrompt must be a string, got ${show(req.negativePrompt)}`);
  }
  if (!Number.isInteger(req.seed) || req.seed < 0 || req.seed > 0xffffffff) {
    throw new RequestError(`seed must be an integer from 0 to 4294967295, got ${show(req.seed)}`);
  }
  const count = req.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new RequestError(`count must be an integer from 1 to ${MAX_COUNT}, got ${show(count)}`);
  }
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
