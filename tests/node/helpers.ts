/** Shared helpers for the Node integration tests on the ONNX fixture (tests/fixtures/tiny). */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadModel, type LoadedModel, type MaskImage, type RgbaImage } from '../../src/engine';
import { createFsSource } from '../../src/node/fsSource';
import type { CliIo } from '../../src/cli/common';

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

/** A deterministic "photo": smooth colour gradients with some texture. */
export function photo(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128 + 100 * Math.sin((x + 2 * y) / 7);
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/** A mask with the rectangle [x0, x1) × [y0, y1) fully painted. */
export function rectMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): MaskImage {
  const data = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) data.fill(255, y * width + x0, y * width + x1);
  return { width, height, data };
}

/** Pixels of `a` and `b` that differ (any channel), split by whether `inside(x, y)`. */
export function diff(a: RgbaImage, b: RgbaImage, inside: (x: number, y: number) => boolean): { inside: number; outside: number } {
  const out = { inside: 0, outside: 0 };
  for (let p = 0; p < a.width * a.height; p++) {
    let same = true;
    for (let c = 0; c < 4; c++) if (a.data[p * 4 + c] !== b.data[p * 4 + c]) same = false;
    if (!same) out[inside(p % a.width, Math.floor(p / a.width)) ? 'inside' : 'outside']++;
  }
  return out;
}


/** A CLI's console that keeps what it printed, for asserting the messages a user reads. */
export function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, log: (l) => out.push(l), error: (l) => err.push(l) };
}
