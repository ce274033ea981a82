/** In-memory Cache Storage and package builders for the model-store tests. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CacheLike, CacheStorageLike } from '../../../../src/storage/layout';

const ORIGIN = 'http://studio.test';
/** Like the real Cache API, a key may be a path or an absolute URL of the page's origin. */
const norm = (key: string) => (key.startsWith(ORIGIN) ? key.slice(ORIGIN.length) : key);

/** Entries keyed by path ("/__muse-models/…"); `failPut` simulates full storage. */
export class FakeCache implements CacheLike {
  readonly entries = new Map<string, { body: Uint8Array; type: string }>();
  failPut: ((key: string) => Error | undefined) | undefined;
  puts = 0;

  /** Writes per key: how many chunks its body arrived in (a streamed file: many small writes). */
  readonly writes = new Map<string, number>();
  /** Called with each chunk as it is written (tests measure what the writer holds; throw = storage failing mid-write). */
  onWrite: ((key: string, chunk: Uint8Array, written: number) => void) | undefined;

  async match(key: string): Promise<Response | undefined> {
    const e = this.entries.get(norm(key));
    return e ? new Response(e.body.slice() as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': e.type } }) : undefined;
  }
  async put(key: string, res: Response): Promise<void> {
    const k = norm(key);
    const err = this.failPut?.(k);
    if (err) throw err;
    this.puts++;
    // Read the body as Cache Storage does, chunk by chunk, so a streamed body that errors stores nothing.
    const chunks: Uint8Array[] = [];
    let written = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        written += value.byteLength;
        this.onWrite?.(k, value, written);
        chunks.push(value);
      }
    }
    const body = new Uint8Array(written);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    this.writes.set(k, chunks.length);
    this.entries.set(k, { body, type: res.headers.get('Content-Type') ?? '' });
  }
  async delete(key: string): Promise<boolean> {
    return this.entries.delete(norm(key));
  }
  async keys(): Promise<Array<{ url: string }>> {
    return [...this.entries.keys()].map((url) => ({ url: `${ORIGIN}${url}` }));
  }
}

export class FakeCaches implements CacheStorageLike {
  readonly caches = new Map<string, FakeCache>();
  async open(name: string): Promise<FakeCache> {
    let c = this.caches.get(name);
    if (!c) this.caches.set(name, (c = new FakeCache()));
    return c;
  }
  async delete(name: string): Promise<boolean> {
    return this.caches.delete(name);
  }
}

export function quotaError(): Error {
  return new DOMException('The quota has been exceeded.', 'QuotaExceededError');
}

const TINY = path.resolve(__dirname, '../../../fixtures/tiny');

/** The tiny fixture package as path → bytes (manifest.json included). */
export function tinyFiles(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else out.set(prefix + name, new Uint8Array(readFileSync(full)));
    }
  };
  walk(TINY, '');
  return out;
}

/** tiny with its manifest edited by `edit` (the JSON object) and re-encoded. */
export function tinyWith(edit: (manifest: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const files = tinyFiles();
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Record<string, unknown>;
  edit(manifest);
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest, null, 2)));
  return files;
}

/**
 * A fetch over `files` served under `base`. `plan(url, n)` may replace the answer of the n-th
 * request (0-based): an Error rejects like a network failure, a Response is returned as is.
 */
export function fakeFetch(
  base: string,
  files: Map<string, Uint8Array>,
  plan?: (url: string, n: number) => Error | Response | undefined,
): { fetch: (url: string, init: RequestInit) => Promise<Response>; requests: Array<{ url: string; init: RequestInit }> } {
  const requests: Array<{ url: string; init: RequestInit }> = [];
  return {
    requests,
    fetch: async (url, init) => {
      const n = requests.length;
      requests.push({ url, init });
      const special = plan?.(url, n);
      if (special instanceof Error) throw special;
      if (special) return special;
      if (!url.startsWith(base)) return new Response('not found', { status: 404 });
      const bytes = files.get(decodeURIComponent(url.slice(base.length)));
      if (!bytes) return new Response('not found', { status: 404, statusText: 'Not Found' });
      return new Response(bytes.slice() as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': 'application/octet-stream' } });
    },
  };
}

/**
 * `bytes` as a body of `size`-byte chunks, each made only when read (nothing is read ahead):
 * `served(n)` is told of each chunk handed out, and once `broken(at)` is true the body fails
 * like a dropped connection.
 */
export function chunkedBody(
  bytes: Uint8Array,
  size: number,
  hooks: { broken?: (at: number) => boolean; served?: (n: number) => void } = {},
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(ctrl) {
        if (hooks.broken?.(at)) return ctrl.error(new TypeError('network error'));
        if (at >= bytes.length) return ctrl.close();
        const part = bytes.slice(at, at + size);
        at += part.length;
        hooks.served?.(part.length);
        ctrl.enqueue(part);
      },
    },
    { highWaterMark: 0 },
  );
}
