/** The worker's Cache Storage atlas cache: round trip, and only the newest few kept. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATLAS_CACHE, KEEP_ATLASES, cacheStorageAtlasCache } from '../../../src/worker/atlasCache';

/** Cache Storage in memory: enough of the API for the atlas cache. */
function fakeCaches() {
  const stores = new Map<string, Map<string, Response>>();
  const keyOf = (r: string | Request) => (typeof r === 'string' ? r : r.url);
  return {
    stores,
    async open(name: string) {
      if (!stores.has(name)) stores.set(name, new Map());
      const m = stores.get(name)!;
      return {
        put: async (r: string | Request, res: Response) => void m.set(keyOf(r), res),
        match: async (r: string | Request) => m.get(keyOf(r))?.clone(),
        keys: async () => [...m.keys()].map((u) => new Request(u)),
        delete: async (r: string | Request) => m.delete(keyOf(r)),
      };
    },
  };
}

describe('cacheStorageAtlasCache', () => {
  let fake: ReturnType<typeof fakeCaches>;
  let now = 1000;
  beforeEach(() => {
    fake = fakeCaches();
    vi.stubGlobal('caches', fake);
    vi.stubGlobal('self', { location: { href: 'http://localhost:5173/' } });
    vi.spyOn(Date, 'now').mockImplementation(() => now++);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('gives back the bytes it stored, and nothing for an unknown key', async () => {
    const c = cacheStorageAtlasCache()!;
    await c.put('atlas-v1-aa', Uint8Array.from([1, 2, 3, 4]));
    expect(Array.from((await c.get('atlas-v1-aa'))!)).toEqual([1, 2, 3, 4]);
    expect(await c.get('atlas-v1-bb')).toBeUndefined();
  });

  it(`keeps only the ${KEEP_ATLASES} most recently written atlases`, async () => {
    const c = cacheStorageAtlasCache()!;
    for (let i = 0; i < KEEP_ATLASES + 2; i++) await c.put(`atlas-v1-${i}`, Uint8Array.of(i));
    expect(fake.stores.get(ATLAS_CACHE)!.size).toBe(KEEP_ATLASES);
    expect(await c.get('atlas-v1-0')).toBeUndefined();
    expect(await c.get('atlas-v1-1')).toBeUndefined();
    expect(Array.from((await c.get(`atlas-v1-${KEEP_ATLASES + 1}`))!)).toEqual([KEEP_ATLASES + 1]);
  });

  it('is absent where the browser has no Cache Storage', () => {
    vi.stubGlobal('caches', undefined);
    expect(cacheStorageAtlasCache()).toBeUndefined();
  });
});
