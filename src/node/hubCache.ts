import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HubSnapshotSource } from '../engine/diffusers';
import { PackageError, describeError } from '../engine/errors';

/**
 * The CLI's cache folder: `MUSE_CACHE`, else `$XDG_CACHE_HOME/muse-studio`, else
 * `~/.cache/muse-studio`. Hub weights live under `hub/blobs/`, each named by its sha256.
 */
export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MUSE_CACHE) return env.MUSE_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'muse-studio');
}

/**
 * Why a download of a file is not the one the Hub lists, in words that say where the expected
 * hash comes from (the listing's LFS oid) and that nothing of the download is kept; undefined
 * when the hashes agree.
 */
export function hubShaProblem(src: HubSnapshotSource, expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  return `sha256 differs from the Hugging Face Hub listing of ${src.label}: the listing (LFS oid) says ${expected}, the download has ${actual}; the download was discarded (damaged on the way, or the file changed on the Hub: run again)`;
}

/** A weights file in the cache: where it is and its sha256 (checked when it was downloaded). */
export interface CachedFile {
  file: string;
  sha256: string;
  /** False when it was already in the cache (no download). */
  downloaded: boolean;
}

/**
 * File `path` of `src` in the cache folder `cacheDir`, downloading it when it is not there yet.
 * The body is written to a temporary file chunk by chunk and hashed on the way (node:crypto), so
 * no weights file is ever held whole; only a download with the listed size and sha256 is renamed
 * to `hub/blobs/<sha256>`, so a file found under that name was checked when it was stored and is
 * reused as it is (its size is compared). A download that breaks off, runs long or hashes
 * differently is deleted and rejects with a PackageError naming `path`. A file the listing gives
 * no sha256 (not an LFS file) has no name to be found by before it is read: it is downloaded on
 * every run and stored under the sha256 it has.
 */
export async function cachedHubFile(src: HubSnapshotSource, path: string, cacheDir: string, onDownload?: (path: string, bytes: number) => void): Promise<CachedFile> {
  const listed = src.files.get(path);
  if (!listed) throw new PackageError(`not in ${src.label}`, path);
  const blobs = join(cacheDir, 'hub', 'blobs');
  if (listed.sha256 !== undefined) {
    const file = join(blobs, listed.sha256);
    const found = await stat(file).catch(() => undefined);
    if (found?.isFile() && found.size === listed.size) return { file, sha256: listed.sha256, downloaded: false };
  }
  await mkdir(blobs, { recursive: true });
  const part = join(blobs, `.${randomBytes(6).toString('hex')}.part`);
  try {
    onDownload?.(path, listed.size);
    const sha256 = await downloadTo(src, path, part, listed.size);
    const problem = listed.sha256 === undefined ? undefined : hubShaProblem(src, listed.sha256, sha256);
    if (problem) throw new PackageError(problem, path);
    const file = join(blobs, sha256);
    await rename(part, file);
    return { file, sha256, downloaded: true };
  } finally {
    await rm(part, { force: true });
  }
}

/** Streams `path` into `file`, hashing it on the way; checks its length against the listing. Resolves to its sha256. */
async function downloadTo(src: HubSnapshotSource, path: string, file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = await open(file, 'wx');
  let received = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    reader = (await src.stream(path)).getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      received += chunk.byteLength;
      if (received > size) throw new PackageError(`${src.label} lists ${size} bytes, the download has more; the download was discarded`, path);
      hash.update(chunk);
      for (let at = 0; at < chunk.byteLength; ) at += (await out.write(chunk, at)).bytesWritten;
    }
  } catch (err) {
    // Stop the transfer too (a file running long would otherwise go on downloading).
    await reader?.cancel().catch(() => {});
    throw err instanceof PackageError ? err : new PackageError(`download from ${src.label} failed (${describeError(err)}); the download was discarded`, path);
  } finally {
    await out.close();
  }
  if (received !== size) throw new PackageError(`${src.label} lists ${size} bytes, the download had ${received}; the download was discarded`, path);
  return hash.digest('hex');
}
