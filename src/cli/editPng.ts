/**
 * Editing from PNG files in Node: decode the image (and mask) bytes, pick the mode from what is
 * given, run the engine. Shared by `npm run edit` and the Node tests (tests/node/edit*.test.ts);
 * quality tests on the trained model can call `editFromPng` directly.
 */
import { inflateSync } from 'node:zlib';
import { maskFromRgba, type EditRequest, type EditResult, type Extension, type GenerateHooks, type LoadedModel, type RgbaImage } from '../engine';
import { decodePng, PngError } from '../engine/png';

/** An input file the command cannot read (not a PNG, damaged, JPEG…); the message says which and why. */
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}

const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes PNG bytes to RGBA; `label` names the file in messages (e.g. "--image photo.jpg"). */
export async function decodeImageFile(bytes: Uint8Array, label: string): Promise<RgbaImage> {
  if (bytes.length === 0) throw new InputFileError(`${label} is an empty file (0 bytes)`);
  if (isJpeg(bytes)) throw new InputFileError(`${label} is a JPEG; this command reads PNG only: convert it to PNG first`);
  try {
    return await decodePng(bytes, (z) => inflateSync(z));
  } catch (err) {
    if (err instanceof PngError) throw new InputFileError(`${label}: ${err.message}`);
    throw err;
  }
}

/** What `editFromPng` needs: the request without the image and mask, which come as PNG bytes. */
export interface PngEdit extends Omit<EditRequest, 'image' | 'mask' | 'mode' | 'extend'> {
  image: Uint8Array;
  /** White = regenerate (luma × alpha), same size as the image. */
  mask?: Uint8Array;
  extend?: Extension;
}

/**
 * The engine request for PNG inputs. Mode: outpaint with `extend` (the mask, if any, is also
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

/** Decodes the PNG inputs and runs the edit on `model`. */
export async function editFromPng(model: LoadedModel, input: PngEdit, hooks: GenerateHooks = { previews: false }): Promise<EditResult & { request: EditRequest }> {
  const request = await editRequestFromPng(input);
  return { ...(await model.edit(request, hooks)), request };
}
