/**
 * The model store: packages kept once, in Cache Storage (layout and why: layout.ts, README.md).
 * Every file is put only after it was verified; the commit record goes last, so a package is
 * either fully there or not listed at all. Deleting removes the record first for the same reason.
 */
import {
  browserCaches,
  ID_PATTERN,
  idOfKey,
  isRecordKey,
  keys,
  lockName,
  MODELS_CACHE,
  readAllowedOrigins,
  type CacheLike,
  type CacheStorageLike,
} from './layout';
import { modelOrigin } from '../../sw/csp';

/** Where a stored package came from: what "Download again" needs after the browser evicted it. */
export type PackageOrigin =
  | { kind: 'embedded'; url: string }
  | { kind: 'url'; url: string }
  | { kind: 'folder'; name: string };

/** The commit record of a stored package (record.json). */
export interface StoredPackage {
  id: string;
  /** manifest.name */
  name: string;
  displayName: string;
  fixture: boolean;
  origin: PackageOrigin;
  /** Bytes of all files, manifest.json included. */
  bytes: number;
  files: number;
  manifestSha256: string;
  /** ISO date. */
  addedAt: string;
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

function str(v: unknown, max = 500): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}
function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Validates a stored PackageOrigin. */
export function checkOrigin(v: unknown): PackageOrigin | null {
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) return null;
  if ((o.kind === 'embedded' || o.kind === 'url') && str(o.url, 2000)) return { kind: o.kind, url: o.url };
  if (o.kind === 'folder' && str(o.name)) return { kind: 'folder', name: o.name };
  return null;
}

/** The one validator of stored records: anything else in storage is ignored, never trusted. */
export function checkRecord(v: unknown): StoredPackage | null {
  const r = v as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) return null;
  const origin = checkOrigin(r.origin);
  const ok =
    str(r.id) && ID_PATTERN.test(r.id) && str(r.name) && str(r.displayName) && typeof r.fixture === 'boolean' &&
    count(r.bytes) && count(r.files) && typeof r.manifestSha256 === 'string' && /^[0-9a-f]{64}$/.test(r.manifestSha256) &&
    str(r.addedAt, 40) && origin !== null;
  if (!ok) return null;
  return {
    id: r.id as string,
    name: r.name as string,
    displayName: r.displayName as string,
    fixture: r.fixture as boolean,
    origin: origin!,
    bytes: r.bytes as number,
    files: r.files as number,
    manifestSha256: r.manifestSha256 as string,
    addedAt: r.addedAt as string,
  };
}

/** Runs `fn` holding the package's Web Lock; `null` when another tab holds it. No Web Locks: runs. */
async function withLock<T>(id: string, fn: () => Promise<T>): Promise<T | null> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return fn();
  return locks.request(lockName(id), { ifAvailable: true }, async (lock) => (lock ? fn() : null));
}

export class ModelStore {
  constructor(private readonly storage: CacheStorageLike = browserCaches()) {}

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
  async readFile(id: string, path: string): Promise<Uint8Array | undefined> {
    const res = await (await this.cache()).match(keys.file(id, path));
    return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
  }

  /** Stages one verified file. Throws StorageError (quota: true when storage is full). */
  async putFile(id: string, path: string, bytes: Uint8Array): Promise<void> {
    await this.put(keys.file(id, path), bytes, 'application/octet-stream');
  }

  /** Commits a package whose files are all staged: the record is the last write. */
  async commit(record: StoredPackage): Promise<void> {
    await this.put(keys.record(record.id), new TextEncoder().encode(JSON.stringify(record)), 'application/json');
  }

  private async put(key: string, bytes: Uint8Array, type: string): Promise<void> {
    const cache = await this.cache();
    try {
      await cache.put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': type } }));
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

  /** Deletes the staged files of an id that has no record (an abandoned download). */
  async discard(id: string): Promise<void> {
    const cache = await this.cache();
    if (await cache.match(keys.record(id))) return;
    await this.deleteFiles(cache, id);
  }

  private async deleteFiles(cache: CacheLike, id: string): Promise<void> {
    const prefix = keys.prefix(id);
    for (const req of await cache.keys()) {
      const path = req.url.startsWith('/') ? req.url : new URL(req.url).pathname;
      if (path.startsWith(prefix)) await cache.delete(req.url);
    }
  }

  /**
   * Deletes leftovers of interrupted downloads (ids with files and no record) that no tab is
   * writing now (Web Lock free). Returns how many were removed.
   */
  async cleanup(): Promise<number> {
    const cache = await this.cache();
    const committed = new Set<string>();
    const seen = new Set<string>();
    for (const req of await cache.keys()) {
      const id = idOfKey(req.url);
      if (id === null) continue;
      seen.add(id);
      if (isRecordKey(req.url)) committed.add(id);
    }
    let removed = 0;
    for (const id of seen) {
      if (committed.has(id)) continue;
      const done = await withLock(id, async () => {
        await this.discard(id);
        return true;
      });
      if (done) removed++;
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
