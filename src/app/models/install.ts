/**
 * Adds a package to the store from any ProgressSource (URL or folder), all or nothing:
 * read and validate the manifest (the engine's parser), check there is room, then for every
 * listed file read it, verify size and sha256 (the engine's verifyFile, or as it streams into
 * storage when the source can stream it: large weights are never held whole) and stage it; write
 * manifest.json, and commit the record last. Nothing is ever committed from unverified bytes.
 *
 * A failure leaves the previous state as it was. Staged files are kept only after a network
 * failure or when the page goes away mid-download, so Resume (same id, in this visit or after a
 * reload, thanks to the staging record) skips the files already verified; any other failure,
 * and Cancel, discards them.
 */
import { createMemorySource, isAbortError, readManifest, sha256Hex, type FileEntry, type Manifest } from '../../engine';
import { checkedStream, verifyFile, verifyFileStream } from '../../engine/package';
import { NetworkError, type ProgressSource } from './sources';
import { StorageError, type ModelStore, type PackageOrigin, type StoredPackage } from './store';
import { originKey } from './records';

export type FileState = 'waiting' | 'reading' | 'verifying' | 'stored' | 'failed';
export interface FileProgress {
  path: string;
  bytes: number;
  received: number;
  state: FileState;
}

export type InstallErrorKind = 'network' | 'package' | 'verify' | 'quota' | 'storage' | 'cancelled' | 'busy';

/** Why adding a package failed, as a message a user can act on. */
export class InstallError extends Error {
  constructor(
    readonly kind: InstallErrorKind,
    message: string,
    /** The staged id, kept for Resume after a network failure. */
    readonly resumeId?: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

export interface InstallHooks {
  signal?: AbortSignal;
  /** Called once the manifest is read: the files that will be stored. */
  onPlan?(plan: { id: string; displayName: string; files: FileProgress[] }): void;
  onFile?(path: string, change: Partial<FileProgress>): void;
  /** `navigator.storage.estimate()`; checked before the first byte is stored. */
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

const MANIFEST = 'manifest.json';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** The store id of a package: its name plus 12 hex digits of its manifest's sha256. */
export async function packageId(manifestBytes: Uint8Array, manifest: Manifest): Promise<{ id: string; sha: string }> {
  const sha = await sha256Hex(manifestBytes);
  return { id: `${manifest.name}-${sha.slice(0, 12)}`, sha };
}

/** Parses manifest bytes with the engine's own validator (format, version, paths, files). */
export function parseManifestBytes(bytes: Uint8Array): Promise<Manifest> {
  return readManifest(createMemorySource(MANIFEST, { [MANIFEST]: bytes }));
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Stores the package `source` holds and returns its record (`reused` when the identical package
 * was already stored: packages are kept once). Throws InstallError.
 */
export async function installPackage(
  source: ProgressSource,
  origin: PackageOrigin,
  store: ModelStore,
  hooks: InstallHooks = {},
): Promise<{ record: StoredPackage; reused: boolean }> {
  const { signal } = hooks;
  const stop = () => {
    if (signal?.aborted) throw new InstallError('cancelled', 'Cancelled; nothing was stored.');
  };
  let manifestBytes: Uint8Array;
  let manifest: Manifest;
  try {
    manifestBytes = await source.read(MANIFEST);
    manifest = await parseManifestBytes(manifestBytes);
  } catch (e) {
    stop();
    if (e instanceof NetworkError) throw new InstallError('network', e.message);
    if (isAbortError(e)) throw new InstallError('cancelled', 'Cancelled; nothing was stored.');
    throw new InstallError('package', describe(e));
  }
  const { id, sha } = await packageId(manifestBytes, manifest);
  // An interrupted download from the same place under another id is an older version of this
  // package (the manifest changed since): it can never be resumed, so it goes.
  if (origin.kind !== 'folder') {
    for (const { staging } of await store.unfinished().catch(() => [])) {
      if (staging.id !== id && originKey(staging.origin) === originKey(origin)) await store.abandon(staging.id).catch(() => false);
    }
  }
  const existing = await store.get(id);
  if (existing) return { record: existing, reused: true };

  const paths = Object.keys(manifest.files).sort();
  const total = paths.reduce((n, p) => n + manifest.files[p].bytes, manifestBytes.byteLength);
  const files: FileProgress[] = paths.map((path) => ({ path, bytes: manifest.files[path].bytes, received: 0, state: 'waiting' }));
  hooks.onPlan?.({ id, displayName: manifest.displayName, files });

  /**
   * Reads one file, checks it and stages it. A source that streams the file has it hashed and
   * written chunk by chunk (a 2.4 GB weights file is never held whole): the check is inside the
   * stream, so a file that fails it, or whose download breaks off, is never stored.
   */
  const storeFile = async (path: string, entry: FileEntry): Promise<void> => {
    const onBytes = (received: number) => hooks.onFile?.(path, { received });
    // Hash once: bytes the source hashed already (a picked folder's weights) are checked by size.
    const mode = source.hashed?.(path) ? 'size' : 'sha256';
    const body = await source.stream?.(path);
    if (!body) {
      const bytes = await source.read(path, onBytes);
      hooks.onFile?.(path, { state: 'verifying', received: bytes.byteLength });
      await verifyFile(path, bytes, entry, mode);
      await store.putFile(id, path, bytes);
      return;
    }
    const checked = checkedStream(path, body, entry, onBytes, mode);
    try {
      await store.putFileStream(id, path, checked.stream);
    } catch (e) {
      // The stream's own failure (network, check) is the cause; else storage refused the write.
      throw checked.failure()?.error ?? e;
    }
  };

  const result = await store.locked(id, async () => {
    let stored = 0;
    let storedBytes = 0;
    // Resume: files staged by an earlier attempt are used only if they verify again (below,
    // streamed, so a large file is not read whole); until then they count as there.
    const staged = new Set<string>();
    for (const path of paths) if (await store.hasFile(id, path)) staged.add(path);
    const need = total - [...staged].reduce((n, p) => n + manifest.files[p].bytes, 0);
    const est = await hooks.estimate?.().catch(() => undefined);
    if (est?.quota !== undefined && est.usage !== undefined && est.quota - est.usage < need) {
      throw new InstallError(
        'quota',
        `Not enough storage for ${manifest.displayName}: it needs ${formatBytes(need)} and the browser allows ${formatBytes(Math.max(0, est.quota - est.usage))} more. Delete a model or free disk space, then try again. Nothing was stored.`,
      );
    }
    try {
      // Before the first file: what a later visit needs to offer Resume. A folder cannot be
      // read again after a reload, so its staging has no record and is deleted at the next start.
      if (origin.kind !== 'folder') {
        await store.stage({
          id,
          displayName: manifest.displayName,
          origin,
          files: paths.map((path) => ({ path, bytes: manifest.files[path].bytes })),
          updatedAt: new Date().toISOString(),
        });
      }
      for (const path of paths) {
        stop();
        const entry = manifest.files[path];
        const old = staged.has(path) ? await store.fileStream(id, path) : undefined;
        if (old) {
          try {
            await verifyFileStream(path, old, entry);
            hooks.onFile?.(path, { received: entry.bytes, state: 'stored' });
            stored++;
            storedBytes += entry.bytes;
            continue;
          } catch {
            // Not the file this manifest lists: read it again below.
          }
        }
        hooks.onFile?.(path, { state: 'reading', received: 0 });
        try {
          await storeFile(path, entry);
        } catch (e) {
          stop();
          if (e instanceof NetworkError) {
            hooks.onFile?.(path, { state: 'failed' });
            throw new InstallError(
              'network',
              `${e.message}. ${stored} of ${paths.length} files (${formatBytes(storedBytes)}) are saved; Resume continues from there.`,
              id,
            );
          }
          throw e;
        }
        hooks.onFile?.(path, { state: 'stored' });
        stored++;
        storedBytes += entry.bytes;
      }
      stop();
      await store.putFile(id, MANIFEST, manifestBytes);
      const record: StoredPackage = {
        id,
        name: manifest.name,
        displayName: manifest.displayName,
        fixture: manifest.fixture,
        origin,
        bytes: total,
        files: paths.length + 1,
        manifestSha256: sha,
        addedAt: new Date().toISOString(),
        license: manifest.license,
      };
      await store.commit(record);
      return record;
    } catch (e) {
      if (e instanceof InstallError && e.kind === 'network') throw e;
      // Anything but a dropped connection: free the space now, keep the previous state.
      await store.discard(id).catch(() => {});
      if (e instanceof InstallError) throw e;
      if (isAbortError(e)) throw new InstallError('cancelled', 'Cancelled; nothing was stored.');
      if (e instanceof StorageError && e.quota) {
        throw new InstallError(
          'quota',
          `Not enough storage for ${manifest.displayName} (${formatBytes(total)}): ${e.message}. Delete a model or free disk space, then try again. Nothing was stored.`,
        );
      }
      if (e instanceof StorageError) throw new InstallError('storage', `Could not store ${manifest.displayName}: ${e.message}. Nothing was stored.`);
      const failed = files.find((f) => describe(e).startsWith(`${f.path}:`));
      if (failed) hooks.onFile?.(failed.path, { state: 'failed' });
      const kind = /sha256 mismatch|expected \d+ bytes/.test(describe(e)) ? 'verify' : 'package';
      throw new InstallError(kind, `${describe(e)}. Nothing was stored.`);
    }
  });
  if (result === null) {
    throw new InstallError('busy', `${manifest.displayName} is being added in another tab or window; wait for it there.`);
  }
  return { record: result, reused: false };
}
