/**
 * What the model store keeps about packages, and the only validators of it: anything read back
 * from storage passes through here, and whatever fails is ignored, never trusted.
 *
 * - `StoredPackage` (record.json): the commit record. A package exists exactly when it does.
 * - `StagingRecord` (staging.json): a download that has not committed yet, so a later visit can
 *   offer to resume it. It never makes a package usable; see layout.ts for where both live.
 */
import { ID_PATTERN } from '../../storage/layout';

/** Where a stored package came from: what "Download again" needs after the browser evicted it. */
export type PackageOrigin =
  | { kind: 'embedded'; url: string }
  | { kind: 'url'; url: string }
  | { kind: 'folder'; name: string }
  /**
   * A diffusers snapshot on the Hugging Face Hub: `owner/name@revision`, which weights files, and
   * the commit the revision was pinned to when it was downloaded (absent when the Hub did not say).
   */
  | { kind: 'hub'; id: string; variant?: 'fp16'; commit?: string };

/** What identifies where a download comes from (two downloads from it are the same download). */
export function originKey(origin: PackageOrigin): string {
  switch (origin.kind) {
    case 'embedded':
    case 'url':
      return origin.url;
    case 'folder':
      return `folder:${origin.name}`;
    case 'hub':
      return `hf:${origin.id}${origin.variant ? `:${origin.variant}` : ''}`;
  }
}

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
  /** manifest.license, shown in the stored list (absent in records written before it was kept). */
  license?: string;
}

/**
 * A download in progress or interrupted (staging.json), written before its first file. Only
 * downloads can be resumed in a later visit: a folder the user picked is gone after a reload.
 */
export interface StagingRecord {
  id: string;
  displayName: string;
  origin: Exclude<PackageOrigin, { kind: 'folder' }>;
  /** Every file the manifest lists (manifest.json excluded), for progress before anything is re-read. */
  files: Array<{ path: string; bytes: number }>;
  /** ISO date of the last attempt: staging untouched for STAGING_MAX_AGE_MS is deleted at start. */
  updatedAt: string;
}

/** How long an interrupted download is offered for Resume before its files are deleted. */
export const STAGING_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

function str(v: unknown, max = 500): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}
function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function date(v: unknown): v is string {
  return str(v, 40) && !Number.isNaN(Date.parse(v));
}

/** Validates a stored PackageOrigin. */
export function checkOrigin(v: unknown): PackageOrigin | null {
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) return null;
  if ((o.kind === 'embedded' || o.kind === 'url') && str(o.url, 2000)) return { kind: o.kind, url: o.url };
  if (o.kind === 'folder' && str(o.name)) return { kind: 'folder', name: o.name };
  if (o.kind === 'hub' && str(o.id, 300)) {
    return {
      kind: 'hub',
      id: o.id,
      ...(o.variant === 'fp16' ? { variant: 'fp16' as const } : {}),
      ...(typeof o.commit === 'string' && /^[0-9a-f]{40}$/.test(o.commit) ? { commit: o.commit } : {}),
    };
  }
  return null;
}

/** The one validator of stored records. */
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
    ...(str(r.license) ? { license: r.license } : {}),
  };
}

/** The one validator of staging records. */
export function checkStaging(v: unknown): StagingRecord | null {
  const r = v as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) return null;
  const origin = checkOrigin(r.origin);
  if (!str(r.id) || !ID_PATTERN.test(r.id) || !str(r.displayName) || !date(r.updatedAt)) return null;
  if (origin === null || origin.kind === 'folder' || !Array.isArray(r.files) || r.files.length > 10_000) return null;
  const files: StagingRecord['files'] = [];
  for (const f of r.files as unknown[]) {
    const e = f as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || !str(e.path, 1000) || !count(e.bytes)) return null;
    files.push({ path: e.path, bytes: e.bytes });
  }
  return { id: r.id, displayName: r.displayName, origin, files, updatedAt: r.updatedAt };
}
