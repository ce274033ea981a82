/**
 * A Hugging Face model id in the Model panel: what the summary says before any weights are
 * downloaded, the message for each way a lookup fails, and the download stored like a package
 * (each weights file checked against the Hub's LFS sha256 once, resumed without fetching the
 * files already stored).
 */
import { describe, expect, it } from 'vitest';
import { HubError, hubIdOf, prepareHubModel, type HubSummary } from '../../../../src/app/models/hub';
import { hubHasRoom, hubSummaryLines } from '../../../../src/app/models/hubSummary';
import { formatBytes, InstallError, installPackage } from '../../../../src/app/models/install';
import { ModelStore } from '../../../../src/app/models/store';
import { MODELS_CACHE } from '../../../../src/storage/layout';
import { createStoredSource } from '../../../../src/storage/storedSource';
import { checkPackageFiles } from '../../../../src/engine';
import { FakeCaches, quotaError } from './helpers';
import { fakeHub, MAIN_SHA, tinySnapshot } from './hubHelpers';
import { sameBytes } from '../../engine/helpers/bytes';

const WEIGHTS = ['text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors'];

function notAmused(): Map<string, Uint8Array> {
  const files = tinySnapshot();
  const index = JSON.parse(new TextDecoder().decode(files.get('model_index.json'))) as Record<string, unknown>;
  index._class_name = 'StableDiffusionPipeline';
  files.set('model_index.json', new TextEncoder().encode(JSON.stringify(index)));
  return files;
}

function otherWidth(): Map<string, Uint8Array> {
  const files = tinySnapshot();
  const cfg = JSON.parse(new TextDecoder().decode(files.get('transformer/config.json'))) as Record<string, unknown>;
  cfg.norm_type = 'layernorm';
  files.set('transformer/config.json', new TextEncoder().encode(JSON.stringify(cfg)));
  return files;
}

function setup() {
  const noCard = tinySnapshot();
  noCard.delete('README.md');
  const hub = fakeHub(
    { 'test/tiny': tinySnapshot(), 'test/nocard': noCard, 'test/sd': notAmused(), 'test/odd': otherWidth(), 'test/private': tinySnapshot() },
    { private: ['test/private'] },
  );
  return { hub, prepare: (id: string, variant?: 'fp16' | 'fp32', estimate = async () => ({ usage: 0, quota: 10 ** 9 })) => prepareHubModel(id, { fetch: hub.fetch, estimate, ...(variant ? { files: { wanted: variant } } : {}) }) };
}

async function failure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    return e as HubError;
  }
  throw new Error('expected the lookup to fail');
}

describe('looking a Hugging Face model up', () => {
  it('says the size, licence, precision, memory and room before downloading any weights', async () => {
    const { hub, prepare } = setup();
    const files = tinySnapshot();
    const { summary } = await prepare('test/tiny');
    expect(summary.id).toBe('test/tiny@main');
    expect(summary.license).toBe('openrail++');
    expect(summary.commit).toBe(MAIN_SHA);
    expect(summary.variant).toBe('fp32');
    expect(summary.otherVariant).toBe(true);
    expect(summary.weights.map((w) => w.path).sort()).toEqual(WEIGHTS);
    expect(summary.downloadBytes).toBe(WEIGHTS.reduce((n, p) => n + files.get(p)!.length, 0));
    expect(summary.storedBytes).toBeGreaterThan(summary.downloadBytes);
    expect(summary.imageSize).toBe(256);
    expect(summary.needs.storedDtype).toBe('F32');
    expect(summary.needs.parameters).toBeGreaterThan(0);
    expect(summary.needs.memoryBytes).toBeGreaterThan(summary.downloadBytes);
    expect(summary.free).toBe(10 ** 9);
    // Only headers of the weights were read (byte ranges), never a whole weights file.
    const whole = hub.requests.filter((r) => r.url.endsWith('.safetensors') && !r.range);
    expect(whole).toEqual([]);
  });

  it('offers the fp16 files: half the download, weights widened to float32 to run', async () => {
    const { prepare } = setup();
    const files = tinySnapshot();
    const { summary } = await prepare('test/tiny', 'fp16');
    expect(summary.variant).toBe('fp16');
    expect(summary.needs.storedDtype).toBe('F16');
    expect(summary.downloadBytes).toBe(WEIGHTS.map((p) => p.replace('.safetensors', '.fp16.safetensors')).reduce((n, p) => n + files.get(p)!.length, 0));
    const runs = hubSummaryLines(summary, 'wasm').find((l) => l.label === 'Runs on')!;
    expect(runs.text).toMatch(/^WASM \(CPU\), in float32 \(fp16 weights widened/);
  });

  it('says fp16 compute only on WebGPU with shader-f16, with that precision\u2019s memory', async () => {
    const { prepare } = setup();
    const line = (s: HubSummary, backend: string, f16?: boolean) => hubSummaryLines(s, backend, f16).find((l) => l.label === 'Runs on')!.text;
    const memory = (s: HubSummary, backend: string, f16?: boolean) => hubSummaryLines(s, backend, f16).find((l) => l.label === 'Memory')!.text;
    const { summary: half } = await prepare('test/tiny', 'fp16');
    expect(line(half, 'webgpu', true)).toMatch(/^WebGPU, in fp16 \(the transformer, its fp16 weights as stored; text encoder and image decoder in float32\)/);
    expect(line(half, 'webgpu', false)).toMatch(/^WebGPU, in float32 \(fp16 weights widened/);
    expect(line(half, 'wasm', true)).toMatch(/^WASM \(CPU\), in float32 \(fp16 weights widened/);
    expect(memory(half, 'webgpu', true)).toBe(`about ${formatBytes(half.needs.memoryFp16Bytes)}`);
    expect(half.needs.memoryFp16Bytes).toBeLessThan(half.needs.memoryBytes);
    const { summary: full } = await prepare('test/tiny');
    expect(line(full, 'webgpu', true)).toMatch(/^WebGPU, in fp16 \(the transformer, its fp32 weights narrowed as they load;/);
    expect(line(full, 'webgpu')).toMatch(/^WebGPU, in float32;/);
  });

  it('words the summary, with warnings for no licence, no room and a model too big for WASM', async () => {
    const { prepare } = setup();
    const { summary } = await prepare('test/nocard', undefined, async () => ({ usage: 0, quota: 1000 }));
    expect(summary.license).toBeUndefined();
    const lines = hubSummaryLines(summary, 'webgpu');
    expect(lines.find((l) => l.label === 'Licence')).toMatchObject({ warn: true, text: expect.stringMatching(/not stated in the model card/) });
    expect(lines.find((l) => l.label === 'Storage')).toMatchObject({ warn: true, text: expect.stringMatching(/^not enough room: it needs .* and the browser allows 1000 B more/) });
    expect(hubHasRoom(summary)).toBe(false);
    expect(lines.find((l) => l.label === 'Runs on')!.text).toMatch(/^WebGPU, in float32; 256×256 px, 0\.\d M parameters$/);

    const big: HubSummary = { ...summary, needs: { ...summary.needs, memoryBytes: 5 * 1024 ** 3 } };
    expect(hubSummaryLines(big, 'wasm').find((l) => l.label === 'Memory')).toMatchObject({ warn: true, text: expect.stringMatching(/needs WebGPU/) });
    expect(hubSummaryLines(big, 'webgpu').find((l) => l.label === 'Memory')!.warn).toBeUndefined();
    // aMUSEd-256's fp32 files: 3.76 GB by snapshotNeeds, close to the WASM heap's 4 GiB.
    const amused256: HubSummary = { ...summary, needs: { ...summary.needs, memoryBytes: 3_762_275_458 } };
    expect(hubSummaryLines(amused256, 'wasm').find((l) => l.label === 'Memory')).toMatchObject({ warn: true, text: 'about 3.50 GB: close to the 4.00 GB WASM allows; it may not load without WebGPU' });
    expect(hubSummaryLines(summary, 'wasm').find((l) => l.label === 'Memory')!.warn).toBeUndefined();
  });
});

describe('a lookup that fails says why', () => {
  it('a text that is not a model id', () => {
    expect(() => hubIdOf('')).toThrow(/Type a Hugging Face model id, e.g. amused\/amused-256/);
    expect(() => hubIdOf('just-a-name')).toThrow(/"just-a-name" is not a Hugging Face model id: type owner\/name/);
    expect(hubIdOf(' https://huggingface.co/amused/amused-256/ ')).toBe('amused/amused-256');
    expect(hubIdOf('amused/amused-512', 'refs/pr/3')).toBe('amused/amused-512@refs/pr/3');
  });

  it('an unknown repo (404) and a private one (401)', async () => {
    const { prepare } = setup();
    const missing = await failure(prepare('test/nothing'));
    expect(missing.kind).toBe('access');
    expect(missing.message).toMatch(/test\/nothing@main: the file listing not found \(HTTP 404\): check the model id and revision/);
    const priv = await failure(prepare('test/private'));
    expect(priv.kind).toBe('access');
    expect(priv.message).toMatch(/HTTP 401.*private or gated/);
  });

  it('a repo that is not an aMUSEd snapshot, naming the file and field', async () => {
    const { prepare } = setup();
    const sd = await failure(prepare('test/sd'));
    expect(sd.kind).toBe('not-amused');
    expect(sd.message).toMatch(/test\/sd cannot run in this studio: model_index.json: field "_class_name" is "StableDiffusionPipeline"/);
    const odd = await failure(prepare('test/odd'));
    expect(odd.message).toMatch(/transformer\/config.json.*norm_type/);
  });

  it('a repo with pickled .bin weights only, a corrupt safetensors header, a truncated tensor: refused at lookup', async () => {
    const vq = 'vqvae/diffusion_pytorch_model.safetensors';
    const binOnly = tinySnapshot();
    for (const p of [...binOnly.keys()]) {
      if (p.startsWith('transformer/') && p.endsWith('.safetensors')) binOnly.delete(p);
    }
    binOnly.set('transformer/diffusion_pytorch_model.bin', new Uint8Array(64));
    const corrupt = tinySnapshot();
    const header = corrupt.get(vq)!;
    header[8] = 0x5b; // the JSON header is no longer an object
    header.fill(0x20, 9, 40);
    const truncated = tinySnapshot();
    truncated.set(vq, truncated.get(vq)!.slice(0, -100));
    const hub = fakeHub({ 'test/bin': binOnly, 'test/corrupt': corrupt, 'test/truncated': truncated });
    const lookUp = (id: string) => failure(prepareHubModel(id, { fetch: hub.fetch }));
    const cases: Array<[string, RegExp]> = [
      ['test/bin', /^test\/bin cannot run in this studio: transformer\/diffusion_pytorch_model\.bin: pickled weights .* not loaded/],
      ['test/corrupt', /^test\/corrupt cannot run in this studio: vqvae\/diffusion_pytorch_model\.safetensors: not a usable safetensors file/],
      ['test/truncated', /^test\/truncated cannot run in this studio: vqvae\/diffusion_pytorch_model\.safetensors: .*file is shorter \(truncated download\?\)/],
    ];
    for (const [id, message] of cases) {
      const e = await lookUp(id);
      expect(e.kind).toBe('not-amused');
      expect(e.message).toMatch(message);
    }
    // Only listings and headers were read: nothing to store, nothing downloaded whole.
    expect(hub.requests.filter((r) => r.url.endsWith('.safetensors') && !r.range)).toEqual([]);
  });

  it('no network', async () => {
    const { hub, prepare } = setup();
    hub.offline = true;
    const e = await failure(prepare('test/tiny'));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/Could not reach the Hugging Face Hub .*offline.*Models already stored keep working offline/);
  });
});

describe('downloading a Hugging Face model', () => {
  const origin = { kind: 'hub', id: 'test/tiny@main' } as const;

  it('stores it like a package: weights checked, licence recorded, listed', async () => {
    const { hub, prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const model = await prepare('test/tiny');
    const before = hub.requests.length;
    const progress: Record<string, number> = {};
    const { record } = await installPackage(model.source(new AbortController().signal), origin, store, {
      onFile: (path, change) => {
        if (change.received !== undefined) progress[path] = Math.max(progress[path] ?? 0, change.received);
      },
    });
    expect(record.license).toBe('openrail++');
    expect(record.origin).toEqual(origin);
    expect(record.displayName).toBe('test/tiny');
    expect((await store.list()).packages.map((p) => p.id)).toEqual([record.id]);
    // Each weights file downloaded once, whole, with its bytes reported as they came.
    const downloads = hub.requests.slice(before).map((r) => new URL(r.url).pathname);
    expect(downloads.sort()).toEqual(WEIGHTS.map((p) => `/test/tiny/resolve/${MAIN_SHA}/${p}`).sort());
    for (const p of WEIGHTS) expect(progress[p]).toBe(tinySnapshot().get(p)!.length);
    for (const p of [...WEIGHTS, 'transformer/base.onnx', 'manifest.json']) expect(await store.readFile(record.id, p)).toBeDefined();
    // What the worker reads (never the network): a package whose every file matches its manifest.
    const check = await checkPackageFiles(createStoredSource(record.id, caches));
    expect(check.problems).toEqual([]);
    expect(check.files).toBe(record.files - 1);
    // "Check files" streams each stored file: a flipped byte and an evicted file are both named.
    const cache = await caches.open(MODELS_CACHE);
    const key = (p: string) => `/__muse-models/pkg/${record.id}/files/${p}`;
    cache.entries.get(key(WEIGHTS[1]))!.body[5000] ^= 1;
    cache.entries.delete(key(WEIGHTS[2]));
    const damaged = await checkPackageFiles(createStoredSource(record.id, caches));
    expect(damaged.problems.map((p) => p.path).sort()).toEqual([WEIGHTS[1], WEIGHTS[2]]);
    expect(damaged.problems.find((p) => p.path === WEIGHTS[1])!.message).toMatch(/^sha256 mismatch/);
    expect(damaged.problems.find((p) => p.path === WEIGHTS[2])!.message).toMatch(/is missing from this browser/);
  });

  it('streams each weights file into storage as it arrives, holding one chunk at a time', async () => {
    const { hub, prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const cache = await caches.open(MODELS_CACHE);
    const CHUNK = 4096;
    hub.chunk = CHUNK;
    // Bytes the Hub has handed out that storage has not yet received: what the downloader holds.
    let stored = 0;
    let held = 0;
    cache.onWrite = (key, chunk) => {
      if (!key.endsWith('.safetensors')) return;
      stored += chunk.byteLength;
      held = Math.max(held, hub.served - stored + chunk.byteLength);
    };
    const model = await prepare('test/tiny');
    hub.served = 0;
    const { record } = await installPackage(model.source(new AbortController().signal), origin, store);
    const transformer = 'transformer/diffusion_pytorch_model.safetensors';
    const size = tinySnapshot().get(transformer)!.length;
    expect(size).toBeGreaterThan(90 * CHUNK);
    expect(cache.writes.get(`/__muse-models/pkg/${record.id}/files/${transformer}`)).toBe(Math.ceil(size / CHUNK));
    expect(stored).toBe(hub.served);
    expect(held).toBeLessThanOrEqual(2 * CHUNK);
    expect((await checkPackageFiles(createStoredSource(record.id, caches))).problems).toEqual([]);
  });

  it('pins the revision to its commit: a branch that moves mid-download does not mix files', async () => {
    const { hub, prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const model = await prepare('test/tiny');
    expect(hubSummaryLines(model.summary, 'wasm').find((l) => l.label === 'Revision')!.text).toBe('main at commit aaaaaaa (every file is read at that commit)');
    // Once the first weights file is stored, main moves to a commit whose weights all differ.
    const moved = tinySnapshot();
    for (const p of WEIGHTS) moved.get(p)![moved.get(p)!.length - 1] ^= 0xff;
    const NEW = 'b'.repeat(40);
    const before = hub.requests.length;
    const { record } = await installPackage(model.source(new AbortController().signal), origin, store, {
      onFile: (path, change) => {
        if (path === WEIGHTS[0] && change.state === 'stored') hub.move('test/tiny', moved, NEW);
      },
    });
    const fetched = hub.requests.slice(before).map((r) => new URL(r.url).pathname);
    expect(fetched.sort()).toEqual(WEIGHTS.map((p) => `/test/tiny/resolve/${MAIN_SHA}/${p}`).sort());
    const first = tinySnapshot();
    for (const p of WEIGHTS) expect(sameBytes(await store.readFile(record.id, p), first.get(p)), p).toBe(true);
    expect((await checkPackageFiles(createStoredSource(record.id, caches))).problems).toEqual([]);
    // A later lookup sees the new commit: another package, read wholly at that commit.
    const later = await prepare('test/tiny');
    expect(later.summary.commit).toBe(NEW);
    const again = await installPackage(later.source(new AbortController().signal), origin, store);
    expect(again.record.id).not.toBe(record.id);
    for (const p of WEIGHTS) expect(sameBytes(await store.readFile(again.record.id, p), moved.get(p)), p).toBe(true);
  });

  it('refuses weights whose sha256 differs from the Hub listing, storing nothing', async () => {
    const { hub, prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    hub.wrongOid.add('vqvae/diffusion_pytorch_model.safetensors');
    const model = await prepare('test/tiny');
    const err = await installPackage(model.source(new AbortController().signal), origin, store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect((err as InstallError).kind).toBe('verify');
    expect((err as InstallError).message).toMatch(/vqvae\/diffusion_pytorch_model.safetensors: sha256 mismatch.*Nothing was stored/);
    expect([...(await caches.open(MODELS_CACHE)).entries.keys()]).toEqual([]);
  });

  it('resumes after the connection drops: the files already stored are not fetched again', async () => {
    const { hub, prepare } = setup();
    const store = new ModelStore(new FakeCaches());
    hub.dropOnce.add('vqvae/diffusion_pytorch_model.safetensors');
    const first = await prepare('test/tiny');
    const err = (await installPackage(first.source(new AbortController().signal), origin, store).catch((e: unknown) => e)) as InstallError;
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/connection to the Hugging Face Hub failed.*Resume continues from there/);
    // The file whose download broke off is not stored, not even its first bytes.
    expect(await store.hasFile(err.resumeId!, 'vqvae/diffusion_pytorch_model.safetensors')).toBe(false);
    // A later visit: looked up again (same manifest, same id), only the missing file fetched.
    const again = await prepare('test/tiny');
    const before = hub.requests.length;
    const { record } = await installPackage(again.source(new AbortController().signal), origin, store);
    expect(record.id).toBe(err.resumeId);
    const fetched = hub.requests.slice(before).map((r) => new URL(r.url).pathname);
    expect(fetched).toEqual([`/test/tiny/resolve/${MAIN_SHA}/vqvae/diffusion_pytorch_model.safetensors`]);
  });

  it('going offline mid-download keeps the verified files, none half-written, and says Resume continues', async () => {
    const { hub, prepare } = setup();
    const store = new ModelStore(new FakeCaches());
    hub.chunk = 4096;
    const model = await prepare('test/tiny');
    const transformer = 'transformer/diffusion_pytorch_model.safetensors';
    const err = (await installPackage(model.source(new AbortController().signal), origin, store, {
      onFile: (path, change) => {
        // The network goes away in the middle of the transformer's weights.
        if (path === transformer && (change.received ?? 0) > 50_000) hub.offline = true;
      },
    }).catch((e: unknown) => e)) as InstallError;
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/^transformer\/diffusion_pytorch_model.safetensors: the connection to the Hugging Face Hub failed.*\d+ of \d+ files .* are saved; Resume continues from there/);
    expect(await store.hasFile(err.resumeId!, WEIGHTS[0])).toBe(true);
    expect(await store.hasFile(err.resumeId!, transformer)).toBe(false);
    expect((await store.list()).packages).toEqual([]);
  });

  it('says so when storage fills up mid-download, keeping nothing', async () => {
    const { prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const cache = await caches.open(MODELS_CACHE);
    cache.failPut = (key) => (key.endsWith('transformer/diffusion_pytorch_model.safetensors') ? quotaError() : undefined);
    const model = await prepare('test/tiny');
    const err = (await installPackage(model.source(new AbortController().signal), origin, store).catch((e: unknown) => e)) as InstallError;
    expect(err.kind).toBe('quota');
    expect(err.message).toMatch(/^Not enough storage for test\/tiny .*Delete a model or free disk space, then try again. Nothing was stored./);
    expect([...cache.entries.keys()]).toEqual([]);
  });

  it('says so when storage fills up in the middle of a weights file, keeping nothing', async () => {
    const { prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const cache = await caches.open(MODELS_CACHE);
    cache.onWrite = (key, _chunk, written) => {
      if (key.endsWith('transformer/diffusion_pytorch_model.safetensors') && written > 100_000) throw quotaError();
    };
    const model = await prepare('test/tiny');
    const err = (await installPackage(model.source(new AbortController().signal), origin, store).catch((e: unknown) => e)) as InstallError;
    expect(err.kind).toBe('quota');
    expect(err.message).toMatch(/^Not enough storage for test\/tiny .*Nothing was stored./);
    expect([...cache.entries.keys()]).toEqual([]);
  });

  it('stops when cancelled, keeping nothing', async () => {
    const { prepare } = setup();
    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const model = await prepare('test/tiny');
    const controller = new AbortController();
    const err = (await installPackage(model.source(controller.signal), origin, store, {
      signal: controller.signal,
      onFile: (_p, change) => {
        if (change.state === 'stored') controller.abort();
      },
    }).catch((e: unknown) => e)) as InstallError;
    expect(err.kind).toBe('cancelled');
    expect((await store.list()).packages).toEqual([]);
    expect([...(await caches.open(MODELS_CACHE)).entries.keys()]).toEqual([]);
  });
});
