/**
 * A diffusers aMUSEd snapshot picked or dropped as a folder (model_index.json, no manifest):
 * opened, described and stored the same way as one from the Hugging Face Hub (snapshotModel.ts,
 * then `installPackage`), only the bytes come from the files on this device. Weights are read in
 * byte ranges for the headers and streamed: hashed once, up front, for the manifest's sha256, then
 * copied into storage with their sizes checked (`hashed`), so a 2.4 GB file is never held whole
 * and never hashed twice.
 */
import { PackageError } from '../../engine';
import { openSnapshot, type SnapshotSource } from '../../engine/diffusers';
import { NAME_SLUG_MAX, nameSlug } from '../../engine/manifest';
import { pathProblem } from '../../engine/manifest/paths';
import { sha256OfStream } from '../../engine/package';
import type { PickedFolder } from './folder';
import { createFolderSource, type ProgressSource } from './sources';
import { chooseVariant, describeSnapshot, type FilesPreference, type SnapshotSummary } from './snapshotModel';

/** What the Model panel shows before a snapshot folder is added. */
export interface FolderSnapshotSummary extends SnapshotSummary {
  from: 'folder';
  /** The folder's name. */
  id: string;
}

export interface PreparedFolderSnapshot {
  summary: FolderSnapshotSummary;
  /** The package to store: built graphs, tokenizer, manifest, and the folder's weights files. */
  source(): ProgressSource;
}

/** True when the folder (or its only subfolder) is a diffusers snapshot: it has model_index.json and no manifest.json. */
export function snapshotRoot(folder: PickedFolder): PickedFolder | null {
  const isSnapshot = (f: PickedFolder) => f.files.has('model_index.json') && !f.files.has('manifest.json');
  if (isSnapshot(folder)) return folder;
  const tops = new Set([...folder.files.keys()].map((p) => p.split('/')[0]));
  if (tops.size !== 1) return null;
  const [top] = tops;
  const files = new Map<string, File>();
  for (const [p, f] of folder.files) files.set(p.slice(top.length + 1), f);
  const inner = { name: top, files };
  return isSnapshot(inner) ? inner : null;
}

/** The files of a folder as a SnapshotSource: ranges are Blob slices, nothing is read whole but small files. */
function blobSnapshot(label: string, files: ReadonlyMap<string, Blob>, sha256: ReadonlyMap<string, string>): SnapshotSource {
  const get = (path: string): Blob => {
    const file = pathProblem(path) ? undefined : files.get(path);
    if (!file) throw new PackageError(`is not in the folder "${label}"`, path);
    return file;
  };
  return {
    label: `folder "${label}"`,
    read: async (path) => new Uint8Array(await get(path).arrayBuffer()),
    exists: (path) => Promise.resolve(files.has(path)),
    list(folder) {
      const prefix = folder === '' ? '' : `${folder}/`;
      const names = [...files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
      return Promise.resolve(names.map((p) => p.slice(prefix.length)).sort());
    },
    async readRange(path, start, end) {
      const blob = get(path);
      if (start < 0 || end > blob.size || start > end) {
        throw new PackageError(`is ${blob.size} bytes long; bytes ${start}–${end} are not there (truncated file?)`, path);
      }
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
    expectedSha256: (path) => sha256.get(path),
  };
}

/**
 * Opens a snapshot folder (already re-rooted by snapshotRoot) and summarises it. Throws the
 * engine's PackageError (naming the file and field) for a snapshot outside the aMUSEd family.
 */
export async function prepareFolderSnapshot(
  folder: PickedFolder,
  opts: { files?: FilesPreference; estimate?(): Promise<{ usage?: number; quota?: number }> } = {},
): Promise<PreparedFolderSnapshot> {
  const names = [...folder.files.keys()];
  // First which weights files the snapshot reads (headers only), then their sha256 for the
  // manifest, hashed as streams.
  const sha256 = new Map<string, string>();
  const src = blobSnapshot(folder.name, folder.files, sha256);
  const fp16 = chooseVariant(names, opts.files).variant === 'fp16';
  const opened = await openSnapshot(src, fp16 ? { variant: 'fp16' } : {});
  const weights = [opened.transformer.weights, opened.vqvae.weights, opened.textEncoder.weights];
  for (const w of weights) sha256.set(w.path, await sha256OfStream(folder.files.get(w.path)!.stream()));
  // The same folder gives the same manifest (so it is stored once): dated by its newest weights file.
  const newest = Math.max(...weights.map((w) => folder.files.get(w.path)!.lastModified || 0));
  const described = await describeSnapshot(src, names, {
    name: `dir-${nameSlug(folder.name, NAME_SLUG_MAX - 4) || 'snapshot'}`,
    displayName: folder.name,
    created: new Date(newest || Date.now()).toISOString().slice(0, 10),
    ...(opts.files ? { files: opts.files } : {}),
    ...(opts.estimate ? { estimate: opts.estimate } : {}),
  });
  const { pkg } = described;
  const weightPaths = new Set(described.summary.weights.map((w) => w.path));
  const files = createFolderSource(folder.name, folder.files);
  return {
    summary: { ...described.summary, from: 'folder', id: folder.name },
    source: () => ({
      label: `the folder "${folder.name}"`,
      read: (path, onBytes) => (weightPaths.has(path) ? files.read(path, onBytes) : pkg.source.read(path)),
      stream: async (path) => (weightPaths.has(path) ? files.stream!(path) : undefined),
      // Hashed above for the manifest: the install compares their sizes only (a File cannot
      // change under us, it fails to read instead: createFolderSource says so).
      hashed: (path) => weightPaths.has(path),
    }),
  };
}
