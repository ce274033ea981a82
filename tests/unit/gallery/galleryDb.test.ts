import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  addToGallery,
  closeGalleryDb,
  deleteFromGallery,
  GalleryError,
  getGalleryPng,
  listGallery,
} from '../../../src/gallery';
import { bytesOf, freshIndexedDb, params, pngBlob, rawDb, rawPut } from './helpers';

beforeEach(freshIndexedDb);
afterEach(() => vi.restoreAllMocks());

async function addSample(tag: number, createdAt: number, prompt = `image ${tag}`) {
  return addToGallery({ params: params({ prompt, seed: tag }), png: pngBlob(tag), width: 8, height: 8, createdAt });
}

async function caught(p: Promise<unknown>): Promise<GalleryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GalleryError) return e;
    throw e;
  }
  throw new Error('expected a GalleryError');
}

describe('galleryDb', () => {
  it('adds, lists newest first and deletes, across new connections', async () => {
    const a = await addSample(1, 1000);
    await addSample(2, 3000, '東京の夜 "quoted", prompt');
    await addSample(3, 2000);
    expect(a.id).toMatch(/\S{8,}/);

    await closeGalleryDb();
    const { items, skipped } = await listGallery();
    expect(skipped).toEqual([]);
    expect(items.map((i) => i.params.seed)).toEqual([2, 3, 1]);
    expect(items[0]!.params).toEqual(params({ prompt: '東京の夜 "quoted", prompt', seed: 2 }));
    expect(await bytesOf(items[0]!.png)).toEqual([137, 80, 78, 71, 13, 10, 26, 10, 2]);

    await deleteFromGallery(a.id);
    await closeGalleryDb();
    expect((await listGallery()).items.map((i) => i.params.seed)).toEqual([2, 3]);
  });

  it('returns the stored PNG by id, and "not-found" once deleted', async () => {
    const item = await addSample(9, 1);
    expect(await bytesOf(await getGalleryPng(item.id))).toEqual(await bytesOf(pngBlob(9)));
    await deleteFromGallery(item.id);
    expect((await caught(getGalleryPng(item.id))).code).toBe('not-found');
    await deleteFromGallery(item.id); // deleting again is not an error
  });

  it('skips and reports corrupt rows without failing the list', async () => {
    await addSample(1, 5);
    const db = await rawDb();
    await rawPut(db, [
      { id: 'no-date', params: params(), png: pngBlob(2), width: 8, height: 8 },
      { id: 'bad-seed', createdAt: 1, params: params({ seed: -4 }), png: pngBlob(3), width: 8, height: 8 },
      { id: 'no-blob', createdAt: 1, params: params(), png: 'data:image/png;base64,xx', width: 8, height: 8 },
      { id: 'not-object-params', createdAt: 1, params: 'Steps: 1', png: pngBlob(4), width: 8, height: 8 },
    ]);
    db.close();
    const { items, skipped } = await listGallery();
    expect(items).toHaveLength(1);
    expect(Object.fromEntries(skipped.map((s) => [s.key, s.reason]))).toEqual({
      'no-date': 'missing or invalid createdAt',
      'bad-seed': expect.stringMatching(/^invalid parameters: Seed must be/),
      'no-blob': 'missing PNG data',
      'not-object-params': 'invalid parameters: generation parameters must be an object',
    });
    expect((await caught(getGalleryPng('bad-seed'))).message).toMatch(/damaged/);
  });

  it('reports a quota error clearly and leaves the store unchanged (add throws)', async () => {
    await addSample(1, 1);
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const e = await caught(addSample(2, 2));
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/^Not enough storage space to save this image/);
    vi.restoreAllMocks();
    await closeGalleryDb();
    expect((await listGallery()).items.map((i) => i.params.seed)).toEqual([1]);
  });

  it('rolls back a write that was queued before the quota error', async () => {
    const realAdd = IDBObjectStore.prototype.add;
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (this: IDBObjectStore, value, key) {
      realAdd.call(this, value, key); // the row is queued in the transaction…
      throw new DOMException('Quota exceeded', 'QuotaExceededError'); // …then storage fails
    });
    expect((await caught(addSample(1, 1))).code).toBe('quota');
    vi.restoreAllMocks();
    expect((await listGallery()).items).toEqual([]);
  });

  it('refuses invalid entries before writing anything', async () => {
    const bad = addToGallery({ params: params({ steps: 0 }), png: pngBlob(1), width: 8, height: 8 });
    const e = await caught(bad);
    expect(e.code).toBe('invalid-entry');
    expect(e.message).toMatch(/Steps must be a whole number/);
    const noPng = addToGallery({ params: params(), png: new Blob([]), width: 8, height: 8 });
    expect((await caught(noPng)).message).toMatch(/missing PNG data/);
    expect((await listGallery()).items).toEqual([]);
  });

  it('refuses to overwrite an existing id', async () => {
    const item = await addSample(1, 1);
    const e = await caught(addToGallery({ ...item, png: pngBlob(2) }));
    expect(e.code).toBe('failed');
    expect(await bytesOf(await getGalleryPng(item.id))).toEqual(await bytesOf(pngBlob(1)));
  });

  it('joins a "muse-studio" database that other modules created, keeping their stores', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('muse-studio', 3);
      req.onupgradeneeded = () => req.result.createObjectStore('settings');
      req.onsuccess = () => (req.result.close(), resolve());
      req.onerror = () => reject(req.error);
    });
    await addSample(1, 1);
    const db = await rawDb();
    expect(db.version).toBe(4);
    expect(Array.from(db.objectStoreNames).sort()).toEqual(['images', 'settings']);
    db.close();
  });

  it('says so when IndexedDB is unavailable', async () => {
    await closeGalleryDb();
    vi.stubGlobal('indexedDB', undefined);
    try {
      const e = await caught(listGallery());
      expect(e.code).toBe('unavailable');
      expect(e.message).toMatch(/no IndexedDB/);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
