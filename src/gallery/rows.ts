// The one validator for stored gallery rows. Everything read from IndexedDB passes through
// here: the data may come from an older version of the app, another tab, or a damaged store.
import { checkGenerationParams } from '../engine/png';
import type { GalleryItem } from './types';

export type RowCheck = { ok: true; item: GalleryItem } | { ok: false; reason: string };

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;

/** Validates a row and returns a clean copy with only the known fields. */
export function checkGalleryRow(value: unknown): RowCheck {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'the row is not an object' };
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id === '') return { ok: false, reason: 'missing id' };
  if (typeof v.createdAt !== 'number' || !Number.isFinite(v.createdAt)) return { ok: false, reason: 'missing or invalid createdAt' };
  if (!(v.png instanceof Blob) || v.png.size === 0) return { ok: false, reason: 'missing PNG data' };
  if (!isPositiveInt(v.width) || !isPositiveInt(v.height)) return { ok: false, reason: 'invalid width or height' };
  let params;
  try {
    params = checkGenerationParams(v.params);
  } catch (e) {
    return { ok: false, reason: `invalid parameters: ${e instanceof Error ? e.message : String(e)}` };
  }
  const item: GalleryItem = { id: v.id, createdAt: v.createdAt, params, png: v.png, width: v.width, height: v.height };
  return { ok: true, item };
}

/** Newest first; ties broken by id so the order is stable. */
export function compareNewestFirst(a: GalleryItem, b: GalleryItem): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
