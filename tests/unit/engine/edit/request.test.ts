import { describe, expect, it } from 'vitest';
import { planFill } from '../../../../src/engine/edit/fill';
import { resolveEdit } from '../../../../src/engine/edit/request';
import { RequestError } from '../../../../src/engine/errors';
import { parseManifest } from '../../../../src/engine/manifest/parse';
import type { EditRequest } from '../../../../src/engine/types';
import { fakePackage } from '../helpers/fakePackage';

const manifest = parseManifest(fakePackage().manifest, 'manifest.json');
const image = (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) });
const maskOf = (w: number, h: number, fill = 0) => ({ width: w, height: h, data: new Uint8Array(w * h).fill(fill) });
const base: EditRequest = { prompt: 'a boat', seed: 1, image: image(40, 30), mode: 'text' };

function refuse(req: Partial<EditRequest>, message: RegExp | string): void {
  let err: unknown;
  try {
    const r = resolveEdit({ ...base, ...req } as EditRequest, manifest);
    if (r.mode !== 'text') planFill(r, [64, 64]);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RequestError);
  expect((err as Error).message).toMatch(message);
}

describe('edit request validation', () => {
  it('fills defaults', () => {
    const r = resolveEdit(base, manifest);
    expect(r).toMatchObject({ mode: 'text', strength: 0.6, dilation: 1, maskThreshold: 0, feather: 2, width: 40, height: 30, count: 1 });
    const big = resolveEdit({ ...base, image: image(1024, 768), mode: 'outpaint', extend: { left: 0, right: 256, top: 0, bottom: 0 } }, manifest);
    expect([big.width, big.height, big.feather]).toEqual([1280, 768, 12]);
  });

  it('refuses an empty mask with the message the UI shows', () => {
    refuse({ mode: 'inpaint', mask: maskOf(40, 30) }, 'the mask is empty: paint the region to regenerate');
    refuse({ mode: 'inpaint', mask: maskOf(40, 30, 3), maskThreshold: 3 }, 'the mask is empty');
    refuse({ mode: 'inpaint' }, /mask is required for inpainting/);
  });

  it.each<[Partial<EditRequest>, RegExp]>([
    [{ mode: 'inpaint', mask: maskOf(41, 30, 255) }, /mask is 41x30 but the image is 40x30: they must have the same size/],
    [{ mode: 'inpaint', mask: { width: 40, height: 30, data: new Uint8Array(5) } }, /mask data has 5 bytes/],
    [{ mode: 'outpaint' }, /extend is required for outpainting/],
    [{ mode: 'outpaint', extend: { left: -1, right: 0, top: 0, bottom: 0 } }, /extend.left must be a whole number from 0 to 4096, got -1/],
    [{ mode: 'outpaint', extend: { left: 0, right: 1.5, top: 0, bottom: 0 } }, /extend.right must be a whole number/],
    [{ mode: 'outpaint', extend: { left: 0, right: 0, top: 0, bottom: 0 } }, /extend adds nothing/],
    [{ mode: 'outpaint', extend: { left: 4000, right: 100, top: 0, bottom: 0 } }, /would make the image 4140x30; each side must be at most 4096 px/],
    [{ strength: 0 }, /strength must be a number above 0 and at most 1, got 0/],
    [{ strength: 1.5 }, /strength must be a number above 0 and at most 1/],
    [{ strength: Number.NaN }, /strength must be/],
    [{ mode: 'erase' as EditRequest['mode'] }, /mode must be "inpaint", "outpaint" or "text", got "erase"/],
    [{ image: image(5000, 10) }, /image is 5000x10: each side must be a whole number of pixels from 1 to 4096/],
    [{ image: { width: 4, height: 4, data: new Uint8ClampedArray(3) } }, /image data has 3 bytes; a 4x4 RGBA image needs 64/],
    [{ image: undefined }, /image must be an RGBA image/],
    [{ mask: maskOf(40, 30, 255) }, /mask is not used when editing by text/],
    [{ mode: 'inpaint', mask: maskOf(40, 30, 255), extend: { left: 1, right: 0, top: 0, bottom: 0 } }, /extend is only used by mode "outpaint"/],
    [{ mode: 'inpaint', mask: maskOf(40, 30, 255), feather: -2 }, /feather must be a whole number from 0 to 512/],
    [{ mode: 'inpaint', mask: maskOf(40, 30, 255), dilation: 9 }, /dilation must be a whole number from 0 to 4/],
    [{ count: 5 }, /count must be a whole number from 1 to 4/],
    [{ seed: -1 }, /seed must be a whole number/],
  ])('refuses %j', (req, message) => refuse(req, message));

  it('accepts a mask with outpainting, a Uint8Array image and an empty-but-extended outpaint mask', () => {
    const r = resolveEdit({ ...base, image: { ...image(40, 30), data: new Uint8Array(40 * 30 * 4) as unknown as Uint8ClampedArray }, mode: 'outpaint', mask: maskOf(40, 30), extend: { left: 8, right: 0, top: 0, bottom: 0 } }, manifest);
    expect(r.image.data).toBeInstanceOf(Uint8ClampedArray);
    const plan = planFill(r, [64, 64]);
    expect(plan.hole.reduce((s, v) => s + v, 0)).toBe(8 * 30);
  });
});
