import { createHash } from 'node:crypto';
import type { PackageSource } from '../engine';
import { openHubSnapshot, snapshotAsPackage, type HubOptions, type HubSnapshotSource } from '../engine/diffusers';
import { PackageError } from '../engine/errors';
import type { VerifyMode } from '../engine/package/verify';

/**
 * Why a download of `path` is not the file the Hub lists, in words that say where the expected
 * hash comes from (the listing's LFS oid) and that nothing of the download is kept; undefined
 * when the hashes agree.
 */
export function hubShaProblem(src: HubSnapshotSource, expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  return `sha256 differs from the Hugging Face Hub listing of ${src.label}: the listing (LFS oid) says ${expected}, the download has ${actual}; the download was discarded (damaged on the way, or the file changed on the Hub: run again)`;
}

/**
 * `hf:owner/name[@revision]` as the CLI loads it: the snapshot's package view (graphs built from
 * the configs, read over HTTP) whose weights files are each checked, as they are downloaded,
 * against the sha256 the Hub's listing gives, so a mismatch names the Hub and the file rather
 * than the loader's generic "manifest says".
 */
export async function openHubPackage(id: string, opts: HubOptions = {}): Promise<{ source: PackageSource; verify: VerifyMode }> {
  const src = await openHubSnapshot(id, opts);
  const name = id.replace(/@.*$/, '').replace(/[^a-z0-9-]+/gi, '-').toLowerCase();
  const pkg = await snapshotAsPackage(src, { name, trustListedSha256: true });
  const s = pkg.snapshot;
  const weights = new Set([s.textEncoder.weights.path, s.vqvae.weights.path, s.transformer.weights.path]);
  return {
    verify: pkg.verify,
    source: {
      label: pkg.source.label,
      async read(path) {
        const bytes = await pkg.source.read(path);
        const expected = weights.has(path) ? src.expectedSha256?.(path) : undefined;
        if (expected !== undefined) {
          const problem = hubShaProblem(src, expected, createHash('sha256').update(bytes).digest('hex'));
          if (problem) throw new PackageError(problem, path);
        }
        return bytes;
      },
    },
  };
}
