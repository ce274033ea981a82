/**
 * Where stored model packages live in Cache Storage, shared by the page (model manager), the
 * engine worker (stored source) and the service worker (allowed origins). No DOM, no React.
 *
 * One cache, `muse-models-v1`, keyed by synthetic same-origin URLs that no server answers:
 *
 *   /__muse-models/pkg/<id>/files/<path>   every file of the package, manifest.json included;
 *                                           each one put only after its size and sha256 verified
 *   /__muse-models/pkg/<id>/record.json     the commit record, written LAST: a package exists
 *                                           exactly when its record does (manifest-last rule)
 *   /__muse-models/pkg/<id>/staging.json    a download not committed yet (records.ts), written
 *                                           before its first file, deleted after the commit
 *   /__muse-models/allowed-origins.json     model sites the user allowed (JSON array of origins)
 *
 * Files of an id without a record are a staging area: a download in progress (holding the Web
 * Lock `lockName(id)`) or an interrupted one. With a valid staging.json it is offered for Resume
 * at the next start (for STAGING_MAX_AGE_MS); without one it is deleted then.
 */

export const MODELS_CACHE = 'muse-models-v1';
const ROOT = '/__muse-models/';

/** Package ids: the manifest's name plus 12 hex digits of the manifest's sha256. */
export const ID_PATTERN = /^[a-z0-9-]+-[0-9a-f]{12}$/;

/** A package-relative path as a URL path: each segment percent-encoded, so nothing resolves away. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export const keys = {
  prefix: (id: string) => `${ROOT}pkg/${id}/`,
  file: (id: string, path: string) => `${ROOT}pkg/${id}/files/${encodePath(path)}`,
  record: (id: string) => `${ROOT}pkg/${id}/record.json`,
  staging: (id: string) => `${ROOT}pkg/${id}/staging.json`,
  allowedOrigins: `${ROOT}allowed-origins.json`,
};

/** The package id a cache key belongs to, or null for keys outside `pkg/`. */
export function idOfKey(url: string): string | null {
  const path = url.startsWith('/') ? url : new URL(url).pathname;
  const m = /^\/__muse-models\/pkg\/([^/]+)\//.exec(path);
  return m ? decodeURIComponent(m[1]) : null;
}

/** True when a key is a commit record. */
export function isRecordKey(url: string): boolean {
  const path = url.startsWith('/') ? url : new URL(url).pathname;
  return /^\/__muse-models\/pkg\/[^/]+\/record\.json$/.test(path);
}

/** The Web Lock held while a package id is being written (or cleaned up). */
export const lockName = (id: string) => `muse-models:${id}`;

/** `modelUrl` of a stored package in the worker protocol: `stored:<id>`. */
export const STORED_PREFIX = 'stored:';
export const storedUrl = (id: string) => `${STORED_PREFIX}${id}`;
export function storedIdOf(modelUrl: string): string | null {
  return modelUrl.startsWith(STORED_PREFIX) ? modelUrl.slice(STORED_PREFIX.length) : null;
}

/** The subset of Cache Storage the store uses, so tests can pass an in-memory one. */
export interface CacheLike {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<ReadonlyArray<{ url: string }>>;
}
export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
  delete(name: string): Promise<boolean>;
}

/** The global Cache Storage (page, worker and service worker all have `caches`). */
export function browserCaches(): CacheStorageLike {
  if (typeof caches === 'undefined') {
    throw new Error('This browser offers no Cache Storage here (it needs https or localhost, and not a private window in some browsers).');
  }
  return caches as unknown as CacheStorageLike;
}

/** Reads the allowed model origins; anything malformed counts as none. */
export async function readAllowedOrigins(storage: CacheStorageLike): Promise<string[]> {
  try {
    const res = await (await storage.open(MODELS_CACHE)).match(keys.allowedOrigins);
    const value: unknown = res ? await res.json() : [];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
