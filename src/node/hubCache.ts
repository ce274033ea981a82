import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HubSnapshotSource } from '../engine/diffusers';
import { PackageError, describeError } from '../engine/errors';

/**
 * The CLI's cache folder: `MUSE_CACHE`, else `$XDG_CACHE_HOME/muse-studio`, else
 * `~/.cache/muse-studio`. Hub weights live under `hub/blobs/`, each named by its sha256, with a
 * note of where it came from in `hub/info/<sha256>.json` (for `--cache`); a download in progress
 * is a `hub/blobs/.<random>.part` file until it is checked.
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
    // Where it came from, for --cache; only a note: a missing or broken one changes nothing else.
    const info: BlobInfo = { source: src.label, path, downloadedAt: new Date().toISOString() };
    await mkdir(join(cacheDir, 'hub', 'info'), { recursive: true })
      .then(() => writeFile(join(cacheDir, 'hub', 'info', `${sha256}.json`), JSON.stringify(info)))
      .catch(() => {});
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

/** What the cache notes about a blob when it is downloaded (`hub/info/<sha256>.json`). */
interface BlobInfo {
  /** The Hub snapshot it was downloaded for (`owner/name@revision`, with the endpoint when not huggingface.co). */
  source: string;
  /** Its path in that snapshot. */
  path: string;
  downloadedAt: string;
}

/** One checked weights file in the cache. */
export interface CachedBlob {
  sha256: string;
  bytes: number;
  /** Where it was downloaded from, when the cache noted it. */
  from?: { source: string; path: string };
}

/** An unfinished download: its file name, size so far and when it was last written. */
export interface PartialDownload {
  name: string;
  bytes: number;
  modifiedMs: number;
}

/** What the Hub cache holds: checked blobs (largest first), unfinished downloads, and their bytes in all. */
export interface HubCacheListing {
  dir: string;
  blobs: CachedBlob[];
  partial: PartialDownload[];
  bytes: number;
}

const SHA256_NAME = /^[0-9a-f]{64}$/;

function blobInfo(text: string): CachedBlob['from'] {
  try {
    const v = JSON.parse(text) as Partial<BlobInfo> | null;
    return typeof v?.source === 'string' && typeof v.path === 'string' ? { source: v.source, path: v.path } : undefined;
  } catch {
    return undefined;
  }
}

/** Lists the Hub cache under `cacheDir` (an empty listing when there is none yet). Other files there are left out. */
export async function listHubCache(cacheDir: string): Promise<HubCacheListing> {
  const dir = join(cacheDir, 'hub', 'blobs');
  const names = await readdir(dir).catch(() => [] as string[]);
  const blobs: CachedBlob[] = [];
  const partial: PartialDownload[] = [];
  for (const name of names) {
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (SHA256_NAME.test(name)) {
      const from = blobInfo(await readFile(join(cacheDir, 'hub', 'info', `${name}.json`), 'utf8').catch(() => ''));
      blobs.push({ sha256: name, bytes: st.size, ...(from ? { from } : {}) });
    } else if (name.endsWith('.part')) {
      partial.push({ name, bytes: st.size, modifiedMs: st.mtimeMs });
    }
  }
  blobs.sort((a, b) => b.bytes - a.bytes || a.sha256.localeCompare(b.sha256));
  const bytes = [...blobs, ...partial].reduce((n, f) => n + f.bytes, 0);
  return { dir, blobs, partial, bytes };
}

/**
 * Empties the Hub cache under `cacheDir`: every checked blob and its note, and every unfinished
 * download not written for `staleMs` (one written more recently may be another run's download in
 * progress, which would fail if its file went). Blobs are not pruned one by one: they are named by
 * content and no record says which models will be run again, so "unused" cannot be told apart;
 * a model run after the clear downloads its files again.
 */
export async function clearHubCache(cacheDir: string, staleMs: number, now = Date.now()): Promise<{ removed: number; bytes: number; keptPartial: PartialDownload[] }> {
  const listing = await listHubCache(cacheDir);
  let removed = 0;
  let bytes = 0;
  const keptPartial: PartialDownload[] = [];
  for (const b of listing.blobs) {
    await rm(join(listing.dir, b.sha256), { force: true });
    await rm(join(cacheDir, 'hub', 'info', `${b.sha256}.json`), { force: true });
    removed++;
    bytes += b.bytes;
  }
  for (const p of listing.partial) {
    if (now - p.modifiedMs < staleMs) {
      keptPartial.push(p);
      continue;
    }
    await rm(join(listing.dir, p.name), { force: true });
    removed++;
    bytes += p.bytes;
  }
  return { removed, bytes, keptPartial };
}
