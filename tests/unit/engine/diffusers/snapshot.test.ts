import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemorySnapshot, openSnapshot, type SnapshotSource } from '../../../../src/engine/diffusers';
import { createFsSnapshotSource } from '../../../../src/node/fsSnapshotSource';

const DIR256 = 'tests/fixtures/amused-tiny-diffusers';
const DIR512 = 'tests/fixtures/amused-tiny-512-diffusers';

/** Every file of a fixture snapshot, in memory, so a test can alter one. */
function filesOf(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, p)).isDirectory()) walk(p);
      else out.set(p, new Uint8Array(readFileSync(join(dir, p))));
    }
  };
  walk('');
  return out;
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const parsed = (files: Map<string, Uint8Array>, path: string): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(files.get(path))) as Record<string, unknown>;

function altered(dir: string, edit: (files: Map<string, Uint8Array>) => void): SnapshotSource {
  const files = filesOf(dir);
  edit(files);
  return createMemorySnapshot('altered', files);
}

describe('openSnapshot on the diffusers-layout fixtures', () => {
  it('reads the 256-style snapshot from a folder: configs, sizes, mask token, fp32 weights', async () => {
    const s = await openSnapshot(createFsSnapshotSource(DIR256));
    expect(s.grid).toBe(16);
    expect(s.imageSize).toBe(256);
    expect(s.maskTokenId).toBe(71);
    expect(s.transformer.config.hidden_size).toBe(32);
    expect(s.transformer.weights.path).toBe('transformer/diffusion_pytorch_model.safetensors');
    expect(s.textEncoder.weights.path).toBe('text_encoder/model.safetensors');
    expect(s.tokenizerFiles).toContain('tokenizer/vocab.json');
    // The header accounts for every byte of the file.
    expect(s.transformer.weights.fileBytes).toBe(statSync(join(DIR256, s.transformer.weights.path)).size);
    const emb = s.transformer.weights.tensors.get('embed.embeddings.weight');
    expect(emb).toMatchObject({ dtype: 'F32', shape: [72, 16], byteLength: 72 * 16 * 4 });
  });

  it('reads the 512-style snapshot (down/up-sampling, 32×32 tokens)', async () => {
    const s = await openSnapshot(createFsSnapshotSource(DIR512));
    expect(s.transformer.config.downsample).toBe(true);
    expect([s.grid, s.imageSize]).toEqual([32, 512]);
  });

  it('reads the fp16 variant files when asked, and takes them when they are the only ones', async () => {
    const s = await openSnapshot(createFsSnapshotSource(DIR256), { variant: 'fp16' });
    expect(s.vqvae.weights.path).toBe('vqvae/diffusion_pytorch_model.fp16.safetensors');
    expect(s.transformer.weights.tensors.get('embed.embeddings.weight')?.dtype).toBe('F16');
    const only16 = altered(DIR256, (f) => f.delete('text_encoder/model.safetensors'));
    expect((await openSnapshot(only16)).textEncoder.weights.path).toBe('text_encoder/model.fp16.safetensors');
  });
});

describe('openSnapshot refuses what it cannot run, naming the file and the field', () => {
  it('pickled .bin weights', async () => {
    const src = altered(DIR256, (f) => {
      f.delete('transformer/diffusion_pytorch_model.safetensors');
      f.delete('transformer/diffusion_pytorch_model.fp16.safetensors');
      f.set('transformer/diffusion_pytorch_model.bin', new Uint8Array(8));
    });
    await expect(openSnapshot(src)).rejects.toThrow(/transformer\/diffusion_pytorch_model\.bin: pickled weights .* not loaded/);
  });

  it('another pipeline, another transformer class, a field outside the family, an unknown field', async () => {
    const cases: [(f: Map<string, Uint8Array>) => void, RegExp][] = [
      [(f) => f.set('model_index.json', json({ _class_name: 'StableDiffusionPipeline' })), /model_index\.json: field "_class_name" is "StableDiffusionPipeline"/],
      [(f) => f.set('transformer/config.json', json({ ...parsed(f, 'transformer/config.json'), _class_name: 'UNet2DConditionModel' })), /transformer\/config\.json: field "_class_name"/],
      [(f) => f.set('transformer/config.json', json({ ...parsed(f, 'transformer/config.json'), hidden_size: 30 })), /transformer\/config\.json: field "num_attention_heads" \(4\) does not divide hidden_size 30/],
      [(f) => f.set('transformer/config.json', json({ ...parsed(f, 'transformer/config.json'), use_swiglu: true })), /transformer\/config\.json: unknown config field\(s\) "use_swiglu"/],
      [(f) => f.set('vqvae/config.json', json({ ...parsed(f, 'vqvae/config.json'), norm_type: 'spatial' })), /vqvae\/config\.json: field "norm_type" is "spatial"/],
      [(f) => f.set('transformer/config.json', json({ ...parsed(f, 'transformer/config.json'), encoder_hidden_size: 64 })), /transformer\/config\.json: field "encoder_hidden_size" is 64 but text_encoder hidden_size is 32/],
      [(f) => f.set('scheduler/scheduler_config.json', json({ mask_token_id: 3 })), /scheduler_config\.json: field "mask_token_id" 3/],
    ];
    for (const [edit, message] of cases) await expect(openSnapshot(altered(DIR256, edit))).rejects.toThrow(message);
  });

  it('a corrupt safetensors header and a truncated tensor', async () => {
    const path = 'vqvae/diffusion_pytorch_model.safetensors';
    const corrupt = altered(DIR256, (f) => {
      const b = f.get(path)!.slice();
      b[8] = 0x5b; // '{' -> '[': the header is no longer an object
      b.fill(0x20, 9, 40);
      f.set(path, b);
    });
    await expect(openSnapshot(corrupt)).rejects.toThrow(/vqvae\/diffusion_pytorch_model\.safetensors: not a usable safetensors file/);
    const truncated = altered(DIR256, (f) => f.set(path, f.get(path)!.slice(0, -100)));
    await expect(openSnapshot(truncated)).rejects.toThrow(/safetensors: .*file is shorter \(truncated download\?\)/);
  });
});
