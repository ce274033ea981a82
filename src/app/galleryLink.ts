/**
 * The seam between a finished generation and the gallery: every image of every result is
 * saved as the PNG the worker wrote (with the settings that reproduce it), and recalled
 * settings fill the form again.
 */
import { SR_TEMPERATURE_KEY, type GenerationParams } from '../engine/png';
import { useGallery } from '../gallery';
import type { ResultImage } from '../worker/protocol';
import { useForm } from './store/form';
import { onGenerationResult, useStudio } from './store/studio';
import type { FieldKey } from './settings/validate';

/**
 * Saves each finished image to the gallery (oldest first, so the grid reads newest first): the
 * PNG file the worker wrote with the image's settings, moved as it is (no copy, no encoding here).
 */
export function saveResultsToGallery(): () => void {
  return onGenerationResult((result) => {
    void (async () => {
      for (const img of result.images) await saveResultImage(img);
    })();
  });
}

/** Saves one finished image (a generation, or an accepted edit). Resolves to whether it was saved. */
export async function saveResultImage(img: ResultImage): Promise<boolean> {
  const gallery = useGallery.getState();
  if (!img.png) {
    gallery.reportError(`Could not encode the image as PNG: ${img.pngError ?? 'unknown error'}`);
    return false;
  }
  const item = await gallery.addPng(new Blob([img.png], { type: 'image/png' }), img.params, { width: img.width, height: img.height });
  return item !== null;
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
    overrides['superRes.temperature'] = p.extra?.[SR_TEMPERATURE_KEY] ?? String(p.temperature);
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
