import { describe, expect, it } from 'vitest';
import { EMPTY_MASK_MESSAGE } from '../../../../src/engine';
import { buildEditRequest, editBlocker, parseExtension, sentence } from '../../../../src/app/editor/request';
import type { SentEdit } from '../../../../src/app/editor/store';

const photo = { width: 320, height: 200 };
const raw = (left: string, right = '0', top = '0', bottom = '0') => ({ left, right, top, bottom });

function sent(over: Partial<SentEdit> = {}): SentEdit {
  const data = new Uint8ClampedArray(4 * 6).fill(9);
  return {
    mode: 'inpaint',
    photo: { image: { width: 3, height: 2, data }, name: 'a.png' },
    mask: new Uint8Array([0, 255, 0, 0, 255, 0]),
    feather: 3,
    strength: 0.6,
    params: { prompt: 'a red balloon', negativePrompt: '', seed: 41, count: 1, modelName: 'tiny-fixture', modelUrl: '/m/' },
    base: { steps: 2 },
    ...over,
  };
}

describe('outpaint extension', () => {
  it('parses whole pixels per side', () => {
    expect(parseExtension(raw('0', '64', '', '8'), photo)).toEqual({ ok: true, value: { left: 0, right: 64, top: 0, bottom: 8 } });
  });
  it('refuses nothing to add, fractions, negatives, and results over 4096 px', () => {
    expect(parseExtension(raw('0'), photo)).toEqual({ ok: false, message: 'Choose how many pixels to add on at least one side.' });
    expect(parseExtension(raw('1.5'), photo)).toMatchObject({ ok: false, message: expect.stringContaining('Extend left must be a whole number') });
    expect(parseExtension(raw('-8'), photo)).toMatchObject({ ok: false });
    expect(parseExtension(raw('abc'), photo)).toMatchObject({ ok: false });
    expect(parseExtension(raw('4000'), photo)).toEqual({
      ok: false,
      message: 'The extended image would be 4320×200; each side can be at most 4096 pixels.',
    });
  });
});

describe('editBlocker', () => {
  it('needs a photo; an empty mask blocks inpainting with the engine’s message; a bad extension blocks outpainting', () => {
    expect(editBlocker({ hasPhoto: false, editMode: 'inpaint', maskEmpty: true })).toMatch(/Open an image/);
    expect(editBlocker({ hasPhoto: true, editMode: 'inpaint', maskEmpty: true })).toBe(sentence(EMPTY_MASK_MESSAGE));
    expect(sentence(EMPTY_MASK_MESSAGE)).toBe('The mask is empty: paint the region to regenerate.');
    expect(editBlocker({ hasPhoto: true, editMode: 'inpaint', maskEmpty: false })).toBeUndefined();
    expect(editBlocker({ hasPhoto: true, editMode: 'text', maskEmpty: true })).toBeUndefined();
    expect(editBlocker({ hasPhoto: true, editMode: 'outpaint', maskEmpty: true, extension: { ok: false, message: 'no' } })).toBe('no');
  });
});

describe('buildEditRequest', () => {
  it('copies the image and mask (they are transferred) and sends only what the mode uses', () => {
    const s = sent();
    const { request, transfer } = buildEditRequest(s, 42);
    expect(request).toMatchObject({ prompt: 'a red balloon', seed: 42, count: 1, mode: 'inpaint', feather: 3, base: { steps: 2 } });
    expect(request.image.data).not.toBe(s.photo.image.data);
    expect([...request.image.data]).toEqual([...s.photo.image.data]);
    expect(request.mask!.data).not.toBe(s.mask);
    expect(transfer).toEqual([request.image.data.buffer, request.mask!.data.buffer]);
    expect('strength' in request || 'extend' in request || 'negativePrompt' in request).toBe(false);

    const text = buildEditRequest(sent({ mode: 'text', mask: undefined, params: { ...s.params, negativePrompt: 'fog' } }), 1).request;
    expect(text).toMatchObject({ mode: 'text', strength: 0.6, negativePrompt: 'fog' });
    expect('mask' in text || 'feather' in text).toBe(false);

    const out = buildEditRequest(sent({ mode: 'outpaint', mask: undefined, extend: { left: 0, right: 8, top: 0, bottom: 0 } }), 1).request;
    expect(out).toMatchObject({ mode: 'outpaint', extend: { right: 8 }, feather: 3 });
  });
});
