import { link, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { PackageSource } from '../engine';
import { snapshotAsPackage, type Variant } from '../engine/diffusers';
import { nameSlug } from '../engine/manifest';
import type { VerifyMode } from '../engine/package/verify';
import { createFsSnapshotSource } from './fsSnapshotSource';

/**
 * A diffusers snapshot's package view (engine/diffusers `snapshotAsPackage`) whose graphs
 * onnxruntime-node opens from disk, so it reads the safetensors weights itself instead of through
 * one JS buffer per file (a 2.4 GB transformer would otherwise sit in memory once in JS and again
 * in the runtime).
 *
 * Why a temporary folder with hard links: onnxruntime-node takes external data in memory only as
 * buffers, and from disk only beside the graph file — it refuses a location that resolves outside
 * the graph's folder, symbolic links included. So each graph with external data is written to a
 * new folder in the system temp folder beside a hard link to its weights file, and the folder is
 * removed once the session exists. Where a hard link cannot be made (the temp folder is on
 * another filesystem, e.g. a tmpfs /tmp; TMPDIR can point elsewhere), `graphFile` offers nothing
 * and the loader reads the bytes as before.
 *
 * `weightsAt` says where a weights file is on disk: the snapshot folder (a path under it), or a
 * function for weights kept elsewhere (the CLI's Hub cache); undefined there means "not on disk".
 */
export function withGraphFiles(pkg: PackageSource, weightsAt: string | ((path: string) => string | undefined)): PackageSource {
  const locate = typeof weightsAt === 'string' ? (path: string) => join(resolve(weightsAt), path) : weightsAt;
  return {
    label: pkg.label,
    read: (path) => pkg.read(path),
    async graphFile(path, data) {
      // A graph names its data by file name only, so both must share a folder; small graphs without data gain nothing.
      const local = data === undefined ? undefined : locate(data);
      if (data === undefined || local === undefined || dirname(path) !== dirname(data)) return undefined;
      const graph = await pkg.read(path);
      let dir: string | undefined;
      const remove = async (): Promise<void> => {
        if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
      };
      try {
        dir = await mkdtemp(join(tmpdir(), 'muse-graph-'));
        // realpath: a Hugging Face cache snapshot holds symbolic links to its blobs.
        const weights = await realpath(local);
        await link(weights, join(dir, basename(data)));
        await writeFile(join(dir, basename(path)), graph);
        return { file: join(dir, basename(path)), bytes: [graph.byteLength, (await stat(weights)).size], done: remove };
      } catch {
        // No temp folder or hard link here (another filesystem, a missing file): the loader reads the bytes and names any problem.
        await remove();
        return undefined;
      }
    },
  };
}

/**
 * The diffusers snapshot in folder `dir` as a package, and how to load it: its weights are
 * hashed once, as a stream, to make the manifest, and the load then checks sizes only and lets
 * onnxruntime-node read the weights from disk (`withGraphFiles`).
 */
export async function openSnapshotFolder(dir: string, variant?: Variant): Promise<{ source: PackageSource; verify: VerifyMode }> {
  const name = nameSlug(basename(resolve(dir))) || 'amused';
  const pkg = await snapshotAsPackage(createFsSnapshotSource(dir), { name, ...(variant ? { variant } : {}) });
  return { source: withGraphFiles(pkg.source, dir), verify: pkg.verify };
}
