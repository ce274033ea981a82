import { describe, expect, it, vi } from 'vitest';
import { checkPackageFiles, loadModel } from '../../../src/engine/engine';
import { PackageError } from '../../../src/engine/errors';
import { createMemorySource } from '../../../src/engine/package/memorySource';
import { createUrlSource } from '../../../src/engine/package/urlSource';
import { sha256Hex, verifyFile } from '../../../src/engine/package/verify';
import { fakeGraphs, fakeOrt, fakePackage, setGraph, type FakeGraph } from './helpers/fakePackage';

const enc = new TextEncoder();

/** Loads with the fake ORT; resolves to the error (or fails the test if it loads). */
async function loadError(pkg: ReturnType<typeof fakePackage>): Promise<PackageError> {
  const { ort } = fakeOrt();
  const err: unknown = await loadModel(pkg.source, { ort, executionProviders: ['cpu'] }).then(
    () => expect.unreachable('the package loaded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PackageError);
  return err as PackageError;
}

/** Changes one graph of the package (keeping its hash consistent). */
const withGraph = (path: string, change: (g: FakeGraph) => void) =>
  fakePackage((files) => {
    const g = fakeGraphs()[path];
    change(g);
    setGraph(files, path, g);
  });

describe('sha256 and file verification', () => {
  it('hashes with WebCrypto', async () => {
    expect(await sha256Hex(enc.encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('reports wrong size and wrong hash, naming the file', async () => {
    const bytes = enc.encode('abc');
    const sha256 = await sha256Hex(bytes);
    await expect(verifyFile('a/b.onnx', bytes, { sha256, bytes: 3 })).resolves.toBeUndefined();
    await expect(verifyFile('a/b.onnx', bytes, { sha256, bytes: 4 })).rejects.toThrow(/^a\/b.onnx: expected 4 bytes, found 3/);
    await expect(verifyFile('a/b.onnx', enc.encode('abd'), { sha256, bytes: 3 })).rejects.toThrow(/^a\/b.onnx: sha256 mismatch/);
  });
});

describe('loadModel package checks (fake ORT)', () => {
  it('loads a good package and releases its sessions', async () => {
    const { ort, live } = fakeOrt();
    const model = await loadModel(fakePackage().source, { ort, executionProviders: ['cpu'] });
    expect(model.manifest.name).toBe('unit-fake');
    expect(live()).toBe(5);
    await model.release();
    expect(live()).toBe(0);
  });

  it("creates every session with the caller's providers and optimisation level, 'all' when it names none", async () => {
    for (const [level, want] of [['basic', 'basic'], [undefined, 'all']] as const) {
      const { ort, created } = fakeOrt();
      const model = await loadModel(fakePackage().source, { ort, executionProviders: ['wasm'], ...(level ? { graphOptimizationLevel: level } : {}) });
      expect(created).toHaveLength(5);
      for (const c of created) expect(c.options).toMatchObject({ executionProviders: ['wasm'], graphOptimizationLevel: want });
      await model.release();
    }
  });

  it("uses a package's own preview atlas from the start, so previews need no decoding", async () => {
    const atlas = Uint8Array.from({ length: 64 * 8 * 8 * 4 }, (_, i) => (i * 7) & 255);
    const pkg = fakePackage((files, manifest) => {
      files.set('vqgan/preview_atlas.rgba', atlas);
      (manifest['vqgan'] as Record<string, unknown>)['previewAtlas'] = 'vqgan/preview_atlas.rgba';
    });
    const { ort } = fakeOrt();
    const model = await loadModel(pkg.source, { ort, executionProviders: ['cpu'] });
    expect(model.previewsReady()).toBe(true);
    await model.release();
    // Without one, previews wait for the atlas to be read from a cache or built.
    const plain = await loadModel(fakePackage().source, { ort: fakeOrt().ort, executionProviders: ['cpu'] });
    expect(plain.previewsReady()).toBe(false);
    await plain.release();
  });

  it('says how far a load is: each file it reads once, counted up to the total', async () => {
    const { ort } = fakeOrt();
    const pkg = fakePackage();
    const seen: Array<{ done: number; total: number; file: string }> = [];
    const model = await loadModel(pkg.source, { ort, executionProviders: ['cpu'], onLoadProgress: (p) => seen.push(p) });
    const listed = Object.keys(pkg.manifest['files'] as object);
    expect(seen.map((p) => p.done)).toEqual(listed.map((_, i) => i + 1));
    expect(seen.every((p) => p.total === listed.length)).toBe(true);
    expect(seen.map((p) => p.file).sort()).toEqual([...listed].sort());
    await model.release();
  });

  it("reads the text encoder's files first and alone, then the rest, each file once", async () => {
    // The first session (the text encoder's) also starts ONNX Runtime: its bytes must not share
    // the source with the rest of the package, which is read ahead only once they are in.
    const pkg = fakePackage();
    const events: string[] = [];
    const reads = new Map<string, number>();
    const source = {
      label: pkg.source.label,
      async read(path: string): Promise<Uint8Array> {
        reads.set(path, (reads.get(path) ?? 0) + 1);
        events.push(`start ${path}`);
        // Lets every other read that is already under way start before this one ends.
        await new Promise((resolve) => setTimeout(resolve, 1));
        const bytes = await pkg.source.read(path);
        events.push(`end ${path}`);
        return bytes;
      },
    };
    const model = await loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'] });
    await model.release();
    const textFiles = ['text_encoder/config.json', 'text_encoder/tokenizer.json', 'text_encoder/onnx/encoder_model.onnx'];
    const lastTextEnd = Math.max(...textFiles.map((p) => events.indexOf(`end ${p}`)));
    const firstOther = events.findIndex((e) => e.startsWith('start ') && e !== 'start manifest.json' && !textFiles.includes(e.slice(6)));
    expect(lastTextEnd).toBeGreaterThanOrEqual(0);
    expect(firstOther).toBeGreaterThan(lastTextEnd);
    const listed = Object.keys(pkg.manifest['files'] as object);
    expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(['manifest.json', ...listed].map((p) => [p, 1])));
  });

  it('missing manifest.json', async () => {
    const source = createMemorySource('empty-folder', {});
    const err = await loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'] }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/manifest.json: file not found in empty-folder/);
  });

  it('manifest.json that is not JSON', async () => {
    const source = createMemorySource('pkg', { 'manifest.json': enc.encode('<html>') });
    await expect(loadModel(source, { ort: fakeOrt().ort, executionProviders: ['cpu'] })).rejects.toThrow(/^manifest.json: is not valid JSON/);
  });

  it('a listed file that is missing', async () => {
    const err = await loadError(fakePackage(undefined, (files) => files.delete('transformer/base.onnx')));
    expect(err.message).toBe('transformer/base.onnx: file not found in fake');
    expect(err.file).toBe('transformer/base.onnx');
  });

  it('a file of the wrong size', async () => {
    const err = await loadError(fakePackage(undefined, (files) => files.set('vqgan/decoder.onnx', new Uint8Array(10))));
    expect(err.message).toMatch(/^vqgan\/decoder.onnx: expected \d+ bytes, found 10 /);
  });

  it('a file with the wrong sha256', async () => {
    const err = await loadError(
      fakePackage(undefined, (files) => {
        const b = files.get('transformer/super_res.onnx')!.slice();
        b[5] ^= 1;
        files.set('transformer/super_res.onnx', b);
      }),
    );
    expect(err.message).toMatch(/^transformer\/super_res.onnx: sha256 mismatch: manifest says [0-9a-f]{64}, file has [0-9a-f]{64}/);
  });

  it('releases the sessions it already created when a later file fails', async () => {
    const { ort, live } = fakeOrt();
    const pkg = fakePackage(undefined, (files) => files.delete('transformer/super_res.onnx'));
    await expect(loadModel(pkg.source, { ort, executionProviders: ['cpu'] })).rejects.toThrow(/super_res.onnx: file not found/);
    expect(live()).toBe(0);
  });

  it('bytes that are not an ONNX model', async () => {
    const err = await loadError(fakePackage((files) => files.set('transformer/base.onnx', enc.encode('garbage'))));
    expect(err.message).toBe('transformer/base.onnx: could not be loaded as an ONNX model (Failed to load model because protobuf parsing failed.)');
  });

  it('wrong input names', async () => {
    const err = await loadError(withGraph('transformer/base.onnx', (g) => (g.inputs = [{ name: 'input_ids', type: 'int64', shape: ['batch', 16] }])));
    expect(err.message).toBe('transformer/base.onnx: expected inputs [tokens, text_states, text_mask], found [input_ids]');
  });

  it('wrong output names', async () => {
    const err = await loadError(withGraph('vqgan/decoder.onnx', (g) => (g.outputs[0].name = 'image')));
    expect(err.message).toBe('vqgan/decoder.onnx: expected outputs [pixels], found [image]');
  });

  it('wrong element type', async () => {
    const err = await loadError(withGraph('transformer/base.onnx', (g) => (g.inputs[0].type = 'int32')));
    expect(err.message).toBe('transformer/base.onnx: input tokens must be int64, found int32');
  });

  it('wrong rank or fixed dimension', async () => {
    let err = await loadError(withGraph('transformer/base.onnx', (g) => (g.outputs[0].shape = ['batch', 16, 32])));
    expect(err.message).toBe('transformer/base.onnx: output logits must have shape [batch, 16, 64], found [batch, 16, 32]');
    err = await loadError(withGraph('transformer/super_res.onnx', (g) => (g.inputs[2].shape = ['batch', 16])));
    expect(err.message).toBe('transformer/super_res.onnx: input text_states must have shape [batch, 16, 32], found [batch, 16]');
    err = await loadError(withGraph('text_encoder/onnx/encoder_model.onnx', (g) => (g.outputs[0].shape = ['b', 's', 64])));
    expect(err.message).toMatch(/^text_encoder\/onnx\/encoder_model.onnx: output last_hidden_state must have shape \[\?, \?, 32\]/);
  });

  it('a fixed batch dimension where the engine batches', async () => {
    const err = await loadError(withGraph('transformer/base.onnx', (g) => (g.inputs[0].shape = [1, 16])));
    expect(err.message).toMatch(/input tokens must have shape \[batch, 16\], found \[1, 16\] \(the batch dimension must be dynamic\)/);
  });

  it('a text config whose width disagrees with the manifest', async () => {
    const err = await loadError(fakePackage((files) => files.set('text_encoder/config.json', enc.encode('{"d_model": 64}'))));
    expect(err.message).toBe('text_encoder/config.json: d_model is 64 but textEncoder.hiddenSize is 32');
  });

  it('a tokenizer that is not JSON', async () => {
    const err = await loadError(fakePackage((files) => files.set('text_encoder/tokenizer.json', enc.encode('not json'))));
    expect(err.message).toMatch(/^text_encoder\/tokenizer.json: is not valid JSON/);
  });

  it('an invalid manifest (validation runs before any file is read)', async () => {
    const err = await loadError(fakePackage((_, m) => (m['formatVersion'] = 7)));
    expect(err.message).toBe('manifest.json: unsupported package format version 7 (this studio reads version 1)');
  });
});

describe('createUrlSource', () => {
  const respond = (body: string | Uint8Array<ArrayBuffer>, init: ResponseInit = {}) => async () => new Response(body, init);

  it('fetches relative to the base URL', async () => {
    const seen: string[] = [];
    const src = createUrlSource('https://host/models/scenes', async (u) => {
      seen.push(u);
      return new Response(new Uint8Array([8, 1, 2]), { headers: { 'content-type': 'application/octet-stream' } });
    });
    expect(Array.from(await src.read('transformer/base.onnx'))).toEqual([8, 1, 2]);
    expect(seen).toEqual(['https://host/models/scenes/transformer/base.onnx']);
    expect(src.label).toBe('https://host/models/scenes/');
  });

  it('rejects a status that is not ok, naming the file', async () => {
    const src = createUrlSource('https://host/pkg/', respond('nope', { status: 404 }));
    await expect(src.read('vqgan/decoder.onnx')).rejects.toThrow('vqgan/decoder.onnx: not found at https://host/pkg/vqgan/decoder.onnx');
    const src500 = createUrlSource('https://host/pkg/', respond('x', { status: 500, statusText: 'Internal Server Error' }));
    await expect(src500.read('a.json')).rejects.toThrow(/^a.json: HTTP 500 Internal Server Error at/);
  });

  it('rejects an HTML page served in place of a file (SPA fallback)', async () => {
    const page = '<!DOCTYPE html><html><body>app</body></html>';
    const typed = createUrlSource('https://host/pkg/', respond(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }));
    await expect(typed.read('manifest.json')).rejects.toThrow(/^manifest.json: the server answered .* with an HTML page/);
    const untyped = createUrlSource('https://host/pkg/', respond(new TextEncoder().encode(`\n  ${page}`)));
    await expect(untyped.read('transformer/base.onnx')).rejects.toThrow(/HTML page/);
  });

  it('wraps network errors and refuses paths outside the package', async () => {
    const src = createUrlSource('https://host/pkg/', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(src.read('manifest.json')).rejects.toThrow('manifest.json: could not be fetched from https://host/pkg/manifest.json (fetch failed)');
    await expect(src.read('../secret')).rejects.toThrow(/leaves the package/);
  });
});

describe('hash once: stored packages are hashed at install and on request, not on every load', () => {
  /** Loads with `verify` while counting the SHA-256 digests WebCrypto computes. */
  async function loadCounting(pkg: ReturnType<typeof fakePackage>, verify?: 'sha256' | 'size') {
    const subtle = globalThis.crypto.subtle;
    const digest = subtle.digest.bind(subtle);
    let digests = 0;
    const spy = vi.spyOn(subtle, 'digest').mockImplementation((...args: Parameters<SubtleCrypto['digest']>) => {
      digests++;
      return digest(...args);
    });
    try {
      const result = await loadModel(pkg.source, { ort: fakeOrt().ort, executionProviders: ['cpu'], ...(verify ? { verify } : {}) }).then(
        async (m) => {
          await m.release();
          return 'loaded' as const;
        },
        (e: unknown) => e as PackageError,
      );
      return { result, digests };
    } finally {
      spy.mockRestore();
    }
  }

  it('a load trusting the stored record hashes nothing; a full load hashes every file', async () => {
    const pkg = fakePackage();
    const files = Object.keys(pkg.manifest['files'] as object).length;
    expect(await loadCounting(pkg, 'size')).toEqual({ result: 'loaded', digests: 0 });
    expect(await loadCounting(pkg)).toEqual({ result: 'loaded', digests: files });
  });

  it('trusting the record skips the hash comparison but never the size', async () => {
    // Same bytes, wrong recorded hash: only a full check notices.
    const wrongHash = fakePackage(undefined, (_files, manifest) => {
      (manifest['files'] as Record<string, { sha256: string }>)['vqgan/decoder.onnx'].sha256 = '0'.repeat(64);
    });
    expect((await loadCounting(wrongHash, 'size')).result).toBe('loaded');
    expect(String((await loadCounting(wrongHash, 'sha256')).result)).toMatch(/vqgan\/decoder.onnx: sha256 mismatch/);

    // A stored file whose size changed is refused, saying what to do.
    const shorter = fakePackage(undefined, (files) => {
      const b = files.get('vqgan/decoder.onnx')!;
      files.set('vqgan/decoder.onnx', b.subarray(0, b.length - 1));
    });
    const { result, digests } = await loadCounting(shorter, 'size');
    expect(digests).toBe(0);
    expect(result).toBeInstanceOf(PackageError);
    expect((result as PackageError).file).toBe('vqgan/decoder.onnx');
    expect((result as PackageError).message).toMatch(/expected \d+ bytes, found \d+ \(the stored copy changed since its files were verified: check the files again/);
  });

  it('"Check files" hashes every file and reports each damaged or missing one, not only the first', async () => {
    const good = fakePackage();
    const total = Object.keys(good.manifest['files'] as object).length;
    expect(await checkPackageFiles(good.source)).toEqual({ files: total, problems: [] });

    const bad = fakePackage(undefined, (files) => {
      files.get('vqgan/decoder.onnx')![0] ^= 0xff;
      files.delete('transformer/base.onnx');
    });
    const seen: string[] = [];
    const { files, problems } = await checkPackageFiles(bad.source, (path, done, n) => seen.push(`${done}/${n} ${path}`));
    expect(files).toBe(total);
    expect(seen).toHaveLength(total);
    expect(problems.map((p) => p.path).sort()).toEqual(['transformer/base.onnx', 'vqgan/decoder.onnx']);
    expect(problems.find((p) => p.path === 'vqgan/decoder.onnx')!.message).toMatch(/^sha256 mismatch/);
    expect(problems.find((p) => p.path === 'transformer/base.onnx')!.message).toMatch(/file not found/);
  });
});
