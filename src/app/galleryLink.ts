/**
 * The seam between a finished generation and the gallery: every image of every result is
 * saved with the settings that reproduce it, and recalled settings fill the form again.
 */
import type { GenerationParams } from '../engine/png';
import { useGallery } from '../gallery';
import { useForm } from './store/form';
import { onGenerationResult, useStudio, type GenerationResult } from './store/studio';
import type { FieldKey } from './settings/validate';

const SR_TEMPERATURE = 'Super-res temperature';

/** The settings of image `k` of a result (a generation, or an edit: the editor adds its own keys), in the gallery's (A1111) shape. */
export function galleryParams(result: Pick<GenerationResult, 'settings' | 'images' | 'params'>, k: number): GenerationParams {
  const { base, superRes } = result.settings;
  const img = result.images[k];
  return {
    prompt: result.params.prompt,
    negativePrompt: result.params.negativePrompt,
    seed: (result.params.seed + k) >>> 0,
    steps: base.steps,
    guidance: base.guidance,
    ...(superRes ? { superResSteps: superRes.steps, superResGuidance: superRes.guidance } : {}),
    temperature: base.temperature,
    guidanceRamp: base.guidanceRamp,
    // A1111 has one Temperature (the CLI applies it to both stages); keep a differing one.
    ...(superRes && superRes.temperature !== base.temperature
      ? { extra: { [SR_TEMPERATURE]: String(superRes.temperature) } }
      : {}),
    width: img.width,
    height: img.height,
    model: result.params.modelName,
  };
}

/** Saves each finished image to the gallery (oldest first, so the grid reads newest first). */
export function saveResultsToGallery(): () => void {
  return onGenerationResult((result) => {
    void (async () => {
      for (let k = 0; k < result.images.length; k++) {
        const img = result.images[k];
        // Copy: the displayed canvas keeps using the original buffer.
        const data = new Uint8ClampedArray(img.rgba.slice(0));
        await useGallery.getState().add({ width: img.width, height: img.height, data }, galleryParams(result, k));
      }
    })();
  });
}

/**
 * Puts recalled settings (from the gallery or a dropped PNG) back into the form, with the seed
 * locked. Returns a note when the image was made with another model than the loaded one.
 */
export function recallParams(p: GenerationParams): string | undefined {
  const overrides: Partial<Record<FieldKey, string>> = {
    'base.steps': String(p.steps),
    'base.guidance': String(p.guidance),
  };
  if (p.temperature !== undefined) {
    overrides['base.temperature'] = String(p.temperature);
    overrides['superRes.temperature'] = p.extra?.[SR_TEMPERATURE] ?? String(p.temperature);
  }
  if (p.superResSteps !== undefined) overrides['superRes.steps'] = String(p.superResSteps);
  if (p.superResGuidance !== undefined) overrides['superRes.guidance'] = String(p.superResGuidance);
  useForm.setState({
    prompt: p.prompt,
    negativePrompt: p.negativePrompt,
    seedMode: 'locked',
    seedText: String(p.seed),
    count: 1,
    overrides,
  });
  const current = useStudio.getState().model.manifest?.name;
  return current && current !== p.model
    ? `These settings were made with model “${p.model}”; the loaded model is “${current}”, so the image will differ.`
    : undefined;
}
