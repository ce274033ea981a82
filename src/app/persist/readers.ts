/** Small readers for stored values: each returns the value when valid, else undefined. */
import type { Reader } from './persisted';

export const oneOf =
  <T extends string>(...values: T[]): Reader<T> =>
  (raw) =>
    typeof raw === 'string' && (values as string[]).includes(raw) ? (raw as T) : undefined;

export const intIn =
  (min: number, max: number): Reader<number> =>
  (raw) =>
    typeof raw === 'number' && Number.isInteger(raw) && raw >= min && raw <= max ? raw : undefined;

export const numberIn =
  (min: number, max: number): Reader<number> =>
  (raw) =>
    typeof raw === 'number' && Number.isFinite(raw) && raw >= min && raw <= max ? raw : undefined;

export const text =
  (maxLength: number): Reader<string> =>
  (raw) =>
    typeof raw === 'string' && raw.length <= maxLength ? raw : undefined;

export const bool: Reader<boolean> = (raw) => (typeof raw === 'boolean' ? raw : undefined);

/**
 * An object whose keys match `keyPattern` and whose values pass `value`; bad entries are dropped
 * one by one (a single stale field does not cost the others).
 */
export const recordOf =
  <V>(keyPattern: RegExp, value: Reader<V>, maxKeys = 64): Reader<Record<string, V>> =>
  (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const out: Record<string, V> = {};
    for (const [k, v] of Object.entries(raw).slice(0, maxKeys)) {
      const ok = value(v);
      if (keyPattern.test(k) && ok !== undefined) out[k] = ok;
    }
    return out;
  };
