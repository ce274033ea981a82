import { RequestError } from '../errors';
import type { Manifest } from '../manifest/types';
import { checkSetting, resolveRequest, type ResolvedRequest } from '../pipeline/request';
import { BOUNDS, showValue, withinBound, type SettingName } from '../settings/bounds';
import type { EditRequest, Extension, RgbaImage } from '../types';

/** Largest side, in pixels, of an image to edit and of an edit's result. */
export const MAX_EDIT_SIDE = BOUNDS.imageSide.max!;
export const DEFAULT_STRENGTH = 0.6;
export const DEFAULT_DILATION = 1;
export const MAX_DILATION = BOUNDS.dilation.max!;
export const MAX_FEATHER = BOUNDS.feather.max!;
export const EMPTY_MASK_MESSAGE = 'the mask is empty: paint the region to regenerate';

/** An EditRequest with every default filled in and every value checked. */
export interface ResolvedEdit extends ResolvedRequest {
  mode: EditRequest['mode'];
  image: RgbaImage;
  /** The image's mask bytes (inpaint, or outpaint with a mask), else null. */
  mask: Uint8Array | null;
  /** All zero unless outpainting. */
  extend: Extension;
  /** The result's size: the image plus the extension. */
  width: number;
  height: number;
  strength: number;
  feather: number;
  dilation: number;
  maskThreshold: number;
}

const show = showValue;

/** An optional edit setting: its default when absent, else checked against its bounds. */
function optional(name: SettingName & keyof EditRequest, v: unknown, fallback: number): number {
  return v === undefined ? fallback : checkSetting(name, name, v);
}

/** An RGBA image from outside, checked (sides within bounds, data length); a RequestError says what is wrong. */
export function checkImage(img: unknown): RgbaImage {
  const i = img as { width: unknown; height: unknown; data: Uint8ClampedArray | Uint8Array } | null;
  if (typeof i !== 'object' || i === null || !(i.data instanceof Uint8ClampedArray || i.data instanceof Uint8Array)) {
    throw new RequestError('image must be an RGBA image { width, height, data: Uint8ClampedArray }');
  }
  const side = (v: unknown) => withinBound(BOUNDS.imageSide, v);
  if (!side(i.width) || !side(i.height)) {
    throw new RequestError(`image is ${show(i.width)}x${show(i.height)}: each side must be a whole number of pixels from 1 to ${MAX_EDIT_SIDE} (downscale larger photos first)`);
  }
  const width = i.width as number;
  const height = i.height as number;
  if (i.data.length !== width * height * 4) {
    throw new RequestError(`image data has ${i.data.length} bytes; a ${width}x${height} RGBA image needs ${width * height * 4}`);
  }
  // A Uint8Array view of the same bytes is accepted; the engine works on Uint8ClampedArray.
  const data = i.data instanceof Uint8ClampedArray ? i.data : new Uint8ClampedArray(i.data.buffer, i.data.byteOffset, i.data.length);
  return { width, height, data };
}

function checkMask(req: EditRequest, image: RgbaImage): Uint8Array {
  const m = req.mask;
  if (typeof m !== 'object' || m === null || !(m.data instanceof Uint8Array || m.data instanceof Uint8ClampedArray)) {
    throw new RequestError('mask must be { width, height, data: Uint8Array } with 1 byte per pixel (255 = regenerate)');
  }
  if (m.width !== image.width || m.height !== image.height) {
    throw new RequestError(`mask is ${show(m.width)}x${show(m.height)} but the image is ${image.width}x${image.height}: they must have the same size`);
  }
  if (m.data.length !== m.width * m.height) {
    throw new RequestError(`mask data has ${m.data.length} bytes; a ${m.width}x${m.height} mask needs ${m.width * m.height} (1 byte per pixel)`);
  }
  return m.data instanceof Uint8Array ? m.data : new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.length);
}

function checkExtend(req: EditRequest, image: RgbaImage): Extension {
  const e = req.extend;
  if (typeof e !== 'object' || e === null) {
    throw new RequestError('extend is required for outpainting: { left, right, top, bottom } in pixels');
  }
  const ext: Extension = { left: 0, right: 0, top: 0, bottom: 0 };
  for (const side of ['left', 'right', 'top', 'bottom'] as const) ext[side] = checkSetting(`extend.${side}`, 'extendSide', e[side] ?? 0);
  if (ext.left + ext.right + ext.top + ext.bottom === 0) {
    throw new RequestError('extend adds nothing: give at least one side more than 0 pixels');
  }
  const w = image.width + ext.left + ext.right;
  const h = image.height + ext.top + ext.bottom;
  if (w > MAX_EDIT_SIDE || h > MAX_EDIT_SIDE) {
    throw new RequestError(`extend would make the image ${w}x${h}; each side must be at most ${MAX_EDIT_SIDE} px`);
  }
  return ext;
}

/**
 * Checks an edit request from outside (UI, CLI) and fills defaults; throws a RequestError naming
 * the field. The prompt, seed, count and stage settings follow the GenerateRequest rules.
 */
export function resolveEdit(req: EditRequest, manifest: Manifest): ResolvedEdit {
  if (typeof req !== 'object' || req === null) throw new RequestError('the request must be an object');
  const common = resolveRequest(req, manifest);
  if (req.mode !== 'inpaint' && req.mode !== 'outpaint' && req.mode !== 'text') {
    throw new RequestError(`mode must be "inpaint", "outpaint" or "text", got ${show(req.mode)}`);
  }
  const image = checkImage(req.image);
  let mask: Uint8Array | null = null;
  let extend: Extension = { left: 0, right: 0, top: 0, bottom: 0 };
  if (req.mode === 'text') {
    if (req.mask !== undefined) throw new RequestError('mask is not used when editing by text (mode "text" changes the whole image); use mode "inpaint" to edit a region');
    if (req.extend !== undefined) throw new RequestError('extend is only used by mode "outpaint"');
  } else if (req.mode === 'inpaint') {
    if (req.mask === undefined) throw new RequestError(`mask is required for inpainting: ${EMPTY_MASK_MESSAGE}`);
    if (req.extend !== undefined) throw new RequestError('extend is only used by mode "outpaint"');
    mask = checkMask(req, image);
  } else {
    extend = checkExtend(req, image);
    if (req.mask !== undefined) mask = checkMask(req, image);
  }
  const strength = optional('strength', req.strength, DEFAULT_STRENGTH);
  const width = image.width + extend.left + extend.right;
  const height = image.height + extend.top + extend.bottom;
  const feather = optional('feather', req.feather, Math.max(2, Math.round(Math.min(width, height) / 64)));
  return {
    ...common,
    mode: req.mode,
    image,
    mask,
    extend,
    width,
    height,
    strength,
    feather,
    dilation: optional('dilation', req.dilation, DEFAULT_DILATION),
    maskThreshold: optional('maskThreshold', req.maskThreshold, 0),
  };
}
