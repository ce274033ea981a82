// The settings that reproduce a result, in the A1111 shape the PNG `parameters` chunk holds:
// one builder for the worker (every generated or edited image), the CLI and the gallery.
import { DEFAULT_STRENGTH } from '../edit/request';
import type { EditRequest, StageSettings } from '../types';
import type { GenerationParams } from './params';

/** A1111 has one Temperature (the CLI applies it to both stages); a differing super-res one goes here. */
export const SR_TEMPERATURE_KEY = 'Super-res temperature';

/** What a finished generation or edit knows about how it was made. */
export interface ResultSource {
  prompt: string;
  negativePrompt?: string;
  /** The request's seed: image k used seed + k. */
  seed: number;
  /** The package's name. */
  model: string;
  /** The settings the engine used (its result's `settings`). */
  settings: { base: StageSettings; superRes?: StageSettings };
}

/** The parameters of image `k` (of size `image`) of a result. */
export function resultParams(src: ResultSource, image: { width: number; height: number }, k: number): GenerationParams {
  const { base, superRes } = src.settings;
  return {
    prompt: src.prompt,
    negativePrompt: src.negativePrompt ?? '',
    seed: (src.seed + k) >>> 0,
    steps: base.steps,
    guidance: base.guidance,
    ...(superRes ? { superResSteps: superRes.steps, superResGuidance: superRes.guidance } : {}),
    temperature: base.temperature,
    guidanceRamp: base.guidanceRamp,
    ...(superRes && superRes.temperature !== base.temperature ? { extra: { [SR_TEMPERATURE_KEY]: String(superRes.temperature) } } : {}),
    width: image.width,
    height: image.height,
    model: src.model,
  };
}

/**
 * The extra A1111 keys recording how an image was edited: `Edit` (the mode), `Edit source`
 * (the photo's size), `Edit strength` (by text) or `Edit feather` (when given), and `Edit
 * extend` in the CLI's --extend syntax, so the edit can be repeated.
 */
export function editParams(req: Pick<EditRequest, 'mode' | 'image' | 'strength' | 'feather' | 'extend'>): Record<string, string> {
  const extra: Record<string, string> = { Edit: req.mode, 'Edit source': `${req.image.width}x${req.image.height}` };
  if (req.mode === 'text') extra['Edit strength'] = String(req.strength ?? DEFAULT_STRENGTH);
  else if (req.feather !== undefined) extra['Edit feather'] = String(req.feather);
  const e = req.mode === 'outpaint' ? req.extend : undefined;
  if (e) extra['Edit extend'] = `left=${e.left},right=${e.right},top=${e.top},bottom=${e.bottom}`;
  return extra;
}
