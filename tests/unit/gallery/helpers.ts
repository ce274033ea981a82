// Shared setup for gallery tests: a fresh fake IndexedDB per test and sample entries.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { closeGalleryDb } from '../../../src/gallery';
import type { GenerationParams } from '../../../src/engine/png';

export async function freshIndexedDb(): Promise<void> {
  await closeGalleryDb();
  globalThis.indexedDB = new IDBFactory();
}

export function params(overrides: Partial<GenerationParams> = {}): GenerationParams {
  return { prompt: 'a lighthouse', negativePrompt: '', seed: 7, steps: 12, guidance: 4, width: 8, height: 8, model: 'scenes', ...overrides };
}

export function pngBlob(tag: number): Blob {
  // Content is opaque to the DB layer; a signature plus a tag byte is enough to tell rows apart.
  return new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, tag])], { type: 'image/png' });
}

export async function bytesOf(blob: Blob): Promise<number[]> {
  return Array.from(new Uint8Array(await blob.arrayBuffer()));
}

/** Opens the raw database, as another tab or an old app version would. */
export function rawDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('muse-studio');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function rawPut(db: IDBDatabase, rows: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('images', 'readwrite');
    for (const row of rows) tx.objectStore('images').put(row);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
