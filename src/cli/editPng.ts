/**
 * Editing from image files in Node: decode the image (and mask) bytes — PNG, JPEG (EXIF
 * orientation applied) or WebP, through the same decoders a browser worker can use
 * (src/engine/image/decode.ts) — pick the mode from what is given, run the engine. Shared by
 * `npm run edit` and the Node tests (tests/node/edit*.test.ts); quality tests on the trained
 * model can call `editFromPng` directly.
 */
import { maskFromRgba, type EditRequest, type EditResult, type Extension, type GenerateHooks, type LoadedModel, type RgbaImage } from '../engine';
import { decodeImage, ImageDecodeError } from '../engine/image/decode';
import { webpReady } from '../node/webp';

/** An input file the command cannot read (not an image, damaged…); the message says which and why. */
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}

/** Decodes a PNG, JPEG or WebP file to RGBA; `label` names the file in messages (e.g. "--image photo.jpg"). */
export async function decodeImageFile(bytes: Uint8Array, label: string): Promise<RgbaImage> {
  await webpReady();
  try {
    return await decodeImage(bytes);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw new InputFileError(`${label} cannot be read: ${err.message}`);
    throw err;
  }
}

/** What `editFromPng` needs: the request without the image and mask, which come as file bytes (PNG, JPEG or WebP). */
export interface PngEdit extends Omit<EditRequest, 'image' | 'mask' | 'mode' | 'extend'> {
  image: Uint8Array;
  /** White = regenerate (luma × alpha), same size as the image. */
  mask?: Uint8Array;
  extend?: Extension;
}

/**
 * The engine request for image-file inputs. Mode: outpaint with `extend` (the mask, if any, is also
 * regenerated), inpaint with a mask alone, text otherwise.
 */
export async function editRequestFromPng(input: PngEdit, labels = { image: 'image', mask: 'mask' }): Promise<EditRequest> {
  const { image: imageBytes, mask: maskBytes, extend, ...rest } = input;
  const image = await decodeImageFile(imageBytes, labels.image);
  const mask = maskBytes ? maskFromRgba(await decodeImageFile(maskBytes, labels.mask)) : undefined;
  if (mask && (mask.width !== image.width || mask.height !== image.height)) {
    throw new InputFileError(`${labels.mask} is ${mask.width}x${mask.height} but ${labels.image} is ${image.width}x${image.height}: they must have the same size`);
  }
  const mode: EditRequest['mode'] = extend ? 'outpaint' : mask ? 'inpaint' : 'text';
  return { ...rest, image, mode, ...(mask ? { mask } : {}), ...(extend ? { extend } : {}) };
}

/** Decodes the image-file inputs and runs the edit on `model`. */
export async function editFromPng(model: LoadedModel, input: PngEdit, hooks: GenerateHooks = { previews: false }): Promise<EditResult & { request: EditRequest }> {
  const request = await editRequestFromPng(input);
  return { ...(await model.edit(request, hooks)), request };
}
