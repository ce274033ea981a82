// IndexedDB storage for saved images: database "muse-studio", object store "images" keyed by
// `id`. Each write is one put in one transaction, so a failure (quota included) leaves the
// store exactly as it was. Every row read is validated; bad rows are skipped and reported.
import { checkGalleryRow, compareNewestFirst } from './rows';
import { GalleryError, type GalleryItem, type NewGalleryEntry } from './types';

export const GALLERY_DB_NAME = 'muse-studio';
export const GALLERY_STORE = 'images';

/** A stored row that failed validation; it stays in the store until deleted. */
export interface SkippedRow {
  key: string;
  reason: string;
}

export interface GalleryListing {
  /** Valid rows, newest first. */
  items: GalleryItem[];
  skipped: SkippedRow[];
}

let connection: Promise<IDBDatabase> | undefined;

function requestResult<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('The transaction was aborted', 'AbortError'));
  });
}

function isQuotaError(e: unknown): boolean {
  const err = e as { name?: unknown; code?: unknown } | null;
  return !!err && (err.name === 'QuotaExceededError' || err.code === 22);
}

/** Wraps a storage failure in a GalleryError with a message a user can act on. */
function toGalleryError(e: unknown, action: string): GalleryError {
  if (e instanceof GalleryError) return e;
  if (isQuotaError(e)) {
    return new GalleryError(
      'quota',
      'Not enough storage space to save this image to the gallery. Delete some saved images or free up disk space, then try again.',
      { cause: e },
    );
  }
  const detail = e instanceof Error || e instanceof DOMException ? e.message : String(e);
  return new GalleryError('failed', `Could not ${action}: ${detail || 'unknown storage error'}`, { cause: e });
}

function openWith(factory: IDBFactory, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = version === undefined ? factory.open(GALLERY_DB_NAME) : factory.open(GALLERY_DB_NAME, version);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(GALLERY_STORE)) {
        req.result.createObjectStore(GALLERY_STORE, { keyPath: 'id' });
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    // "blocked" means another tab holds an older version open; it closes on our versionchange
    // (see below), after which the open proceeds, so there is nothing to do but wait.
  });
}

/**
 * Opens the database at whatever version it has and upgrades it only when our store is
 * missing, so other modules may add their own stores to "muse-studio" without a version clash.
 */
async function openGalleryDb(): Promise<IDBDatabase> {
  const factory = globalThis.indexedDB as IDBFactory | undefined;
  if (!factory) {
    throw new GalleryError('unavailable', 'This browser offers no IndexedDB storage (private browsing can cause this), so the gallery cannot save images.');
  }
  let db = await openWith(factory);
  if (!db.objectStoreNames.contains(GALLERY_STORE)) {
    const next = db.version + 1;
    db.close();
    db = await openWith(factory, next);
  }
  // Let another tab upgrade the schema: close now, reopen on the next call.
  db.onversionchange = () => {
    db.close();
    connection = undefined;
  };
  db.onclose = () => {
    connection = undefined;
  };
  return db;
}

function database(): Promise<IDBDatabase> {
  if (!connection) {
    const opening = openGalleryDb().catch((e: unknown) => {
      connection = undefined; // let the next call retry
      throw e instanceof GalleryError ? e : new GalleryError('unavailable', `Could not open the gallery storage: ${String((e as Error)?.message ?? e)}`, { cause: e });
    });
    connection = opening;
  }
  return connection;
}

/** Closes the shared connection; the next call opens a new one. */
export async function closeGalleryDb(): Promise<void> {
  const open = connection;
  connection = undefined;
  if (open) (await open.catch(() => undefined))?.close();
}

/**
 * Stores a new image. `params` and the blobs are validated first; the row is written in a
 * single transaction, so on any failure (GalleryError code "quota" when the disk is full)
 * nothing is stored. Fails with code "failed" if the id already exists.
 */
export async function addToGallery(entry: NewGalleryEntry): Promise<GalleryItem> {
  const check = checkGalleryRow({ ...entry, id: entry.id ?? newId(), createdAt: entry.createdAt ?? Date.now() });
  if (!check.ok) throw new GalleryError('invalid-entry', `Cannot save this image to the gallery: ${check.reason}.`);
  const item = check.item;
  const db = await database();
  try {
    const tx = db.transaction(GALLERY_STORE, 'readwrite');
    const done = transactionDone(tx);
    done.catch(() => {}); // observed below; avoids an unhandled rejection if add() throws
    try {
      tx.objectStore(GALLERY_STORE).add(item);
    } catch (e) {
      abortQuietly(tx);
      throw e;
    }
    await done;
  } catch (e) {
    if ((e as { name?: unknown } | null)?.name === 'ConstraintError') {
      throw new GalleryError('failed', 'An image with this id is already in the gallery.', { cause: e });
    }
    throw toGalleryError(e, 'save the image to the gallery');
  }
  return item;
}

function abortQuietly(tx: IDBTransaction): void {
  try {
    tx.abort();
  } catch {
    // already finished or aborted: nothing was committed by this transaction
  }
}

/** Lists valid rows newest first; rows that fail validation are skipped and listed in `skipped`. */
export async function listGallery(): Promise<GalleryListing> {
  const db = await database();
  const rows: { key: IDBValidKey; value: unknown }[] = [];
  try {
    const tx = db.transaction(GALLERY_STORE, 'readonly');
    const done = transactionDone(tx);
    const cursorReq = tx.objectStore(GALLERY_STORE).openCursor();
    cursorReq.onsuccess = () => {
      const cursor = cursorReq.result;
      if (!cursor) return;
      rows.push({ key: cursor.primaryKey, value: cursor.value });
      cursor.continue();
    };
    await done;
  } catch (e) {
    throw toGalleryError(e, 'read the gallery');
  }
  const items: GalleryItem[] = [];
  const skipped: SkippedRow[] = [];
  for (const { key, value } of rows) {
    const check = checkGalleryRow(value);
    if (check.ok) items.push(check.item);
    else skipped.push({ key: String(key), reason: check.reason });
  }
  items.sort(compareNewestFirst);
  return { items, skipped };
}

/** Removes an image (no error if it is already gone). */
export async function deleteFromGallery(id: string): Promise<void> {
  const db = await database();
  try {
    const tx = db.transaction(GALLERY_STORE, 'readwrite');
    const done = transactionDone(tx);
    tx.objectStore(GALLERY_STORE).delete(id);
    await done;
  } catch (e) {
    throw toGalleryError(e, 'delete the image');
  }
}

/** The stored PNG (with its "parameters" chunk). GalleryError "not-found" when gone or unreadable. */
export async function getGalleryPng(id: string): Promise<Blob> {
  const db = await database();
  let value: unknown;
  try {
    value = await requestResult(db.transaction(GALLERY_STORE, 'readonly').objectStore(GALLERY_STORE).get(id));
  } catch (e) {
    throw toGalleryError(e, 'read the image');
  }
  if (value === undefined) throw new GalleryError('not-found', 'This image is no longer in the gallery.');
  const check = checkGalleryRow(value);
  if (!check.ok) throw new GalleryError('not-found', `This saved image is damaged and cannot be read (${check.reason}).`);
  return check.item.png;
}

/** A random id; crypto.randomUUID exists only in secure contexts, so fall back to getRandomValues. */
function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
