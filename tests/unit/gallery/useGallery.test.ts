import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodePng, formatA1111, readPngParameters, type GenerationParams } from '../../../src/engine/png';
import { closeGalleryDb, listGallery, useGallery } from '../../../src/gallery';
import { testImage } from '../png/pngTestUtils';
import { bytesOf, freshIndexedDb, params, pngBlob, rawDb, rawPut } from './helpers';

const initial = useGallery.getState();

/** A PNG as the worker writes it: the pixels with the parameters chunk. */
const encoded = (w: number, p: GenerationParams) => new Blob([encodePng(testImage(w, w), { parameters: formatA1111(p) })], { type: 'image/png' });

beforeEach(async () => {
  await freshIndexedDb();
  useGallery.setState(initial, true);
});
afterEach(() => vi.restoreAllMocks());

describe('useGallery', () => {
  it('loads, adds a PNG from the worker, and survives a reload', async () => {
    const g = useGallery.getState();
    await g.load();
    expect(useGallery.getState()).toMatchObject({ status: 'ready', items: [], error: null });

    const p = params({ prompt: 'a fox', seed: 99 });
    const item = await g.addPng(encoded(8, p), p, { width: 8, height: 8 });
    expect(item).not.toBeNull();
    expect(useGallery.getState().items.map((i) => i.id)).toEqual([item!.id]);
    expect(readPngParameters(new Uint8Array(await item!.png.arrayBuffer()))).toEqual(p);

    await closeGalleryDb();
    useGallery.setState(initial, true);
    await useGallery.getState().load();
    expect(useGallery.getState().items.map((i) => i.params)).toEqual([p]);
  });

  it('deletes with undo, restoring the same row', async () => {
    const g = useGallery.getState();
    await g.load();
    const item = (await g.addPng(pngBlob(5), params(), { width: 8, height: 8 }))!;
    await g.remove(item.id);
    expect(useGallery.getState().items).toEqual([]);
    expect((await listGallery()).items).toEqual([]);
    expect(useGallery.getState().recentlyDeleted?.id).toBe(item.id);

    await useGallery.getState().undoRemove();
    const state = useGallery.getState();
    expect(state.recentlyDeleted).toBeNull();
    const stored = (await listGallery()).items;
    expect(stored.map((i) => [i.id, i.createdAt])).toEqual([[item.id, item.createdAt]]);
    expect(await bytesOf(stored[0]!.png)).toEqual(await bytesOf(pngBlob(5)));
    expect(state.items.map((i) => i.id)).toEqual([item.id]);
  });

  it('puts a quota failure in `error` and keeps the list as it was', async () => {
    const g = useGallery.getState();
    await g.load();
    await g.addPng(pngBlob(1), params(), { width: 8, height: 8 });
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    expect(await g.addPng(encoded(4, params({ seed: 2 })), params({ seed: 2 }), { width: 4, height: 4 })).toBeNull();
    const state = useGallery.getState();
    expect(state.error).toMatch(/^Not enough storage space/);
    expect(state.items).toHaveLength(1);
    state.dismissError();
    expect(useGallery.getState().error).toBeNull();
  });

  it('notes damaged rows instead of failing the load', async () => {
    await useGallery.getState().addPng(pngBlob(1), params(), { width: 8, height: 8 });
    const db = await rawDb();
    await rawPut(db, [{ id: 'broken', createdAt: 'yesterday' }]);
    db.close();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await useGallery.getState().load();
    const state = useGallery.getState();
    expect(state.status).toBe('ready');
    expect(state.items).toHaveLength(1);
    expect(state.notice).toBe('1 saved image is damaged and could not be shown.');
    expect(warn).toHaveBeenCalled();
  });
});
