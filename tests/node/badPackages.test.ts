import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackageError } from '../../src/engine';
import { brokenCopy, loadFixture, tempDir } from './helpers';

// Each case copies the fixture to a temp folder, breaks one thing and expects loadModel (with
// real onnxruntime-node sessions) to fail with a PackageError that names the file.
let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;
beforeAll(async () => {
  tmp = await tempDir('muse-bad-pkg-');
});
afterAll(async () => {
  await tmp?.cleanup();
});

async function expectLoadError(change: (pkg: string) => Promise<string[]>, rehash = true): Promise<PackageError> {
  const pkg = await brokenCopy(join(tmp.dir, String(n++)), change, rehash);
  const err: unknown = await loadFixture(pkg).then(
    async (m) => {
      await m.release();
      return expect.unreachable('the package loaded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PackageError);
  return err as PackageError;
}

describe('broken copies of the ONNX fixture', () => {
  it('the unbroken copy loads', async () => {
    const pkg = await brokenCopy(join(tmp.dir, 'ok'), async () => []);
    const m = await loadFixture(pkg);
    expect(m.manifest.name).toBe('tiny-fixture');
    await m.release();
  });

  it('a corrupt (truncated) ONNX file', async () => {
    const err = await expectLoadError(async (pkg) => {
      const f = join(pkg, 'transformer/base.onnx');
      const bytes = await readFile(f);
      await writeFile(f, bytes.subarray(0, bytes.length >> 1));
      return ['transformer/base.onnx'];
    });
    expect(err.file).toBe('transformer/base.onnx');
    expect(err.message).toMatch(/^transformer\/base.onnx: could not be loaded as an ONNX model \(/);
  });

  it('a graph with the wrong inputs (the VQ decoder in place of the base transformer)', async () => {
    const err = await expectLoadError(async (pkg) => {
      await copyFile(join(pkg, 'vqgan/decoder.onnx'), join(pkg, 'transformer/base.onnx'));
      return ['transformer/base.onnx'];
    });
    expect(err.message).toBe('transformer/base.onnx: expected inputs [tokens, text_states, text_mask], found [tokens]');
  });

  it('a text encoder whose input is named differently', async () => {
    const err = await expectLoadError(async (pkg) => {
      const f = join(pkg, 'text_encoder/onnx/encoder_model.onnx');
      // Same-length rename keeps the protobuf valid: every use of the name changes together.
      const bytes = Buffer.from(await readFile(f));
      const from = Buffer.from('input_ids');
      for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) bytes.write('input_idz', at, 'latin1');
      await writeFile(f, bytes);
      return ['text_encoder/onnx/encoder_model.onnx'];
    });
    expect(err.message).toBe('text_encoder/onnx/encoder_model.onnx: expected inputs [input_ids, attention_mask], found [input_idz, attention_mask]');
  });

  it('a file whose sha256 does not match the manifest', async () => {
    const err = await expectLoadError(async (pkg) => {
      const f = join(pkg, 'vqgan/decoder.onnx');
      const bytes = await readFile(f);
      bytes[bytes.length - 1] ^= 0xff;
      await writeFile(f, bytes);
      return [];
    }, false);
    expect(err.file).toBe('vqgan/decoder.onnx');
    expect(err.message).toMatch(/^vqgan\/decoder.onnx: sha256 mismatch/);
  });

  it('a missing file', async () => {
    const err = await expectLoadError(async (pkg) => {
      await rm(join(pkg, 'transformer/super_res.onnx'));
      return [];
    }, false);
    expect(err.message).toMatch(/^transformer\/super_res.onnx: file not found in /);
  });

  it('a missing package folder', async () => {
    const err: unknown = await loadFixture(join(tmp.dir, 'nowhere')).catch((e: unknown) => e);
    expect(String(err)).toMatch(/manifest.json: file not found in .*nowhere/);
  });
});
