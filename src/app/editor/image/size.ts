/**
 * Sizes for an opened photo: the decode size (at most the engine's limit a side), the three
 * working sizes the user can pick (keep, fit to the model, crop to the model), and the pixel
 * work that goes with them (resampling, flattening alpha onto white). Pure: unit-tested.
 */
import type { PixelRect, RgbaImage } from '../../../engine';
import { resampleRows } from '../../../engine/image/resample';

/** original: keep the photo's size; fit: whole photo scaled into the model's size; crop: centre crop filling it. */
export type SizeChoice = 'original' | 'fit' | 'crop';

export interface Size {
  width: number;
  height: number;
}

/** The largest size with the same aspect whose sides are both ≤ `max` (the size itself when it fits). */
export function limitSize(size: Size, max: number): Size & { scaled: boolean } {
  const longest = Math.max(size.width, size.height);
  if (longest <= max) return { ...size, scaled: false };
  const s = max / longest;
  return {
    width: Math.max(1, Math.min(max, Math.round(size.width * s))),
    height: Math.max(1, Math.min(max, Math.round(size.height * s))),
    scaled: true,
  };
}

/** Where the working image comes from (a crop of the photo) and its size. */
export interface SizePlan {
  crop: PixelRect;
  width: number;
  height: number;
}

/**
 * The plan for a choice. `model` is the model's output size. Fit scales the whole photo (up or
 * down) until it just fits inside the model's size; crop takes the centred region with the
 * model's aspect and scales it to exactly the model's size.
 */
export function planSize(choice: SizeChoice, photo: Size, model: Size): SizePlan {
  const whole: PixelRect = { x: 0, y: 0, width: photo.width, height: photo.height };
  if (choice === 'original') return { crop: whole, width: photo.width, height: photo.height };
  if (choice === 'fit') {
    const s = Math.min(model.width / photo.width, model.height / photo.height);
    return {
      crop: whole,
      width: Math.max(1, Math.min(model.width, Math.round(photo.width * s))),
      height: Math.max(1, Math.min(model.height, Math.round(photo.height * s))),
    };
  }
  const s = Math.max(model.width / photo.width, model.height / photo.height);
  const cw = Math.max(1, Math.min(photo.width, Math.round(model.width / s)));
  const ch = Math.max(1, Math.min(photo.height, Math.round(model.height / s)));
  return {
    crop: { x: Math.floor((photo.width - cw) / 2), y: Math.floor((photo.height - ch) / 2), width: cw, height: ch },
    width: model.width,
    height: model.height,
  };
}

/** Applies a plan: the crop resampled to the plan's size (the image itself when nothing changes). */
export function applySizePlan(image: RgbaImage, plan: SizePlan): RgbaImage {
  const { crop, width, height } = plan;
  if (crop.x === 0 && crop.y === 0 && crop.width === image.width && crop.height === image.height && width === image.width && height === image.height) {
    return image;
  }
  const data = new Uint8ClampedArray(width * height * 4);
  resampleRows(image.data, image.width, 4, crop, width, height, (y, row) => {
    // Uint8ClampedArray rounds half to even and clamps, which is what we want.
    data.set(row, y * width * 4);
  });
  return { width, height, data };
}

/**
 * Composites the pixels onto white in place (the model ignores alpha; a transparent area
 * should read as a plain background, not as whatever colour hides under alpha 0). Returns
 * whether any pixel was not fully opaque.
 */
export function flattenOnWhite(data: Uint8ClampedArray): boolean {
  let any = false;
  for (let i = 3; i < data.length; i += 4) {
    const a = data[i];
    if (a === 255) continue;
    any = true;
    const keep = a / 255;
    const white = 255 * (1 - keep);
    data[i - 3] = data[i - 3] * keep + white;
    data[i - 2] = data[i - 2] * keep + white;
    data[i - 1] = data[i - 1] * keep + white;
    data[i] = 255;
  }
  return any;
}

/** The engine's default feather for a result of this size (docs/ENGINE_API.md: 1/64 of the shorter side, ≥ 2). */
export function defaultFeather(size: Size): number {
  return Math.max(2, Math.round(Math.min(size.width, size.height) / 64));
}
