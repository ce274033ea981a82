/**
 * One reader of stored package files (src/storage/storedFiles.ts): the page's ModelStore and the
 * worker's stored source read the same bytes through it, whole or as a stream, and agree on a
 * file that is not there.
 */
import { describe, expect, it } from 'vitest';
import { ModelStore } from '../../../src/app/models/store';
import { storedFiles } from '../../../src/storage/storedFiles';
import { createStoredSource, MISSING_FROM_STORAGE } from '../../../src/storage/storedSource';
import { FakeCaches } from '../app/models/helpers';

const ID = 'pkg-0123456789ab';
// A path whose segments need percent-encoding in the key: every reader must spell the key the same way.
const PATH = 'weights/a b ü.safetensors';
const BYTES = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 255);

async function drain(stream: ReadableStream<Uint8Array> | undefined): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('storedFiles: the one reader of stored package files', () => {
  it('reads what the store put, whole and as a stream, the same for the page store and the worker source', async () => {
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    await store.putFile(ID, PATH, BYTES);
    const files = storedFiles(caches);
    expect(await files.read(ID, PATH)).toEqual(BYTES);
    expect(await drain(await files.stream(ID, PATH))).toEqual(BYTES);
    expect(await store.readFile(ID, PATH)).toEqual(BYTES);
    expect(await drain(await store.fileStream(ID, PATH))).toEqual(BYTES);
    const source = createStoredSource(ID, caches);
    expect(await source.read(PATH)).toEqual(BYTES);
    expect(await drain(await source.stream!(PATH))).toEqual(BYTES);
  });

  it('a file that is not stored: undefined for the store, MISSING_FROM_STORAGE from the worker source', async () => {
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    await store.putFile(ID, PATH, BYTES);
    expect(await storedFiles(caches).read(ID, 'other.bin')).toBeUndefined();
    expect(await storedFiles(caches).read('pkg-ba9876543210', PATH)).toBeUndefined();
    expect(await store.hasFile(ID, 'other.bin')).toBe(false);
    expect(await store.fileStream(ID, 'other.bin')).toBeUndefined();
    const source = createStoredSource(ID, caches);
    await expect(source.read('other.bin')).rejects.toThrow(`other.bin: ${MISSING_FROM_STORAGE}`);
    await expect(source.stream!('other.bin')).rejects.toThrow(MISSING_FROM_STORAGE);
    await expect(source.read('../x')).rejects.toThrow(/not a path inside the package/);
  });
});
