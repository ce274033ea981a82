import { describe, expect, it } from 'vitest';
import { InstallError, installPackage } from '../../../../src/app/models/install';
import { createDownloadSource, createFolderSource } from '../../../../src/app/models/sources';
import { ModelStore } from '../../../../src/app/models/store';
import { keys, MODELS_CACHE } from '../../../../src/storage/layout';
import { createStoredSource, MISSING_FROM_STORAGE } from '../../../../src/storage/storedSource';
import { FakeCaches, fakeFetch, quotaError, tinyFiles, tinyWith } from './helpers';

const BASE = 'https://models.example/tiny/';
const origin = { kind: 'url', url: BASE } as const;

async function setup(files = tinyFiles(), plan?: Parameters<typeof fakeFetch>[2]) {
  const caches = new FakeCaches();
  const store = new ModelStore(caches);
  const net = fakeFetch(BASE, files, plan);
  const cache = await caches.open(MODELS_CACHE);
  const install = (signal?: AbortSignal, estimate?: () => Promise<{ usage: number; quota: number }>) =>
    installPackage(createDownloadSource(BASE, { fetch: net.fetch, signal }), origin, store, { signal, estimate });
  return { caches, store, net, cache, install };
}

async function failure(p: Promise<unknown>): Promise<InstallError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InstallError);
    return e as InstallError;
  }
  throw new Error('expected the install to fail');
}

/** Keys of the cache other than those of `keepId`'s committed package. */
const keysOf = (cache: { entries: Map<string, unknown> }) => [...cache.entries.keys()];

describe('installPackage from a URL', () => {
  it('stores every file verified, commits the record last, and lists the package', async () => {
    const { store, cache, install } = await setup();
    const order: string[] = [];
    const put = cache.put.bind(cache);
    cache.put = async (key, res) => {
      order.push(key);
      return put(key, res);
    };
    const { record, reused } = await install();
    expect(reused).toBe(false);
    expect(record).toMatchObject({ name: 'tiny-fixture', displayName: 'Tiny test fixture (random weights)', fixture: true, origin, files: 8 });
    expect(record.id).toMatch(/^tiny-fixture-[0-9a-f]{12}$/);
    expect(order.at(-1)).toBe(keys.record(record.id));
    expect(order.at(-2)).toBe(keys.file(record.id, 'manifest.json'));
    const total = [...tinyFiles().values()].reduce((n, b) => n + b.byteLength, 0);
    expect(record.bytes).toBe(total);
    expect((await store.list()).packages.map((p) => p.id)).toEqual([record.id]);
    // The worker's source reads exactly the same bytes.
    const source = createStoredSource(record.id, (store as unknown as { storage: FakeCaches }).storage);
    expect(await source.read('transformer/base.onnx')).toEqual(tinyFiles().get('transformer/base.onnx'));
  });

  it('keeps a package once: the same manifest again downloads nothing', async () => {
    const { install, net } = await setup();
    const first = await install();
    const before = net.requests.length;
    const again = await install();
    expect(again).toEqual({ record: first.record, reused: true });
    expect(net.requests.length - before).toBe(1); // the manifest only
  });

  it('sends no cookies and no Referer to another site', async () => {
    const { install, net } = await setup();
    await install();
    for (const r of net.requests) expect(r.init).toMatchObject({ credentials: 'omit', referrerPolicy: 'no-referrer' });
  });

  it('an unreachable URL is a network error and stores nothing', async () => {
    const { install, cache } = await setup(tinyFiles(), () => new TypeError('Failed to fetch'));
    const e = await failure(install());
    expect(e.kind).toBe('network');
    expect(e.message).toContain('manifest.json: the connection failed (Failed to fetch)');
    expect(keysOf(cache)).toEqual([]);
  });

  it('a URL serving HTML instead of a manifest says so', async () => {
    const html = new Response('<!doctype html><html><body>Home</body></html>', { headers: { 'Content-Type': 'text/html' } });
    const { install, cache } = await setup(tinyFiles(), (url) => (url.endsWith('manifest.json') ? html : undefined));
    const e = await failure(install());
    expect(e.kind).toBe('package');
    expect(e.message).toContain('with an HTML page, not the file');
    expect(keysOf(cache)).toEqual([]);
  });

  it('refuses an unknown format version before downloading anything else', async () => {
    const { install, net, cache } = await setup(tinyWith((m) => (m.formatVersion = 2)));
    const e = await failure(install());
    expect(e.message).toContain('unsupported package format version 2 (this studio reads version 1)');
    expect(net.requests).toHaveLength(1);
    expect(keysOf(cache)).toEqual([]);
  });

  it.each([
    ['../outside.onnx', 'leaves the package'],
    ['/etc/passwd', 'is absolute'],
    ['https://evil.example/x.onnx', 'is a URL'],
  ])('refuses a manifest naming %s', async (bad, why) => {
    const { install, net } = await setup(
      tinyWith((m) => ((m.files as Record<string, unknown>)[bad] = { sha256: '0'.repeat(64), bytes: 1 })),
    );
    const e = await failure(install());
    expect(e.kind).toBe('package');
    expect(e.message).toContain(why);
    expect(net.requests).toHaveLength(1);
  });

  it('never fetches outside the package folder, even through "%2e%2e" segments', async () => {
    const { install, net, cache } = await setup(
      tinyWith((m) => ((m.files as Record<string, unknown>)['a/%2e%2e/%2e%2e/secret.json'] = { sha256: '0'.repeat(64), bytes: 1 })),
    );
    const e = await failure(install());
    // Refused by the manifest's path rules (which now reject "%") or, failing that, by the source.
    expect(e.message).toMatch(/contains "%"|outside the package folder/);
    expect(net.requests.every((r) => r.url.startsWith(BASE))).toBe(true);
    expect(net.requests.some((r) => r.url.includes('secret'))).toBe(false);
    expect(keysOf(cache)).toEqual([]);
  });

  it('a file with a wrong sha256 is rejected with its name and nothing is stored', async () => {
    const files = tinyFiles();
    const bad = files.get('vqgan/decoder.onnx')!.slice();
    bad[100] ^= 0xff;
    files.set('vqgan/decoder.onnx', bad);
    const { install, cache } = await setup(files);
    const e = await failure(install());
    expect(e.kind).toBe('verify');
    expect(e.message).toMatch(/^vqgan\/decoder\.onnx: sha256 mismatch: manifest says [0-9a-f]{64}, file has [0-9a-f]{64} .*Nothing was stored\.$/);
    expect(keysOf(cache)).toEqual([]);
  });

  it('a truncated file is rejected by size', async () => {
    const files = tinyFiles();
    files.set('transformer/base.onnx', files.get('transformer/base.onnx')!.slice(0, 1000));
    const { install, cache } = await setup(files);
    const e = await failure(install());
    expect(e.message).toContain('transformer/base.onnx: expected 116750 bytes, found 1000');
    expect(keysOf(cache)).toEqual([]);
  });

  it('not enough room (estimate) fails before any file is fetched', async () => {
    const { install, net, cache } = await setup();
    const e = await failure(install(undefined, async () => ({ usage: 900, quota: 1000 })));
    expect(e.kind).toBe('quota');
    expect(e.message).toMatch(/^Not enough storage for Tiny test fixture \(random weights\): it needs [\d.]+ KB and the browser allows 100 B more\./);
    expect(net.requests).toHaveLength(1);
    expect(keysOf(cache)).toEqual([]);
  });

  it('quota exceeded mid-download leaves the stored packages as they were', async () => {
    const { store, cache, net } = await setup();
    const other = await installPackage(
      createFolderSource('other', new Map([...tinyWith((m) => (m.name = 'other'))].map(([p, b]) => [p, new Blob([b as Uint8Array<ArrayBuffer>])]))),
      { kind: 'folder', name: 'other' },
      store,
    );
    const before = new Map(cache.entries);
    let puts = 0;
    cache.failPut = () => (++puts === 3 ? quotaError() : undefined);
    const e = await failure(installPackage(createDownloadSource(BASE, { fetch: net.fetch }), origin, store));
    expect(e.kind).toBe('quota');
    expect(e.message).toContain('Not enough storage for Tiny test fixture');
    expect(e.message).toContain('Nothing was stored.');
    expect(cache.entries).toEqual(before);
    expect((await store.list()).packages).toEqual([other.record]);
  });

  it('going offline mid-download keeps the verified files; Resume fetches only the rest', async () => {
    let offline = true;
    let fileRequests = 0;
    const { store, net, cache } = await setup(tinyFiles(), (url) => {
      if (url.endsWith('manifest.json')) return undefined;
      fileRequests++;
      return offline && fileRequests === 4 ? new TypeError('Failed to fetch') : undefined;
    });
    const install = () => installPackage(createDownloadSource(BASE, { fetch: net.fetch }), origin, store);
    const e = await failure(install());
    expect(e.kind).toBe('network');
    expect(e.resumeId).toMatch(/^tiny-fixture-/);
    expect(e.message).toContain('3 of 7 files');
    expect(e.message).toContain('Resume continues from there');
    expect((await store.list()).packages).toEqual([]); // never used half-done
    expect(await store.get(e.resumeId!)).toBeUndefined();
    expect([...cache.entries.keys()].filter((k) => k.includes('/files/'))).toHaveLength(3);
    expect(cache.entries.has(keys.staging(e.resumeId!))).toBe(true); // for Resume after a reload

    offline = false;
    const urlsBefore = net.requests.length;
    const { record } = await install();
    const fetched = net.requests.slice(urlsBefore).map((r) => r.url.slice(BASE.length));
    expect(fetched).toEqual(['manifest.json', 'transformer/base.onnx', 'transformer/super_res.onnx', 'vqgan/decoder.onnx', 'vqgan/encoder.onnx']);
    expect(record.id).toBe(e.resumeId);
  });

  it('a cancelled download stores nothing', async () => {
    const controller = new AbortController();
    let n = 0;
    const { install, cache } = await setup(tinyFiles(), () => {
      if (++n === 3) controller.abort();
      return undefined;
    });
    const e = await failure(install(controller.signal));
    expect(e.kind).toBe('cancelled');
    expect(keysOf(cache)).toEqual([]);
  });
});

describe('ModelStore', () => {
  it('cleanup deletes leftovers of interrupted downloads and keeps committed packages', async () => {
    const { store, cache, install } = await setup();
    const { record } = await install();
    await store.putFile('other-0123456789ab', 'transformer/base.onnx', new Uint8Array([1, 2, 3]));
    expect(await store.cleanup()).toBe(1);
    expect([...cache.entries.keys()].every((k) => k.includes(record.id))).toBe(true);
    expect((await store.list()).packages).toHaveLength(1);
  });

  it('remove deletes the record first, then the files', async () => {
    const { store, cache, install } = await setup();
    const { record } = await install();
    const deleted: string[] = [];
    const del = cache.delete.bind(cache);
    cache.delete = async (key) => {
      deleted.push(key);
      return del(key);
    };
    await store.remove(record.id);
    expect(deleted[0]).toBe(keys.record(record.id));
    expect(cache.entries.size).toBe(0);
  });

  it('skips records that fail validation', async () => {
    const { store, cache, install } = await setup();
    const { record } = await install();
    cache.entries.set(keys.record('evil-0123456789ab'), { body: new TextEncoder().encode('{"id":"evil-0123456789ab"}'), type: '' });
    const listed = await store.list();
    expect(listed.packages.map((p) => p.id)).toEqual([record.id]);
    expect(listed.skipped).toBe(1);
  });

  it('a file evicted from storage is reported as missing, not as a broken package', async () => {
    const { store, caches, install } = await setup();
    const { record } = await install();
    await caches.delete(MODELS_CACHE);
    expect(await store.get(record.id)).toBeUndefined();
    await expect(createStoredSource(record.id, caches).read('manifest.json')).rejects.toThrow(`manifest.json: ${MISSING_FROM_STORAGE}`);
  });

  it('keeps allowed model sites as bare origins', async () => {
    const { store } = await setup();
    expect(await store.setOriginAllowed('https://models.example/some/path?x=1', true)).toEqual(['https://models.example']);
    await expect(store.setOriginAllowed('http://evil.example', true)).rejects.toThrow('not an https');
    expect(await store.setOriginAllowed('https://models.example', false)).toEqual([]);
  });
});
