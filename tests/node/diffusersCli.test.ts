/**
 * A diffusers aMUSEd snapshot run directly (src/engine/diffusers: graphs built from its configs,
 * weights read from its safetensors files) against the package the Python converter made from
 * the same checkpoint (tests/fixtures/amused-tiny*, converted from tests/fixtures/*-diffusers):
 * same prompt and seed ⇒ the same tokens and the same pixels (≤ 2/255), through the engine and
 * through `npm run generate -- --model DIR`.
 */
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/generate';
import { loadModel, type GenerateResult } from '../../src/engine';
import type { Variant } from '../../src/engine/diffusers';
import type { PackageSource } from '../../src/engine/package/source';
import { createFsSource } from '../../src/node/fsSource';
import { openSnapshotFolder } from '../../src/node/snapshotPackage';
import { tempDir, captureIo } from './helpers';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir('muse-diffusers-');
});
afterAll(async () => {
  await tmp?.cleanup();
});

const REQUEST = { prompt: 'a photo of a red cat at sunset', negativePrompt: 'blue', seed: 1234, count: 2, base: { steps: 4 } };

/** Largest per-channel difference between two RGBA buffers, in 1/255 steps. */
function maxPixelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function generateConverted(pkg: string): Promise<GenerateResult> {
  const model = await loadModel(createFsSource(pkg), { ort, executionProviders: ['cpu'] });
  try {
    return await model.generate(REQUEST, { previews: false });
  } finally {
    await model.release();
  }
}

/** As the CLI opens a snapshot folder: hashed once, graphs opened by onnxruntime-node from disk. */
async function generateDirect(dir: string, variant?: Variant): Promise<GenerateResult> {
  const { source, verify } = await openSnapshotFolder(dir, variant);
  const model = await loadModel(source, { ort, executionProviders: ['cpu'], verify });
  try {
    return await model.generate(REQUEST, { previews: false });
  } finally {
    await model.release();
  }
}

// The fp16 files are compared with the package the converter made from those same files
// (`--variant fp16`, tests/fixtures/amused-tiny-fp16): fp16 weights are not the fp32 ones.
describe.each([
  ['amused-tiny-diffusers', undefined, 'amused-tiny', 256],
  ['amused-tiny-512-diffusers', undefined, 'amused-tiny-512', 512],
  ['amused-tiny-diffusers', 'fp16', 'amused-tiny-fp16', 256],
] as const)('%s (%s weights) vs %s, converted by Python', (snapshot, variant, pkg, size) => {
  it('same seed ⇒ identical tokens and pixels within 2/255', async () => {
    const want = await generateConverted(`tests/fixtures/${pkg}`);
    const got = await generateDirect(`tests/fixtures/${snapshot}`, variant);
    expect(got.images.map((i) => [i.width, i.height])).toEqual([[size, size], [size, size]]);
    for (let k = 0; k < 2; k++) {
      expect(Array.from(got.tokens.base[k])).toEqual(Array.from(want.tokens.base[k]));
      expect(maxPixelDiff(got.images[k].data, want.images[k].data)).toBeLessThanOrEqual(2);
    }
  });
});


async function cliPixels(model: string, out: string): Promise<{ width: number; height: number; data: ArrayLike<number> }> {
  const io = captureIo();
  const code = await runCli(['--model', model, '--prompt', 'a small house by the sea', '--seed', '7', '--steps', '3', '--out', out], io);
  expect(io.err.filter((l) => l.startsWith('error'))).toEqual([]);
  expect(code).toBe(0);
  return decode(await readFile(out));
}

describe('npm run generate -- --model DIR on a diffusers folder', () => {
  it('detects the snapshot and writes the converted package’s image', async () => {
    const direct = await cliPixels('tests/fixtures/amused-tiny-diffusers', join(tmp.dir, 'direct.png'));
    const converted = await cliPixels('tests/fixtures/amused-tiny', join(tmp.dir, 'converted.png'));
    expect([direct.width, direct.height]).toEqual([256, 256]);
    expect(maxPixelDiff(direct.data, converted.data)).toBeLessThanOrEqual(2);
  });

  it('runs a snapshot that has only the fp16 variant files', async () => {
    const dir = join(tmp.dir, 'fp16-only');
    await cp('tests/fixtures/amused-tiny-diffusers', dir, { recursive: true });
    for (const f of ['transformer/diffusion_pytorch_model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors', 'text_encoder/model.safetensors']) await rm(join(dir, f));
    const direct = await cliPixels(dir, join(tmp.dir, 'fp16.png'));
    const converted = await cliPixels('tests/fixtures/amused-tiny-fp16', join(tmp.dir, 'fp16-converted.png'));
    expect(maxPixelDiff(direct.data, converted.data)).toBeLessThanOrEqual(2);
  });

  it('refuses a snapshot with pickled weights, naming the file', async () => {
    const dir = join(tmp.dir, 'pickled');
    await cp('tests/fixtures/amused-tiny-diffusers', dir, { recursive: true });
    for (const f of ['diffusion_pytorch_model.safetensors', 'diffusion_pytorch_model.fp16.safetensors']) await rm(join(dir, 'vqvae', f));
    await cp('tests/fixtures/amused-tiny-diffusers/vqvae/config.json', join(dir, 'vqvae/diffusion_pytorch_model.bin'));
    const io = captureIo();
    expect(await runCli(['--model', dir, '--prompt', 'a', '--out', join(tmp.dir, 'x.png')], io)).toBe(1);
    expect(io.err.join('\n')).toMatch(/vqvae\/diffusion_pytorch_model\.bin: pickled weights .* not loaded/);
  });
});

/**
 * As the worker loads a snapshot: `preferFp16` is what it passes on WebGPU with shader-f16
 * (src/worker/models.ts), false on WASM and on adapters without the feature. Records the graphs opened.
 */
async function generateAt(dir: string, variant: Variant | undefined, preferFp16: boolean): Promise<{ result: GenerateResult; opened: string[] }> {
  const { source, verify } = await openSnapshotFolder(dir, variant);
  const opened: string[] = [];
  const spy: PackageSource = {
    label: source.label,
    read: (path) => (opened.push(path), source.read(path)),
    graphFile: (path, data) => (opened.push(path), source.graphFile ? source.graphFile(path, data) : Promise.resolve(undefined)),
  };
  const model = await loadModel(spy, { ort, executionProviders: ['cpu'], verify, preferFp16 });
  try {
    return { result: await model.generate(REQUEST, { previews: false }), opened };
  } finally {
    await model.release();
  }
}

describe.each([
  ['amused-tiny-diffusers', undefined],
  ['amused-tiny-512-diffusers', undefined],
  ['amused-tiny-diffusers', 'fp16'],
] as const)('%s (%s weights): the fp16-compute transformer in a generation', (snapshot, variant) => {
  it('runs on shader-f16 (preferFp16) only, and samples the float32 run’s tokens', async () => {
    const dir = `tests/fixtures/${snapshot}`;
    const fp32 = await generateAt(dir, variant, false);
    const fp16 = await generateAt(dir, variant, true);
    expect(fp32.opened).toContain('transformer/base.onnx');
    expect(fp32.opened).not.toContain('transformer/base.fp16.onnx');
    expect(fp16.opened).toContain('transformer/base.fp16.onnx');
    expect(fp16.opened).not.toContain('transformer/base.onnx');
    // Not identical: a logit that fp16 rounding moves past another changes one sampled token, and
    // later steps condition on it. These random-init checkpoints have nearly flat logits (the
    // worst case); measured agreement 100 % / 99.6 % (256), 63 % / 90 % (512), 100 % / 100 % (fp16
    // files), against 1/64 for unrelated runs. Half the tokens is far above chance.
    let same = 0;
    let all = 0;
    for (let k = 0; k < 2; k++) {
      const a = fp16.result.tokens.base[k];
      const b = fp32.result.tokens.base[k];
      for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
      all += a.length;
    }
    expect(same / all).toBeGreaterThan(0.5);
  });
});
