/**
 * A diffusers snapshot folder as the CLI opens it (src/node/snapshotPackage.ts): each weights
 * file hashed once, as a stream, and onnxruntime-node reading the weights from disk beside a
 * temporary graph file, never through a whole-file JS buffer. Same tokens as the route that
 * reads the bytes; a file that changed since is refused; no temporary files are left behind; and
 * where no hard link can be made the load still works, from the bytes.
 */
import { appendFile, cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type PackageSource, type VerifyMode } from '../../src/engine';
import { snapshotAsPackage, type SnapshotSource } from '../../src/engine/diffusers';
import { createFsSnapshotSource } from '../../src/node/fsSnapshotSource';
import { withGraphFiles } from '../../src/node/snapshotPackage';
import { tempDir } from './helpers';

const SNAPSHOT = 'tests/fixtures/amused-tiny-diffusers';
const REQUEST = { prompt: 'a red cat', seed: 7, base: { steps: 3 } };

let tmp: Awaited<ReturnType<typeof tempDir>>;
let graphTmp: string;
const savedTmpdir = process.env.TMPDIR;
beforeAll(async () => {
  tmp = await tempDir('muse-disk-');
  // os.tmpdir() reads TMPDIR: a private temp folder shows what the loads leave behind.
  graphTmp = join(tmp.dir, 'graphs');
  await mkdir(graphTmp);
  process.env.TMPDIR = graphTmp;
});
afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await tmp?.cleanup();
});

/** The temporary graph folders left in graphTmp (other tools write there too). */
const graphFolders = async (): Promise<string[]> => (await readdir(graphTmp)).filter((n) => n.startsWith('muse-graph-'));

/** A folder source that records which whole files were read through it. */
function recording(dir: string): { src: SnapshotSource; wholeReads: string[] } {
  const src = createFsSnapshotSource(dir);
  const wholeReads: string[] = [];
  return { src: { ...src, read: (path) => (wholeReads.push(path), src.read(path)) }, wholeReads };
}

async function tokens(source: PackageSource, verify: VerifyMode): Promise<number[]> {
  const model = await loadModel(source, { ort, executionProviders: ['cpu'], verify });
  try {
    return Array.from((await model.generate(REQUEST, { previews: false })).tokens.base[0]);
  } finally {
    await model.release();
  }
}

describe('a snapshot folder opened for onnxruntime-node', () => {
  it('reads no weights file whole, hashes once, and samples the tokens the byte route samples', async () => {
    const { src, wholeReads } = recording(SNAPSHOT);
    const pkg = await snapshotAsPackage(src, { name: 'disk' });
    expect(pkg.verify).toBe('size');
    const fromDisk = await tokens(withGraphFiles(pkg.source, SNAPSHOT), pkg.verify);
    // Configs and tokenizer files are read whole; weights only through headers, the hash stream and the runtime.
    expect(wholeReads.filter((p) => p.endsWith('.safetensors'))).toEqual([]);
    const fromBytes = await tokens((await snapshotAsPackage(createFsSnapshotSource(SNAPSHOT), { name: 'bytes' })).source, 'sha256');
    expect(fromDisk).toEqual(fromBytes);
    expect(await graphFolders()).toEqual([]);
  });

  it('refuses a weights file that changed after its manifest was made, naming it', async () => {
    const dir = join(tmp.dir, 'changed');
    await cp(SNAPSHOT, dir, { recursive: true });
    const pkg = await snapshotAsPackage(createFsSnapshotSource(dir), { name: 'changed' });
    await appendFile(join(dir, 'transformer/diffusion_pytorch_model.safetensors'), new Uint8Array(1));
    await expect(tokens(withGraphFiles(pkg.source, dir), pkg.verify)).rejects.toThrow(/transformer\/diffusion_pytorch_model\.safetensors: expected \d+ bytes, found \d+/);
    expect(await graphFolders()).toEqual([]);
  });

  it('loads from the bytes where no temporary folder can be made', async () => {
    const pkg = await snapshotAsPackage(createFsSnapshotSource(SNAPSHOT), { name: 'fallback' });
    process.env.TMPDIR = join(tmp.dir, 'missing');
    try {
      const fallback = await tokens(withGraphFiles(pkg.source, SNAPSHOT), pkg.verify);
      expect(fallback).toEqual(await tokens(pkg.source, 'sha256'));
    } finally {
      process.env.TMPDIR = graphTmp;
    }
  });
});
