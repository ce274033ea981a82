/**
 * A diffusers snapshot folder picked or dropped in the Model panel (model_index.json, no
 * manifest): recognised (also as the only subfolder of what was picked), summarised like a Hub
 * model, and stored the same way — the same built graphs and the same weights files as the Hub
 * route gives for the same snapshot, each weights file streamed into storage.
 */
import { describe, expect, it, vi } from 'vitest';
import { checkPackageFiles } from '../../../../src/engine';
import { prepareFolderSnapshot, snapshotRoot } from '../../../../src/app/models/folderSnapshot';
import { prepareHubModel } from '../../../../src/app/models/hub';
import { hubSummaryLines } from '../../../../src/app/models/hubSummary';
import { installPackage } from '../../../../src/app/models/install';
import { ModelStore } from '../../../../src/app/models/store';
import { MODELS_CACHE } from '../../../../src/storage/layout';
import { createStoredSource } from '../../../../src/storage/storedSource';
import { FakeCaches } from './helpers';
import { fakeHub, tinySnapshot } from './hubHelpers';
import { sameBytes } from '../../engine/helpers/bytes';

/** Every incremental SHA-256 (hash-wasm) finished in this file: the bytes it hashed. */
const digests: number[] = [];
vi.mock('hash-wasm', async (importOriginal) => {
  const real = await importOriginal<typeof import('hash-wasm')>();
  return {
    ...real,
    async createSHA256() {
      const h = await real.createSHA256();
      let bytes = 0;
      return Object.assign(Object.create(h) as typeof h, {
        update(data: Uint8Array) {
          bytes += data.byteLength;
          h.update(data);
          return this;
        },
        digest(type: 'hex') {
          digests.push(bytes);
          return h.digest(type);
        },
      });
    },
  };
});

const WEIGHTS = ['text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors'];

function folderOf(name: string, files: Map<string, Uint8Array>, prefix = '') {
  return { name, files: new Map([...files].map(([p, b]) => [prefix + p, new File([b as Uint8Array<ArrayBuffer>], p.split('/').pop()!, { lastModified: Date.UTC(2024, 0, 2) })])) };
}

describe('a diffusers snapshot folder', () => {
  it('is recognised by its model_index.json, also inside the folder that was picked; a package folder is not', () => {
    expect(snapshotRoot(folderOf('amused-tiny', tinySnapshot()))?.name).toBe('amused-tiny');
    const parent = snapshotRoot(folderOf('downloads', tinySnapshot(), 'amused-tiny/'));
    expect(parent?.name).toBe('amused-tiny');
    expect(parent?.files.has('model_index.json')).toBe(true);
    const pkg = tinySnapshot();
    pkg.set('manifest.json', new Uint8Array(2));
    expect(snapshotRoot(folderOf('pkg', pkg))).toBeNull();
  });

  it('is summarised like a Hub model and stored the same way: same graphs, same weights, streamed', async () => {
    const model = await prepareFolderSnapshot(folderOf('amused-tiny', tinySnapshot()), { estimate: async () => ({ usage: 0, quota: 10 ** 9 }) });
    const { summary } = model;
    expect(summary).toMatchObject({ from: 'folder', id: 'amused-tiny', displayName: 'amused-tiny', license: 'openrail++', variant: 'fp32', otherVariant: true, imageSize: 256 });
    const lines = hubSummaryLines(summary, 'wasm');
    expect(lines.map((l) => l.label)).toEqual(['Copy', 'Files', 'Licence', 'Runs on', 'Memory', 'Storage']);
    expect(lines[0].text).toMatch(/^\d+\.\d KB from the folder \(3 fp32 weights files\); \d+\.\d (KB|MB) stored$/);

    const caches = new FakeCaches();
    const store = new ModelStore(caches);
    const { record } = await installPackage(model.source(), { kind: 'folder', name: 'amused-tiny' }, store);
    expect(record.license).toBe('openrail++');
    expect((await checkPackageFiles(createStoredSource(record.id, caches))).problems).toEqual([]);
    const cache = await caches.open(MODELS_CACHE);
    // A weights file arrives as the File's stream, not as one buffer (the fixture is small: ≥ 1 chunk).
    expect(cache.writes.get(`/__muse-models/pkg/${record.id}/files/${WEIGHTS[1]}`)).toBeGreaterThanOrEqual(1);

    // The Hub route over the same snapshot stores the same graphs and weights.
    const hub = fakeHub({ 'test/tiny': tinySnapshot() });
    const fromHub = await prepareHubModel('test/tiny', { fetch: hub.fetch });
    const hubRecord = (await installPackage(fromHub.source(new AbortController().signal), { kind: 'hub', id: 'test/tiny@main' }, store)).record;
    for (const p of [...WEIGHTS, 'transformer/base.onnx', 'text_encoder/model.onnx', 'vqvae/decoder.onnx', 'vqvae/encoder.onnx', 'text_encoder/tokenizer.json']) {
      expect(sameBytes(await store.readFile(record.id, p), await store.readFile(hubRecord.id, p)), p).toBe(true);
    }
  });

  it('offers the fp16 files, and refuses a snapshot outside the family naming the file and field', async () => {
    const fp16 = await prepareFolderSnapshot(folderOf('amused-tiny', tinySnapshot()), { files: { wanted: 'fp16' } });
    expect(fp16.summary.variant).toBe('fp16');
    expect(fp16.summary.weights.map((w) => w.path).every((p) => p.endsWith('.fp16.safetensors'))).toBe(true);
    const odd = tinySnapshot();
    const cfg = JSON.parse(new TextDecoder().decode(odd.get('transformer/config.json'))) as Record<string, unknown>;
    cfg.norm_type = 'layernorm';
    odd.set('transformer/config.json', new TextEncoder().encode(JSON.stringify(cfg)));
    await expect(prepareFolderSnapshot(folderOf('odd', odd))).rejects.toThrow(/transformer\/config.json.*norm_type/);
  });

  it('hashes each weights file once, from opening the folder to storing it; a file that cannot be read again says to pick the folder again', async () => {
    const snapshot = tinySnapshot();
    const folder = folderOf('amused-tiny', snapshot);
    digests.length = 0;
    const model = await prepareFolderSnapshot(folder);
    const { record } = await installPackage(model.source(), { kind: 'folder', name: 'amused-tiny' }, new ModelStore(new FakeCaches()));
    expect(record.files).toBeGreaterThan(WEIGHTS.length);
    // One streamed digest per weights file, of its whole length (small files are hashed whole by WebCrypto, once, at install).
    expect(digests.sort((a, b) => a - b)).toEqual(WEIGHTS.map((p) => snapshot.get(p)!.byteLength).sort((a, b) => a - b));

    // A weights file that reads once (the summary's hash) and then fails, as a File does after its file changed on disk.
    let reads = 0;
    class ChangedOnDisk extends File {
      override stream() {
        if (reads++ === 0) return super.stream();
        return new ReadableStream<Uint8Array<ArrayBuffer>>({ pull: (c) => c.error(new DOMException('The requested file could not be read', 'NotReadableError')) });
      }
    }
    const flaky = new ChangedOnDisk([snapshot.get(WEIGHTS[2]) as Uint8Array<ArrayBuffer>], 'diffusion_pytorch_model.safetensors');
    const changed = await prepareFolderSnapshot({ name: 'amused-tiny', files: new Map([...folder.files, [WEIGHTS[2], flaky]]) });
    const store = new ModelStore(new FakeCaches());
    await expect(installPackage(changed.source(), { kind: 'folder', name: 'amused-tiny' }, store)).rejects.toThrow(
      `${WEIGHTS[2]}: could not be read from the folder "amused-tiny" (The requested file could not be read): it may have changed or been moved since the folder was picked; pick the folder again. Nothing was stored.`,
    );
    expect((await store.list()).packages).toEqual([]);
  });
});
