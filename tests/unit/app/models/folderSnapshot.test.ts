/**
 * A diffusers snapshot folder picked or dropped in the Model panel (model_index.json, no
 * manifest): recognised (also as the only subfolder of what was picked), summarised like a Hub
 * model, and stored the same way — the same built graphs and the same weights files as the Hub
 * route gives for the same snapshot, each weights file streamed into storage.
 */
import { describe, expect, it } from 'vitest';
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
      expect(await store.readFile(record.id, p), p).toEqual(await store.readFile(hubRecord.id, p));
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
});
