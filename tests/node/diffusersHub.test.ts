/**
 * A diffusers snapshot read from a server that answers like the Hugging Face Hub: the file
 * listing API, `resolve` URLs that redirect LFS files to a second origin (as the Hub redirects to
 * its CDN), byte ranges. The snapshot opens through the same reader and package view as a folder
 * and generates the same tokens; an unknown id (404) and a private repo (401) say so.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/generate';
import { loadModel } from '../../src/engine';
import { openHubSnapshot, parseHubId, snapshotAsPackage, type SnapshotSource } from '../../src/engine/diffusers';
import { createFsSnapshotSource } from '../../src/node/fsSnapshotSource';
import { openHubPackage } from '../../src/node/hubPackage';

const DIR = 'tests/fixtures/amused-tiny-diffusers';
const FILES = new Map<string, Buffer>();
(function walk(rel: string): void {
  for (const name of readdirSync(join(DIR, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    if (statSync(join(DIR, p)).isDirectory()) walk(p);
    else FILES.set(p, readFileSync(join(DIR, p)));
  }
})('');

let hub: Server;
let cdn: Server;
let hubUrl = '';
let rangeRequests = 0;
/** The token test/gated needs (401 without it). */
const GATED_TOKEN = 'hf_Gated0Secret1Token';
/** Authorization headers the second origin (the "CDN") was sent: none should ever reach it. */
const cdnAuth: string[] = [];
/** Whole-file downloads of weights, by path. */
const downloads = new Map<string, number>();
const downloadCount = (): number => [...downloads.values()].reduce((a, b) => a + b, 0);
/** A fresh cache folder per test that needs one; all removed at the end. */
const cacheRoot = mkdtempSync(join(tmpdir(), 'muse-hub-cache-'));
let caches = 0;
const freshCache = (): string => join(cacheRoot, String(caches++));

const listen = (s: Server): Promise<string> => new Promise((ok) => s.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

beforeAll(async () => {
  cdn = createServer((req, res) => {
    if (req.headers.authorization) cdnAuth.push(req.headers.authorization);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/files\//, ''));
    const body = FILES.get(path);
    if (!body) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      downloads.set(path, (downloads.get(path) ?? 0) + 1);
      return void res.writeHead(200, { 'content-length': body.length }).end(body);
    }
    rangeRequests++;
    const [s, e] = [Number(m[1]), Math.min(Number(m[2]), body.length - 1)];
    res.writeHead(206, { 'content-range': `bytes ${s}-${e}/${body.length}`, 'content-length': e - s + 1 }).end(body.subarray(s, e + 1));
  });
  const cdnUrl = await listen(cdn);
  hub = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname.startsWith('/api/models/test/private/')) return void res.writeHead(401).end();
    if (u.pathname.includes('test/gated/') && req.headers.authorization !== `Bearer ${GATED_TOKEN}`) return void res.writeHead(401).end();
    const listing = /^\/api\/models\/test\/(tiny|corrupt|gated)\/tree\/main$/.exec(u.pathname);
    if (listing) {
      // "corrupt" lists a wrong sha256 for the VQ weights, as if the download were damaged.
      const oid = (path: string, b: Buffer): string => (listing[1] === 'corrupt' && path.startsWith('vqvae/') ? '0'.repeat(64) : createHash('sha256').update(b).digest('hex'));
      const list = [...FILES].map(([path, b]) => ({ type: 'file', path, size: b.length, ...(path.endsWith('.safetensors') ? { lfs: { oid: oid(path, b), size: b.length } } : {}) }));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
    }
    const m = /^\/test\/(?:tiny|corrupt|gated)\/resolve\/main\/(.+)$/.exec(u.pathname);
    if (m && FILES.has(decodeURIComponent(m[1]))) {
      // LFS files go to the second origin, as the Hub sends them to its CDN; small files are answered here.
      if (m[1].endsWith('.safetensors')) return void res.writeHead(302, { location: `${cdnUrl}/files/${m[1]}` }).end();
      return void res.writeHead(200).end(FILES.get(decodeURIComponent(m[1])));
    }
    res.writeHead(404).end();
  });
  hubUrl = await listen(hub);
});

afterAll(async () => {
  await Promise.all([hub, cdn].map((s) => new Promise((ok) => s?.close(ok))));
  rmSync(cacheRoot, { recursive: true, force: true });
});

async function tokensOf(src: SnapshotSource): Promise<number[]> {
  const { source } = await snapshotAsPackage(src, { name: 'hub' });
  const model = await loadModel(source, { ort, executionProviders: ['cpu'] });
  try {
    const r = await model.generate({ prompt: 'a red cat', seed: 9, base: { steps: 3 } }, { previews: false });
    return Array.from(r.tokens.base[0]);
  } finally {
    await model.release();
  }
}

/**
 * Runs the CLI with `args` against the fake Hub (HF_ENDPOINT) and a cache folder (MUSE_CACHE:
 * `cache`, else a fresh one), with HF_TOKEN when given; its exit code and output.
 */
async function cli(args: string[], opts: { cache?: string; hfToken?: string } = {}): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io = { log: (l: string) => out.push(l), error: (l: string) => out.push(l) };
  process.env.HF_ENDPOINT = hubUrl;
  process.env.MUSE_CACHE = opts.cache ?? freshCache();
  if (opts.hfToken !== undefined) process.env.HF_TOKEN = opts.hfToken;
  try {
    const code = await runCli(args, io);
    return { code, out: out.join('\n') };
  } finally {
    delete process.env.HF_ENDPOINT;
    delete process.env.MUSE_CACHE;
    delete process.env.HF_TOKEN;
  }
}

describe('a snapshot from a Hub-like server', () => {
  it('parses model ids with and without a revision', () => {
    expect(parseHubId('amused/amused-256')).toEqual({ repo: 'amused/amused-256', revision: 'main' });
    expect(parseHubId('amused/amused-512@refs/pr/3')).toEqual({ repo: 'amused/amused-512', revision: 'refs/pr/3' });
    expect(parseHubId('not an id')).toBeNull();
    expect(parseHubId('a/b@../x')).toBeNull();
  });

  it('lists, reads headers in ranges through the redirect, and generates what the folder generates', async () => {
    const src = await openHubSnapshot('test/tiny', { hub: hubUrl });
    expect(src.files.get('transformer/diffusion_pytorch_model.safetensors')?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const before = rangeRequests;
    await snapshotAsPackage(src, { name: 'hub' }).then(() => undefined);
    expect(rangeRequests - before).toBeGreaterThanOrEqual(6); // 3 headers × (length + JSON) at least
    expect(await tokensOf(src)).toEqual(await tokensOf(createFsSnapshotSource(DIR)));
  });

  it('says what is wrong with an unknown or a private repo', async () => {
    await expect(openHubSnapshot('test/nope', { hub: hubUrl })).rejects.toThrow(/test\/nope@main: the file listing not found \(HTTP 404\): check the model id/);
    await expect(openHubSnapshot('test/private', { hub: hubUrl })).rejects.toThrow(/private or gated/);
  });


  it('npm run generate -- --model hf:ID reads it from the Hub (HF_ENDPOINT)', async () => {
    const file = join(tmpdir(), `muse-hub-${process.pid}.png`);
    const ok = await cli(['--model', 'hf:test/tiny', '--prompt', 'a', '--seed', '1', '--steps', '2', '--out', file]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/wrote .*muse-hub-.*\.png \(256x256/);
    rmSync(file, { force: true });
    const missing = await cli(['--model', 'hf:test/nope', '--prompt', 'a', '--out', file]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/HTTP 404/);
  });

  it('on the CLI, names the file, the listed and the actual sha256 of a download that differs, and says it was discarded', async () => {
    const file = join(tmpdir(), `muse-hub-bad-${process.pid}.png`);
    const bad = await cli(['--model', 'hf:test/corrupt', '--prompt', 'a', '--seed', '1', '--steps', '2', '--out', file]);
    expect(bad.code).toBe(1);
    const actual = createHash('sha256').update(FILES.get('vqvae/diffusion_pytorch_model.safetensors')!).digest('hex');
    expect(bad.out).toContain(
      `vqvae/diffusion_pytorch_model.safetensors: sha256 differs from the Hugging Face Hub listing of ${hubUrl}/test/corrupt@main: ` +
        `the listing (LFS oid) says ${'0'.repeat(64)}, the download has ${actual}; the download was discarded`,
    );
  });

  it('refuses a weights file whose sha256 differs from the listing', async () => {
    const src = await openHubSnapshot('test/corrupt', { hub: hubUrl });
    await expect(snapshotAsPackage(src, { name: 'x' })).rejects.toThrow(/vqvae\/diffusion_pytorch_model(\.fp16)?\.safetensors: sha256 mismatch/);
  });
});

describe("the CLI's Hub cache (openHubPackage)", () => {
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const blobs = (cacheDir: string): string[] => {
    try {
      return readdirSync(join(cacheDir, 'hub', 'blobs')).sort();
    } catch {
      return [];
    }
  };
  async function generate(cacheDir: string, said: string[]): Promise<number[]> {
    const { source, verify } = await openHubPackage('test/tiny', { hub: hubUrl }, { cacheDir, onDownload: (path) => said.push(path) });
    expect(verify).toBe('size');
    const model = await loadModel(source, { ort, executionProviders: ['cpu'], verify });
    try {
      return Array.from((await model.generate({ prompt: 'a red cat', seed: 9, base: { steps: 3 } }, { previews: false })).tokens.base[0]);
    } finally {
      await model.release();
    }
  }
  const WEIGHTS = ['text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors'];

  it('downloads each weights file once into the cache, checked against the listing, and the next run reuses it', async () => {
    const cacheDir = freshCache();
    const said: string[] = [];
    const before = downloadCount();
    const first = await generate(cacheDir, said);
    expect(said.sort()).toEqual(WEIGHTS);
    expect(downloadCount() - before).toBe(3);
    // Stored under the listed sha256, each file what the Hub serves; nothing else (no partial files).
    expect(blobs(cacheDir)).toEqual(WEIGHTS.map((p) => sha(FILES.get(p)!)).sort());
    for (const name of blobs(cacheDir)) expect(sha(readFileSync(join(cacheDir, 'hub', 'blobs', name)))).toBe(name);
    expect(first).toEqual(await tokensOf(createFsSnapshotSource(DIR)));

    const again: string[] = [];
    expect(await generate(cacheDir, again)).toEqual(first);
    expect(again).toEqual([]);
    expect(downloadCount() - before).toBe(3);
  });

  it('a download that differs from the listing is refused and leaves nothing in the cache', async () => {
    const cacheDir = freshCache();
    await expect(openHubPackage('test/corrupt', { hub: hubUrl }, { cacheDir })).rejects.toThrow(
      /vqvae\/diffusion_pytorch_model\.safetensors: sha256 differs from the Hugging Face Hub listing .*the download was discarded/,
    );
    const vq = sha(FILES.get('vqvae/diffusion_pytorch_model.safetensors')!);
    // Only files that matched the listing remain (the text encoder's, downloaded before), no partial one.
    expect(blobs(cacheDir).length).toBeGreaterThan(0);
    expect(blobs(cacheDir)).not.toContain(vq);
    for (const name of blobs(cacheDir)) expect(name).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the CLI on a gated repo: --token', () => {
  const png = join(cacheRoot, 'gated.png');
  const run = (extra: string[], hfToken?: string) =>
    cli(['--model', 'hf:test/gated', '--prompt', 'a', '--seed', '1', '--steps', '2', '--out', png, ...extra], hfToken === undefined ? {} : { hfToken });

  it('opens it with --token, which wins over HF_TOKEN; the token is never printed nor sent to the CDN', async () => {
    const before = cdnAuth.length;
    const ok = await run(['--token', GATED_TOKEN], 'hf_Wrong0EnvToken');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/wrote .*gated\.png \(256x256/);
    expect(ok.out).not.toContain(GATED_TOKEN);
    // The resolve/ redirects to another origin: the Authorization header stays behind (Fetch standard).
    expect(cdnAuth.slice(before)).toEqual([]);
    expect((await run([], GATED_TOKEN)).code).toBe(0);
  });

  it('a refused, a missing or a malformed token: a message that never repeats it', async () => {
    const wrong = await run(['--token', 'hf_Wrong0FlagToken'], GATED_TOKEN);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/the Hub refused the file listing \(HTTP 401\): the repository is private or gated/);
    expect(wrong.out).not.toMatch(/hf_Wrong0FlagToken|Gated0Secret/);
    expect((await run([])).out).toMatch(/HTTP 401/);
    const spaced = await run(['--token', 'hf_has a space']);
    expect(spaced.code).toBe(2);
    expect(spaced.out).toMatch(/^error: --token is not a token: it has spaces or characters outside printable ASCII/);
    expect(spaced.out).not.toContain('has a space');
    const env = await run([], 'hf_env\u00e9token');
    expect(env.code).toBe(1);
    expect(env.out).toMatch(/HF_TOKEN is not a token/);
    expect(env.out).not.toContain('hf_env');
  });
});

describe('the CLI cache: --cache and --cache-clear', () => {
  const png = join(cacheRoot, 'cached.png');

  it('lists the downloaded weights with sizes and where they came from, and the total; --cache-clear empties it but for a download in progress', async () => {
    const cache = freshCache();
    expect((await cli(['--cache'], { cache })).out).toBe(`The Hub cache (${join(cache, 'hub', 'blobs')}) is empty.`);
    expect((await cli(['--model', 'hf:test/tiny', '--prompt', 'a', '--seed', '1', '--steps', '2', '--out', png], { cache })).code).toBe(0);
    const blobDir = join(cache, 'hub', 'blobs');
    // Two unfinished downloads: one a crashed run left long ago, one being written now.
    writeFileSync(join(blobDir, '.old.part'), new Uint8Array(1000));
    utimesSync(join(blobDir, '.old.part'), new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2020, 0, 1)));
    writeFileSync(join(blobDir, '.live.part'), new Uint8Array(2000));

    const listed = await cli(['--cache'], { cache });
    expect(listed.code).toBe(0);
    const lines = listed.out.split('\n');
    expect(lines[0]).toBe(`Hub cache: ${blobDir}`);
    const weights = ['transformer/diffusion_pytorch_model.safetensors', 'text_encoder/model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors']
      .map((p) => ({ p, bytes: FILES.get(p)!.length, sha: createHash('sha256').update(FILES.get(p)!).digest('hex') }))
      .sort((a, b) => b.bytes - a.bytes);
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    expect(lines.slice(1, 4)).toEqual(weights.map((w) => `  ${mib(w.bytes).padStart(12)}  ${w.sha.slice(0, 12)}  ${w.p} (${hubUrl}/test/tiny@main)`));
    expect(lines.slice(4, 6).sort()).toEqual([`  ${mib(1000).padStart(12)}  .old.part  (unfinished download)`, `  ${mib(2000).padStart(12)}  .live.part  (unfinished download)`].sort());
    const total = weights.reduce((n, w) => n + w.bytes, 3000);
    expect(lines[6]).toBe(`3 weights files and 2 unfinished downloads: ${mib(total)} in all. --cache-clear deletes them.`);

    const cleared = await cli(['--cache-clear'], { cache });
    expect(cleared.code).toBe(0);
    expect(cleared.out).toBe(
      `Deleted 4 files (${mib(total - 2000)}) from the Hub cache (${cache}).\n` +
        'Kept 1 unfinished download written in the last 10 minutes (another run may be downloading); run --cache-clear again later.',
    );
    expect(readdirSync(blobDir)).toEqual(['.live.part']);
    expect(readdirSync(join(cache, 'hub', 'info'))).toEqual([]);
    // The next run downloads again, into the same folder.
    const again = await cli(['--model', 'hf:test/tiny', '--prompt', 'a', '--seed', '1', '--steps', '2', '--out', png], { cache });
    expect(again.out.match(/note: downloading/g)).toHaveLength(3);
  });
});

