/**
 * From the editor's state to the engine's EditRequest. Pure: what blocks the Edit button (with
 * the reason), the outpaint extension as typed, and the request with copied buffers (they are
 * transferred to the worker, which also writes the result's PNG with the edit's A1111 keys).
 */
import { EMPTY_MASK_MESSAGE, MAX_EDIT_SIDE, type EditRequest, type Extension } from '../../engine';
import type { Size } from './image/size';
import { SIDES, type EditMode, type SentEdit, type Side } from './store';

/** Capitalises and ends an engine message for display. */
export function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The outpaint extension as typed: whole pixels ≥ 0, at least one side, the result ≤ 4096 a side. */
export function parseExtension(raw: Record<Side, string>, photo: Size): Parsed<Extension> {
  const value: Extension = { left: 0, right: 0, top: 0, bottom: 0 };
  for (const side of SIDES) {
    const text = raw[side].trim();
    const n = text === '' ? 0 : Number(text);
    if (!Number.isInteger(n) || n < 0) return { ok: false, message: `Extend ${side} must be a whole number of pixels, 0 or more (got “${raw[side]}”).` };
    value[side] = n;
  }
  if (value.left + value.right + value.top + value.bottom === 0) {
    return { ok: false, message: 'Choose how many pixels to add on at least one side.' };
  }
  const width = photo.width + value.left + value.right;
  const height = photo.height + value.top + value.bottom;
  if (width > MAX_EDIT_SIDE || height > MAX_EDIT_SIDE) {
    return { ok: false, message: `The extended image would be ${width}×${height}; each side can be at most ${MAX_EDIT_SIDE} pixels.` };
  }
  return { ok: true, value };
}

export interface EditInputs {
  hasPhoto: boolean;
  editMode: EditMode;
  maskEmpty: boolean;
  extension?: Parsed<Extension>;
}

/** Why an edit cannot start with these inputs (the engine's own words for an empty mask), or undefined. */
export function editBlocker(i: EditInputs): string | undefined {
  if (!i.hasPhoto) return 'Open an image first: upload, drop or paste one.';
  if (i.editMode === 'inpaint' && i.maskEmpty) return sentence(EMPTY_MASK_MESSAGE);
  if (i.editMode === 'outpaint' && i.extension && !i.extension.ok) return i.extension.message;
  return undefined;
}

/**
 * The request for one run of `sent` with `seed`. The image and mask bytes are copied, so the
 * copies can be transferred while the editor keeps its own.
 */
export function buildEditRequest(sent: SentEdit, seed: number): { request: EditRequest; transfer: Transferable[] } {
  const { image } = sent.photo;
  const data = image.data.slice();
  const mask = sent.mask ? sent.mask.slice() : undefined;
  const request: EditRequest = {
    prompt: sent.params.prompt,
    ...(sent.params.negativePrompt ? { negativePrompt: sent.params.negativePrompt } : {}),
    seed,
    count: 1,
    image: { width: image.width, height: image.height, data },
    mode: sent.mode,
    ...(mask ? { mask: { width: image.width, height: image.height, data: mask } } : {}),
    ...(sent.mode === 'outpaint' ? { extend: sent.extend } : {}),
    ...(sent.mode === 'text' ? { strength: sent.strength } : { feather: sent.feather }),
    ...(sent.base ? { base: sent.base } : {}),
    ...(sent.superRes ? { superRes: sent.superRes } : {}),
  };
  return { request, transfer: [data.buffer, ...(mask ? [mask.buffer] : [])] };
}
