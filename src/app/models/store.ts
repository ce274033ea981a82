/**
 * The model store: packages kept once, in Cache Storage (layout and why: layout.ts, README.md).
 * Every file is put only after it was verified; the commit record goes last, so a package is
 * either fully there or not listed at all. Deleting removes the record first for the same reason.
 */
import {
  browserCaches,
  idOfKey,
  isRecordKey,
  keys,
  lockName,
  MODELS_CACHE,
  readAllowedOrigins,
  type CacheLike,
  type CacheStorageLike,
} from '../../storage/layout';
import { storedFiles, type StoredFiles } from '../../storage/storedFiles';
import { checkRecord, checkStaging, STAGING_MAX_AGE_MS, type StagingRecord, type StoredPackage } from './records';
import { modelOrigin } from '../../sw/csp';

export { checkOrigin, checkRecord, type PackageOrigin, type StagingRecord, type StoredPackage } from './records';

/** An interrupted download: its staging record and the files already saved (each verified before it was put). */
export interface Unfinished {
  staging: StagingRecord;
  saved: Set<string>;
}

/** Storage refused a write (quota) or failed; `quota` says which. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly quota: boolean,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** The path of a cache key (the real Cache API gives absolute URLs, tests give paths). */
function keyPath(url: string): string {
  return url.startsWith('/') ? url : new URL(url).pathname;
}

/** Runs `fn` holding the package's Web Lock; `null` when another tab holds it. No Web Locks: runs. */
async function withLock<T>(id: string, fn: () => Promise<T>): Promise<T | null> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return fn();
  return locks.request(lockName(id), { ifAvailable: true }, async (lock) => (lock ? fn() : null));
}

export class ModelStore {
  /** Files are read through the same reader as the worker's stored source (src/storage/storedFiles.ts). */
  private readonly files: StoredFiles;

  constructor(private readonly storage: CacheStorageLike = browserCaches()) {
    this.files = storedFiles(storage);
  }

  private cache(): Promise<CacheLike> {
    return this.storage.open(MODELS_CACHE);
  }

  /** Committed packages, oldest first; records that fail validation are counted, not listed. */
  async list(): Promise<{ packages: StoredPackage[]; skipped: number }> {
    const cache = await this.cache();
    const packages: StoredPackage[] = [];
    let skipped = 0;
    for (const req of await cache.keys()) {
      if (!isRecordKey(req.url)) continue;
      const res = await cache.match(req.url);
      const rec = checkRecord(await res?.json().catch(() => null));
      if (rec && idOfKey(req.url) === rec.id) packages.push(rec);
      else skipped++;
    }
    packages.sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.id.localeCompare(b.id));
    return { packages, skipped };
  }

  async get(id: string): Promise<StoredPackage | undefined> {
    const res = await (await this.cache()).match(keys.record(id));
    const rec = checkRecord(await res?.json().catch(() => null));
    return rec && rec.id === id ? rec : undefined;
  }

  /** A stored (or staged) file's bytes, or undefined. */
  readFile(id: string, path: string): Promise<Uint8Array | undefined> {
    return this.files.read(id, path);
  }

  /** Whether a file is stored (or staged) under `id`. */
  async hasFile(id: string, path: string): Promise<boolean> {
    return (await this.files.match(id, path)) !== undefined;
  }

  /** A stored (or staged) file's body, read as a stream (large files are never held whole), or undefined. */
  fileStream(id: string, path: string): Promise<ReadableStream<Uint8Array> | undefined> {
    return this.files.stream(id, path);
  }

  /** Stages one verified file. Throws StorageError (quota: true when storage is full). */
  async putFile(id: string, path: string, bytes: Uint8Array): Promise<void> {
    await this.put(keys.file(id, path), bytes, 'application/octet-stream');
  }

  /**
   * Stages one file written as `body` streams in (Cache Storage takes a streamed Response body
   * and writes it as it comes). If `body` errors — the network dropped, or the checks the caller
   * put in it failed — the put fails and nothing is stored under the key. Throws StorageError.
   */
  async putFileStream(id: string, path: string, body: ReadableStream<Uint8Array>): Promise<void> {
    await this.put(keys.file(id, path), body, 'application/octet-stream');
  }

  /**
   * Notes a download before its first file is staged, so a later visit can offer to resume it
   * (records.ts). Throws StorageError like putFile.
   */
  async stage(staging: StagingRecord): Promise<void> {
    await this.put(keys.staging(staging.id), new TextEncoder().encode(JSON.stringify(staging)), 'application/json');
  }

  /**
   * Commits a package whose files are all staged: the record is the last write that matters.
   * The staging note goes after it; one left by a reload in between is removed by cleanup().
   */
  async commit(record: StoredPackage): Promise<void> {
    await this.put(keys.record(record.id), new TextEncoder().encode(JSON.stringify(record)), 'application/json');
    await (await this.cache()).delete(keys.staging(record.id)).catch(() => false);
  }

  private async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, type: string): Promise<void> {
    const cache = await this.cache();
    try {
      await cache.put(key, new Response(body as Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>, { headers: { 'Content-Type': type } }));
    } catch (e) {
      if (isQuotaError(e)) throw new StorageError('the browser has no room left for it', true);
      throw new StorageError(`the browser refused to store it (${e instanceof Error ? e.message : String(e)})`, false);
    }
  }

  /** Deletes a package: record first (it disappears at once), then its files. */
  async remove(id: string): Promise<void> {
    const cache = await this.cache();
    await cache.delete(keys.record(id));
    await this.deleteFiles(cache, id);
  }

  /** Deletes the staged files of an id that has no record (an abandoned download). The caller holds its lock. */
  async discard(id: string): Promise<void> {
    const cache = await this.cache();
    if (await cache.match(keys.record(id))) return;
    await this.deleteFiles(cache, id);
  }

  /** The user gave up an interrupted download: discard it unless another tab is writing it (then false). */
  async abandon(id: string): Promise<boolean> {
    const done = await withLock(id, async () => {
      await this.discard(id);
      return true;
    });
    return done === true;
  }

  private async deleteFiles(cache: CacheLike, id: string): Promise<void> {
    const prefix = keys.prefix(id);
    for (const req of await cache.keys()) {
      if (keyPath(req.url).startsWith(prefix)) await cache.delete(req.url);
    }
  }

  /** Every package id in the cache, with the key paths it holds. */
  private async scan(cache: CacheLike): Promise<Map<string, Set<string>>> {
    const ids = new Map<string, Set<string>>();
    for (const req of await cache.keys()) {
      const id = idOfKey(req.url);
      if (id === null) continue;
      let paths = ids.get(id);
      if (!paths) ids.set(id, (paths = new Set()));
      paths.add(keyPath(req.url));
    }
    return ids;
  }

  /** The valid staging record of `id`, if any. */
  private async readStaging(cache: CacheLike, id: string): Promise<StagingRecord | null> {
    const res = await cache.match(keys.staging(id));
    const staging = checkStaging(await res?.json().catch(() => null));
    return staging?.id === id ? staging : null;
  }

  /**
   * Downloads that stopped before their commit (the page was closed or reloaded, or the network
   * failed) and that no tab is writing now, with the files they saved. Never a usable package:
   * nothing here has a record.
   */
  async unfinished(): Promise<Unfinished[]> {
    const cache = await this.cache();
    const out: Unfinished[] = [];
    for (const [id, paths] of await this.scan(cache)) {
      if (paths.has(keys.record(id)) || !paths.has(keys.staging(id))) continue;
      const staging = await this.readStaging(cache, id);
      if (!staging || (await withLock(id, async () => true)) === null) continue;
      out.push({ staging, saved: new Set(staging.files.map((f) => f.path).filter((p) => paths.has(keys.file(id, p)))) });
    }
    return out;
  }

  /**
   * At start: deletes what interrupted downloads left that cannot or should not be resumed
   * (no valid staging record, e.g. a folder add; or untouched for STAGING_MAX_AGE_MS), and the
   * staging note of a package that committed just before a reload. Staging that another tab is
   * writing (Web Lock held) is left alone. Returns how many downloads were removed.
   */
  async cleanup(now = Date.now()): Promise<number> {
    const cache = await this.cache();
    let removed = 0;
    for (const [id, paths] of await this.scan(cache)) {
      if (paths.has(keys.record(id))) {
        if (paths.has(keys.staging(id))) await cache.delete(keys.staging(id));
        continue;
      }
      const staging = await this.readStaging(cache, id);
      if (staging && now - Date.parse(staging.updatedAt) < STAGING_MAX_AGE_MS) continue;
      if (await this.abandon(id)) removed++;
    }
    return removed;
  }

  /** Runs a write to package `id` under its lock; null when another tab is writing it. */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T | null> {
    return withLock(id, fn);
  }

  allowedOrigins(): Promise<string[]> {
    return readAllowedOrigins(this.storage);
  }

  /** Adds (or, with `allow` false, removes) a model site for the next page load's policy. */
  async setOriginAllowed(origin: string, allow: boolean): Promise<string[]> {
    const clean = modelOrigin(origin);
    if (!clean) throw new Error(`${origin} is not an https (or local) origin`);
    const current = await this.allowedOrigins();
    const next = allow ? [...new Set([...current, clean])] : current.filter((o) => o !== clean);
    await this.put(keys.allowedOrigins, new TextEncoder().encode(JSON.stringify(next)), 'application/json');
    return next;
  }
}
