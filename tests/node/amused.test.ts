/**
 * The engine on converted aMUSEd-layout packages (training/make_amused_fixtures.py: tiny random
 * checkpoints with aMUSEd's real key names and config fields, converted by training/convert):
 * a CLIP text encoder with penultimate + pooled outputs, a micro-conditioned single-stage
 * transformer, pixels in [0, 1], external-data graphs, an fp16 copy of the transformer, 16×16
 * and 32×32 token grids. Random weights, so only structure is checked: sizes, determinism,
 * agreement with PyTorch where the engine computes something itself, pixels kept outside masks.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type EditRequest, type GenerateRequest, type LoadedModel, type Progress } from '../../src/engine';
import { createClipPromptEncoder } from '../../src/engine/text/promptEncoder';
import { loadTokenizer } from '../../src/engine/text/tokenizer';
import type { PackageSource } from '../../src/engine/package/source';
import { createFsSource } from '../../src/node/fsSource';
import { diff, photo, rectMask, tempDir } from './helpers';

const AMUSED = fileURLToPath(new URL('../fixtures/amused-tiny', import.meta.url));
const AMUSED_512 = fileURLToPath(new URL('../fixtures/amused-tiny-512', import.meta.url));
const EXPECTED = fileURLToPath(new URL('../fixtures/amused-tiny-expected.json', import.meta.url));

const load = (dir: string | PackageSource, preferFp16 = false): Promise<LoadedModel> =>
  loadModel(typeof dir === 'string' ? createFsSource(dir) : dir, { ort, executionProviders: ['cpu'], preferFp16 });

const maxRelErr = (got: ArrayLike<number>, want: ArrayLike<number>): number => {
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
};

const tokensOf = (r: { tokens: { base: Int32Array[] } }) => r.tokens.base.map((t) => Array.from(t));

/** The manifest fields the variants change. */
interface ManifestJson {
  stages: { base: { microConditioning: { values: number[] }; confidenceSchedule?: string } };
}

/** A copy of a package with its manifest changed (the manifest is not hashed). */
async function variant(dir: string, change: (m: ManifestJson) => void): Promise<{ source: PackageSource; cleanup(): Promise<void> }> {
  const tmp = await tempDir('muse-amused-');
  const pkg = join(tmp.dir, 'pkg');
  await cp(dir, pkg, { recursive: true });
  const m = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8')) as ManifestJson;
  change(m);
  await writeFile(join(pkg, 'manifest.json'), JSON.stringify(m));
  return { source: createFsSource(pkg), cleanup: tmp.cleanup };
}

describe('CLIP prompt encoding (engine code on the converted text encoder)', () => {
  interface Expected {
    maxLength: number;
    padTokenId: number;
    encoded: Record<string, { hidden_states: number[]; text_embeds: number[] }>;
  }

  it('equals transformers: penultimate hidden states (all 77 rows) and text_embeds; "" is cached', async () => {
    const expected = JSON.parse(await readFile(EXPECTED, 'utf8')) as Expected;
    const manifest = JSON.parse(await readFile(join(AMUSED, 'manifest.json'), 'utf8')) as { textEncoder: { hiddenSize: number; projectionDim: number }; externalData: Record<string, string> };
    const session = await ort.InferenceSession.create(await readFile(join(AMUSED, 'text_encoder/model.onnx')), {
      executionProviders: ['cpu'],
      externalData: [{ path: 'model.onnx.data', data: await readFile(join(AMUSED, manifest.externalData['text_encoder/model.onnx'])) }],
    });
    const tokJson: unknown = JSON.parse(await readFile(join(AMUSED, 'text_encoder/tokenizer.json'), 'utf8'));
    const tok = loadTokenizer(tokJson, { maxLength: expected.maxLength, padTokenId: expected.padTokenId }, 'tokenizer.json');
    const enc = createClipPromptEncoder(ort, session, tok, manifest.textEncoder, 'text_encoder/model.onnx');
    const D = manifest.textEncoder.hiddenSize;
    for (const [prompt, want] of Object.entries(expected.encoded)) {
      const got = await enc.encode(prompt);
      expect(got.states).toHaveLength(77 * D);
      expect(maxRelErr(got.states, want.hidden_states)).toBeLessThan(1e-4);
      expect(maxRelErr(got.pooled!, want.text_embeds)).toBeLessThan(1e-4);
      // Padding rows are encoder output, not zeros.
      expect(got.states.subarray(76 * D).some((x) => x !== 0)).toBe(true);
    }
    expect(await enc.encode('')).toBe(await enc.encode(''));
    await session.release();
  });
});

describe('generation on amused-tiny (256 px, 16×16 tokens, external data)', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await load(AMUSED);
  });
  afterAll(async () => {
    await model?.release();
  });
  const req: GenerateRequest = { prompt: 'a photo of a red cat at sunset', seed: 4321 };

  it('uses the manifest defaults, one stage, and returns 256×256 images of valid tokens', async () => {
    const events: Progress[] = [];
    const r = await model.generate(req, { onProgress: (p) => events.push(p) });
    expect(r.settings).toEqual({ base: { steps: 12, guidance: 10, guidanceRamp: 'none', temperature: 1, confidenceNoise: 2 } });
    expect(r.tokens.superRes).toBeUndefined();
    expect(r.tokens.base[0]).toHaveLength(256);
    expect(r.tokens.base[0].every((t) => t >= 0 && t < 64)).toBe(true);
    expect(r.images[0].width).toBe(256);
    expect(r.images[0].height).toBe(256);
    expect(events.map((e) => e.stage)).toEqual(['text', ...Array<string>(12).fill('base'), 'decode']);
    const base = events.filter((e) => e.stage === 'base');
    expect(base.slice(0, -1).every((e) => e.preview?.[0].width === 256)).toBe(true);
    expect(base.at(-1)?.preview).toBeUndefined(); // the result's decode, not a preview, shows the final tokens
    expect(r.timings['superRes']).toBeUndefined();
    expect(r.promptTruncated).toBe(false);
  });

  it('same seed ⇒ same tokens and pixels; seed, prompt and negative prompt change them', async () => {
    const a = await model.generate(req, { previews: false });
    const b = await model.generate(req, { previews: false });
    expect(tokensOf(b)).toEqual(tokensOf(a));
    expect(b.images[0].data).toEqual(a.images[0].data);
    expect(tokensOf(await model.generate({ ...req, seed: 4322 }, { previews: false }))).not.toEqual(tokensOf(a));
    expect(tokensOf(await model.generate({ ...req, prompt: 'a blue dog' }, { previews: false }))).not.toEqual(tokensOf(a));
    expect(tokensOf(await model.generate({ ...req, negativePrompt: 'night' }, { previews: false }))).not.toEqual(tokensOf(a));
  });

  it('image k of a batch is the image of seed + k', async () => {
    const batch = await model.generate({ ...req, count: 2, base: { steps: 4 } }, { previews: false });
    const second = await model.generate({ ...req, seed: req.seed + 1, base: { steps: 4 } }, { previews: false });
    expect(Array.from(batch.tokens.base[1])).toEqual(Array.from(second.tokens.base[0]));
  });

  it('a prompt longer than 77 tokens is truncated and reported', async () => {
    const r = await model.generate({ ...req, prompt: 'a small house by the sea '.repeat(20), base: { steps: 2 } }, { previews: false });
    expect(r.promptTruncated).toBe(true);
  });

  it('micro-conditioning values and the confidence schedule come from the manifest', async () => {
    const quick = { ...req, base: { steps: 6 } };
    const ref = tokensOf(await model.generate(quick, { previews: false }));
    const aesthetic = await variant(AMUSED, (m) => (m.stages.base.microConditioning.values[4] = 1));
    const linear = await variant(AMUSED, (m) => (m.stages.base.confidenceSchedule = 'linear-from-next'));
    try {
      for (const v of [aesthetic, linear]) {
        const other = await load(v.source);
        expect(tokensOf(await other.generate(quick, { previews: false }))).not.toEqual(ref);
        await other.release();
      }
    } finally {
      await aesthetic.cleanup();
      await linear.cleanup();
    }
  });
});

describe('editing on amused-tiny', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await load(AMUSED);
  });
  afterAll(async () => {
    await model?.release();
  });

  it('inpainting keeps every pixel outside the feathered mask, byte for byte, and is deterministic', async () => {
    const img = photo(300, 200);
    const feather = 4;
    const req: EditRequest = { prompt: 'a red balloon', seed: 5, image: img, mode: 'inpaint', mask: rectMask(300, 200, 120, 60, 180, 120), feather, base: { steps: 4 } };
    const near = (x: number, y: number) => x >= 120 - feather && x < 180 + feather && y >= 60 - feather && y < 120 + feather;
    const a = await model.edit(req, { previews: false });
    expect(a.images[0].width).toBe(300);
    expect(a.images[0].height).toBe(200);
    const d = diff(a.images[0], img, near);
    expect(d.outside).toBe(0);
    expect(d.inside).toBeGreaterThan(0);
    expect(a.changedFraction).toBeGreaterThan(0);
    expect(a.changedFraction).toBeLessThan(0.1);
    expect(a.windows).toHaveLength(1);
    const b = await model.edit(req, { previews: false });
    expect(b.images[0].data).toEqual(a.images[0].data);
  });

  it('outpainting extends the canvas and keeps the photo away from the seam', async () => {
    const img = photo(256, 256);
    const r = await model.edit({ prompt: 'a wide sea', seed: 2, image: img, mode: 'outpaint', extend: { left: 0, right: 64, top: 0, bottom: 0 }, feather: 0, base: { steps: 3 } }, { previews: false });
    expect(r.images[0].width).toBe(320);
    expect(r.images[0].height).toBe(256);
    let kept = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const i = (y * 256 + x) * 4;
        const j = (y * 320 + x) * 4;
        if ([0, 1, 2, 3].every((c) => r.images[0].data[j + c] === img.data[i + c])) kept++;
      }
    }
    expect(kept).toBe(256 * 256);
  });

  it('mask-free editing by text returns the input size, changes the image, and is deterministic', async () => {
    const img = photo(200, 150);
    const req: EditRequest = { prompt: 'a painting of a house', seed: 9, image: img, mode: 'text', strength: 0.5, base: { steps: 3 } };
    const events: Progress[] = [];
    const a = await model.edit(req, { previews: false, onProgress: (p) => events.push(p) });
    expect(a.images[0].width).toBe(200);
    expect(a.images[0].height).toBe(150);
    // Pixels under unchanged tokens stay the input's: at most changedFraction of them differ.
    expect(a.changedFraction).toBeGreaterThan(0);
    expect(a.windows).toEqual([{ x: 0, y: 0, width: 200, height: 150 }]);
    const changed = diff(a.images[0], img, () => true).inside;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(Math.round(a.changedFraction * 200 * 150));
    // strength 0.5 ⇒ ⌈4·0.5⌉ = 2 rounds of 3 steps.
    expect(events.filter((e) => e.stage === 'base')).toHaveLength(6);
    const b = await model.edit(req, { previews: false });
    expect(b.images[0].data).toEqual(a.images[0].data);
  });
});

describe('fp16 transformer (stages.base.onnxFp16) and the 512-style package', () => {
  it('preferFp16 runs the fp16 copy (never reading the fp32 graph) and generates deterministically', async () => {
    const fs = createFsSource(AMUSED);
    const reads: string[] = [];
    const source: PackageSource = { label: fs.label, read: (p) => (reads.push(p), fs.read(p)) };
    const model = await load(source, true);
    try {
      expect(reads).toContain('transformer/base.fp16.onnx');
      expect(reads).not.toContain('transformer/base.onnx');
      expect(reads).not.toContain('transformer/base.onnx.data');
      const req: GenerateRequest = { prompt: 'a red cat', seed: 3, base: { steps: 4 } };
      const a = await model.generate(req, { previews: false });
      expect(a.images[0].width).toBe(256);
      expect(tokensOf(await model.generate(req, { previews: false }))).toEqual(tokensOf(a));
    } finally {
      await model.release();
    }
  });

  it('amused-tiny-512: 32×32 tokens, 512×512 images; generation and text editing', async () => {
    const model = await load(AMUSED_512);
    try {
      expect(model.manifest.stages.base.grid).toEqual([32, 32]);
      const r = await model.generate({ prompt: 'a boat at night', seed: 1, base: { steps: 3 } }, { previews: false });
      expect(r.tokens.base[0]).toHaveLength(1024);
      expect(r.images[0].width).toBe(512);
      expect(r.images[0].height).toBe(512);
      const e = await model.edit({ prompt: 'a boat', seed: 1, image: photo(128, 96), mode: 'text', strength: 0.2, base: { steps: 2 } }, { previews: false });
      expect([e.images[0].width, e.images[0].height]).toEqual([128, 96]);
    } finally {
      await model.release();
    }
  });
});
