/**
 * A pretrained T5 encoder in the Transformers.js layout replacing a package's text encoder
 * (EngineOptions.textEncoderSource). The encoder is tests/fixtures/t5-small-random: a
 * random-initialised transformers T5EncoderModel exported in that layout by
 * training/make_t5_fixture.py, with d_model 32 = the tiny fixture's textEncoder.hiddenSize.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { PackageError, loadModel, type GenerateRequest } from '../../src/engine';
import { createMemorySource } from '../../src/engine/package/memorySource';
import { createPromptEncoder } from '../../src/engine/text/promptEncoder';
import { loadTokenizer } from '../../src/engine/text/tokenizer';
import { createFsSource } from '../../src/node/fsSource';
import { FIXTURE_DIR } from './helpers';

const T5_DIR = fileURLToPath(new URL('../fixtures/t5-small-random', import.meta.url));
const EXPECTED = fileURLToPath(new URL('../fixtures/t5-small-random-expected.json', import.meta.url));
const opts = { ort, executionProviders: ['cpu'] };

interface Expected {
  dModel: number;
  ids: Record<string, number[]>;
  lastHiddenState: Record<string, number[]>;
}

describe('pretrained T5 swap (Transformers.js layout)', () => {
  it('the engine T5 path on the swapped encoder equals transformers (ids and last_hidden_state)', async () => {
    const expected = JSON.parse(await readFile(EXPECTED, 'utf8')) as Expected;
    const session = await ort.InferenceSession.create(await readFile(join(T5_DIR, 'onnx/encoder_model.onnx')), { executionProviders: ['cpu'] });
    const tok = loadTokenizer(JSON.parse(await readFile(join(T5_DIR, 'tokenizer.json'), 'utf8')), { maxLength: 16, padTokenId: 0 }, 'tokenizer.json');
    const enc = createPromptEncoder(ort, session, tok, 32, 'onnx/encoder_model.onnx');
    for (const prompt of ['a red house', '']) {
      const ids = expected.ids[prompt];
      expect(tok.encode(prompt).ids).toEqual(ids);
      const got = await enc.encode(prompt);
      const want = expected.lastHiddenState[prompt];
      let err = 0;
      let scale = 1e-12;
      for (let i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(got.states[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      expect(err / scale).toBeLessThan(1e-4);
      expect(got.states.subarray(ids.length * 32).every((x) => x === 0)).toBe(true);
      expect(Array.from(got.mask, Number)).toEqual(Array.from({ length: 16 }, (_, i) => (i < ids.length ? 1 : 0)));
    }
    // Longer than the package's maxLength (16): truncated keeping </s>, like the package's own encoder.
    const long = tok.encode('Two Boats over the Sea at Night');
    expect(long).toEqual({ ids: [...expected.ids['Two Boats over the Sea at Night'].slice(0, 15), 1], truncated: true });
    await session.release();
  });

  it('generates with the tiny package and the swapped encoder; the encoder changes the result', async () => {
    const swapped = await loadModel(createFsSource(FIXTURE_DIR), { ...opts, textEncoderSource: createFsSource(T5_DIR) });
    const own = await loadModel(createFsSource(FIXTURE_DIR), opts);
    try {
      const req: GenerateRequest = { prompt: 'a red house over the sea', seed: 77 };
      const a = await swapped.generate(req, { previews: false });
      expect(a.images[0].width).toBe(64);
      expect(a.tokens.superRes?.[0]).toHaveLength(64);
      expect(Array.from((await swapped.generate(req, { previews: false })).tokens.base[0])).toEqual(Array.from(a.tokens.base[0]));
      const b = await own.generate(req, { previews: false });
      expect(Array.from(b.tokens.base[0])).not.toEqual(Array.from(a.tokens.base[0]));
      const e = await swapped.edit({ ...req, image: a.images[0], mode: 'text', strength: 0.3 }, { previews: false });
      expect(e.images[0].width).toBe(64);
    } finally {
      await swapped.release();
      await own.release();
    }
  });

  it('a d_model that differs from the package hiddenSize is refused with a clear message', async () => {
    const files = new Map<string, Uint8Array>();
    for (const f of ['config.json', 'tokenizer.json', 'onnx/encoder_model.onnx']) files.set(f, new Uint8Array(await readFile(join(T5_DIR, f))));
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
    files.set('config.json', new TextEncoder().encode(JSON.stringify({ ...config, d_model: 512 })));
    const err: unknown = await loadModel(createFsSource(FIXTURE_DIR), { ...opts, textEncoderSource: createMemorySource('Xenova/t5-small', files) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as Error).message).toBe(
      "Xenova/t5-small/config.json: d_model is 512 but this package's transformers take text states of width 32 (textEncoder.hiddenSize): this encoder cannot replace the package's",
    );
  });

  it('a CLIP package refuses a T5 encoder', async () => {
    const amused = fileURLToPath(new URL('../fixtures/amused-tiny', import.meta.url));
    await expect(loadModel(createFsSource(amused), { ...opts, textEncoderSource: createFsSource(T5_DIR) })).rejects.toThrow(/textEncoder.kind is "clip"/);
  });
});
