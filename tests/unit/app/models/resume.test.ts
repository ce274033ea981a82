/**
 * Downloads interrupted by a reload: the staging record lets a new visit (a new ModelStore over
 * the same Cache Storage) offer Resume, and leftovers that cannot be resumed are removed.
 */
import { describe, expect, it } from 'vitest';
import { installPackage } from '../../../../src/app/models/install';
import { createDownloadSource } from '../../../../src/app/models/sources';
import { ModelStore, type StagingRecord } from '../../../../src/app/models/store';
import { keys, MODELS_CACHE } from '../../../../src/storage/layout';
import { STAGING_MAX_AGE_MS } from '../../../../src/app/models/records';
import { FakeCaches, fakeFetch, tinyFiles, tinyWith } from './helpers';

const BASE = 'https://models.example/tiny/';
const origin = { kind: 'url', url: BASE } as const;
const DAY = 24 * 60 * 60 * 1000;

/** A first visit whose page goes away while the 4th file downloads: that fetch never answers. */
async function interruptedVisit(files = tinyFiles()) {
  const caches = new FakeCaches();
  const net = fakeFetch(BASE, files);
  let fileRequests = 0;
  let hung!: () => void;
  const reached = new Promise<void>((ok) => (hung = ok));
  const fetchFn = (url: string, init: RequestInit): Promise<Response> => {
    if (url.endsWith('manifest.json') || ++fileRequests < 4) return net.fetch(url, init);
    hung();
    return new Promise<Response>(() => {}); // the page is gone: nothing settles any more
  };
  void installPackage(createDownloadSource(BASE, { fetch: fetchFn }), origin, new ModelStore(caches));
  await reached;
  return { caches, cache: await caches.open(MODELS_CACHE) };
}

const fileKeys = (cache: { entries: Map<string, unknown> }) => [...cache.entries.keys()].filter((k) => k.includes('/files/'));

describe('a download interrupted by a reload', () => {
  it('is offered in the next visit with the files it saved, resumes fetching only the rest, and commits', async () => {
    const { caches, cache } = await interruptedVisit();
    const store = new ModelStore(caches); // the next visit
    expect(await store.cleanup()).toBe(0);
    expect((await store.list()).packages).toEqual([]); // never listed (or loaded) half-done

    const [u, ...more] = await store.unfinished();
    expect(more).toEqual([]);
    expect(u.staging).toMatchObject({ displayName: 'Tiny test fixture (random weights)', origin });
    expect(u.staging.files).toHaveLength(7);
    expect([...u.saved].sort()).toEqual(['text_encoder/config.json', 'text_encoder/onnx/encoder_model.onnx', 'text_encoder/tokenizer.json']);

    const net = fakeFetch(BASE, tinyFiles());
    const { record } = await installPackage(createDownloadSource(BASE, { fetch: net.fetch }), origin, store);
    expect(record.id).toBe(u.staging.id);
    const fetched = net.requests.map((r) => r.url.slice(BASE.length)).filter((p) => p !== 'manifest.json');
    expect(fetched).toHaveLength(4);
    expect(fetched.some((p) => u.saved.has(p))).toBe(false);
    expect(cache.entries.has(keys.staging(record.id))).toBe(false);
    expect(await store.unfinished()).toEqual([]);
  });

  it('Discard (abandon) deletes everything it saved', async () => {
    const { caches, cache } = await interruptedVisit();
    const store = new ModelStore(caches);
    const [u] = await store.unfinished();
    expect(await store.abandon(u.staging.id)).toBe(true);
    expect([...cache.entries.keys()]).toEqual([]);
    expect(await store.unfinished()).toEqual([]);
  });

  it('is dropped when the same URL now serves another version of the package', async () => {
    const { caches, cache } = await interruptedVisit();
    const store = new ModelStore(caches);
    const [old] = await store.unfinished();
    const changed = tinyWith((m) => (m.displayName = 'Tiny, retrained'));
    const { record } = await installPackage(createDownloadSource(BASE, { fetch: fakeFetch(BASE, changed).fetch }), origin, store);
    expect(record.id).not.toBe(old.staging.id);
    expect([...cache.entries.keys()].some((k) => k.includes(old.staging.id))).toBe(false);
  });
});

describe('ModelStore.cleanup at start', () => {
  it('keeps a fresh interrupted download and removes it once it is older than the limit', async () => {
    const { caches, cache } = await interruptedVisit();
    const store = new ModelStore(caches);
    const [u] = await store.unfinished();
    const started = Date.parse(u.staging.updatedAt);
    expect(await store.cleanup(started + STAGING_MAX_AGE_MS - DAY)).toBe(0);
    expect(fileKeys(cache)).toHaveLength(3);
    expect(await store.cleanup(started + STAGING_MAX_AGE_MS + 1)).toBe(1);
    expect([...cache.entries.keys()]).toEqual([]);
  });

  it('removes staged files whose staging record is missing or invalid', async () => {
    const { caches, cache } = await interruptedVisit();
    const store = new ModelStore(caches);
    const [u] = await store.unfinished();
    const bad: Partial<StagingRecord> = { ...u.staging, origin: { kind: 'folder', name: 'x' } as unknown as StagingRecord['origin'] };
    cache.entries.set(keys.staging(u.staging.id), { body: new TextEncoder().encode(JSON.stringify(bad)), type: 'application/json' });
    expect(await store.unfinished()).toEqual([]);
    expect(await store.cleanup()).toBe(1);
    expect([...cache.entries.keys()]).toEqual([]);
  });

  it('removes the staging record a package committed just before a reload kept', async () => {
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const { record } = await installPackage(createDownloadSource(BASE, { fetch: fakeFetch(BASE, tinyFiles()).fetch }), origin, store);
    const cache = await caches.open(MODELS_CACHE);
    const staging: StagingRecord = { id: record.id, displayName: record.displayName, origin, files: [], updatedAt: new Date().toISOString() };
    await store.stage(staging);
    expect(await store.cleanup()).toBe(0);
    expect(cache.entries.has(keys.staging(record.id))).toBe(false);
    expect((await store.list()).packages).toEqual([record]);
  });
});
