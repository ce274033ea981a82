import { readFile } from 'node:fs/promises';
import type { PackageSource } from '../engine';
import { openHubSnapshot, snapshotAsPackage, type HubOptions, type SnapshotSource } from '../engine/diffusers';
import { nameSlug } from '../engine/manifest';
import type { VerifyMode } from '../engine/package/verify';
import { cachedHubFile } from './hubCache';
import { withGraphFiles } from './snapshotPackage';

/** Where the CLI keeps Hub downloads, and what it says while it downloads. */
export interface HubCacheOptions {
  /** The cache folder (cliCacheDir()). */
  cacheDir: string;
  /** Told before each weights file is downloaded (not when it is taken from the cache). */
  onDownload?: (path: string, bytes: number) => void;
}

/**
 * `hf:owner/name[@revision]` as the CLI loads it. The snapshot is listed and its configs,
 * tokenizer and weights headers are read over HTTP (graphs built from the configs); each weights
 * file the package needs is streamed into the cache folder and checked against the Hub listing's
 * sha256 on the way (src/node/hubCache.ts), or taken from there when an earlier run stored it.
 * The load then compares sizes only (every weights byte was hashed once, when it was downloaded)
 * and onnxruntime-node reads the weights from the cached files itself (`withGraphFiles`: hard
 * links beside the built graphs), so no weights file is held whole in memory.
 */
export async function openHubPackage(id: string, hubOpts: HubOptions, cache: HubCacheOptions): Promise<{ source: PackageSource; verify: VerifyMode }> {
  const hub = await openHubSnapshot(id, hubOpts);
  const local = new Map<string, string>();
  // snapshotAsPackage hashes each weights file it uses through `sha256` (then compares that with
  // the listing, as it does for any source): here that is the cached download's sha256.
  const src: SnapshotSource = {
    label: hub.label,
    exists: (path) => hub.exists(path),
    list: (folder) => hub.list(folder),
    readRange: (path, start, end) => hub.readRange(path, start, end),
    expectedSha256: (path) => hub.files.get(path)?.sha256,
    async sha256(path) {
      const cached = await cachedHubFile(hub, path, cache.cacheDir, cache.onDownload);
      local.set(path, cached.file);
      return cached.sha256;
    },
    async read(path) {
      // A weights file: from the cache (only where no hard link could be made next to a graph).
      const file = local.get(path);
      if (file === undefined) return hub.read(path);
      const buf = await readFile(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
  };
  const name = nameSlug(id.replace(/@.*$/, '')) || 'hub';
  const pkg = await snapshotAsPackage(src, { name });
  return { source: withGraphFiles(pkg.source, (path) => local.get(path)), verify: pkg.verify };
}
