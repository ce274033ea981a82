/** Shared helpers for the Node integration tests on the ONNX fixture (tests/fixtures/tiny). */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadModel, type LoadedModel } from '../../src/engine';
import { createFsSource } from '../../src/node/fsSource';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/tiny', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function loadFixture(dir = FIXTURE_DIR): Promise<LoadedModel> {
  return loadModel(createFsSource(dir), { ort, executionProviders: ['cpu'] });
}

/** A fresh temp folder; remove it with `cleanup`. */
export async function tempDir(prefix = 'muse-test-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Copies the fixture into `dir`, lets `change` edit files there, and (unless `rehash` is false)
 * rewrites the manifest's sha256/bytes for the edited files, so the package is consistent
 * except for what the test broke on purpose.
 */
export async function brokenCopy(dir: string, change: (dir: string) => Promise<string[]>, rehash = true): Promise<string> {
  const pkg = join(dir, 'pkg');
  await cp(FIXTURE_DIR, pkg, { recursive: true });
  const edited = await change(pkg);
  if (rehash) {
    const manifestPath = join(pkg, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { files: Record<string, { sha256: string; bytes: number }> };
    for (const path of edited) {
      const bytes = await readFile(join(pkg, path));
      manifest.files[path] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
    }
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  }
  return pkg;
}
