/**
 * A package added from a URL streams each file into storage as it arrives (createDownloadSource
 * `stream` → engine checkedStream → store putFileStream), as the Hub route does: the downloader
 * holds at most a chunk or two, a connection that breaks off mid-file stores nothing of it and
 * can be resumed, and a file that differs from the manifest is refused with the same words.
 */
import { describe, expect, it } from 'vitest';
import { checkPackageFiles } from '../../../../src/engine';
import { InstallError, installPackage } from '../../../../src/app/models/install';
import { createDownloadSource } from '../../../../src/app/models/sources';
import { ModelStore } from '../../../../src/app/models/store';
import { keys, MODELS_CACHE } from '../../../../src/storage/layout';
import { createStoredSource } from '../../../../src/storage/storedSource';
import { chunkedBody, FakeCaches, tinyFiles } from './helpers';

const BASE = 'https://models.example/tiny/';
const origin = { kind: 'url', url: BASE } as const;
const CHUNK = 4096;
const BIG = 'transformer/super_res.onnx';

/**
 * A server for `files` whose bodies come in CHUNK-byte pieces, each made only when read
 * (`served` counts them); `breakAt(path)` makes a body fail after that many bytes.
 */
function chunkedServer(files: Map<string, Uint8Array>, breakAt: (path: string) => number | undefined = () => undefined) {
  const server = {
    served: 0,
    fetch: async (url: string): Promise<Response> => {
      const path = decodeURIComponent(url.slice(BASE.length));
      const bytes = files.get(path);
      if (!url.startsWith(BASE) || !bytes) return new Response('not found', { status: 404 });
      const stopAt = breakAt(path);
      const body = chunkedBody(bytes, CHUNK, {
        broken: (at) => stopAt !== undefined && at >= stopAt,
        served: (n) => (server.served += n),
      });
      return new Response(body, { headers: { 'Content-Type': 'application/octet-stream' } });
    },
  };
  return server;
}

describe('a URL package streams into storage', () => {
  it('writes each file chunk by chunk as it arrives, holding at most two chunks', async () => {
    const caches = new FakeCaches();
    const cache = await caches.open(MODELS_CACHE);
    const server = chunkedServer(tinyFiles());
    let stored = 0;
    let held = 0;
    cache.onWrite = (key, chunk) => {
      if (key.endsWith('manifest.json')) return;
      stored += chunk.byteLength;
      held = Math.max(held, server.served - stored + chunk.byteLength);
    };
    const { record } = await installPackage(createDownloadSource(BASE, { fetch: server.fetch }), origin, new ModelStore(caches));
    const size = tinyFiles().get(BIG)!.length;
    expect(size).toBeGreaterThan(50 * CHUNK);
    expect(cache.writes.get(keys.file(record.id, BIG))).toBe(Math.ceil(size / CHUNK));
    expect(held).toBeLessThanOrEqual(2 * CHUNK);
    expect((await checkPackageFiles(createStoredSource(record.id, caches))).problems).toEqual([]);
  });

  it('a connection that breaks off mid-file is a network failure: nothing of that file is stored, Resume is offered', async () => {
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const server = chunkedServer(tinyFiles(), (path) => (path === BIG ? 10 * CHUNK : undefined));
    const err = await installPackage(createDownloadSource(BASE, { fetch: server.fetch }), origin, store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect((err as InstallError).kind).toBe('network');
    expect((err as InstallError).message).toMatch(/^transformer\/super_res\.onnx: the connection failed \(network error\)\. .*Resume continues/);
    const id = (err as InstallError).resumeId!;
    expect(await store.hasFile(id, BIG)).toBe(false);
    expect(await store.hasFile(id, 'transformer/base.onnx')).toBe(true);
  });

  it('a file that differs from the manifest is refused as it streams, and nothing is stored', async () => {
    const files = tinyFiles();
    const bad = files.get(BIG)!.slice();
    bad[bad.length - 1] ^= 1;
    files.set(BIG, bad);
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const err = (await installPackage(createDownloadSource(BASE, { fetch: chunkedServer(files).fetch }), origin, store).catch((e: unknown) => e)) as InstallError;
    expect(err.kind).toBe('verify');
    expect(err.message).toMatch(/^transformer\/super_res\.onnx: sha256 mismatch: manifest says [0-9a-f]{64}, file has [0-9a-f]{64}/);
    expect((await store.list()).packages).toEqual([]);
    expect([...(await caches.open(MODELS_CACHE)).entries.keys()]).toEqual([]);
  });
});
