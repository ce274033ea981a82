import { describe, expect, it, vi } from 'vitest';
import { serveFromCache, type CacheIo } from '../../../src/sw/serveFromCache';

const URL_ = 'https://studio.test/assets/ort-wasm-simd-threaded-abc.wasm';

/** An in-memory cache whose reads are new Response objects tagged as cached copies. */
function fakeIo(network: () => Response, opts: { put?: CacheIo['put'] } = {}) {
  const stored = new Map<string, string>();
  const io = {
    match: vi.fn(async (r: Request) => {
      const body = stored.get(r.url);
      return body === undefined ? undefined : new Response(body, { headers: { 'x-from': 'cache' } });
    }),
    fetch: vi.fn(async () => network()),
    put: vi.fn(
      opts.put ??
        (async (r: Request, res: Response) => {
          stored.set(r.url, await res.text());
          return true;
        }),
    ),
  };
  return { io, stored };
}

const wasm = () => new Response('wasm bytes', { headers: { 'Content-Type': 'application/wasm', 'x-from': 'network' } });

describe('serveFromCache', () => {
  it('answers a miss with the copy it stored, not the network response', async () => {
    const { io, stored } = fakeIo(wasm);
    const res = await serveFromCache(new Request(URL_), io);
    expect(res.headers.get('x-from')).toBe('cache');
    expect(await res.text()).toBe('wasm bytes');
    expect(stored.get(URL_)).toBe('wasm bytes');
    expect(io.fetch).toHaveBeenCalledTimes(1);
  });

  it('answers a hit from the cache without fetching', async () => {
    const { io, stored } = fakeIo(wasm);
    stored.set(URL_, 'old bytes');
    const res = await serveFromCache(new Request(URL_), io);
    expect(await res.text()).toBe('old bytes');
    expect(io.fetch).not.toHaveBeenCalled();
  });

  it('does not store a failed answer and passes it on', async () => {
    const { io, stored } = fakeIo(() => new Response('missing', { status: 404 }));
    const res = await serveFromCache(new Request(URL_), io);
    expect(res.status).toBe(404);
    expect(stored.size).toBe(0);
    expect(io.put).not.toHaveBeenCalled();
  });

  it('falls back to the network response when the store fails or is refused', async () => {
    for (const put of [async () => Promise.reject(new DOMException('full', 'QuotaExceededError')), async () => false]) {
      const { io } = fakeIo(wasm, { put });
      const res = await serveFromCache(new Request(URL_), io);
      expect(res.headers.get('x-from')).toBe('network');
      expect(await res.text()).toBe('wasm bytes');
    }
  });
});
