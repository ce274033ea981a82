/**
 * Settings that survive reloads, in localStorage, with a decision per key.
 *
 * `persisted(key, store, plan)` keeps the chosen keys of a zustand store. The plan is a typed map
 * with one entry for EVERY key of the state (excalidraw's lesson: adding a key to a store without
 * deciding whether it is saved fails to compile). Saved values are validated on read: a value that
 * fails its reader is dropped and the store keeps its default, so a stale or tampered entry can
 * never put the app into a state the UI does not expect.
 */
import type { StoreApi } from 'zustand';

/** Reads a stored value: the value to use, or undefined to keep the default. */
export type Reader<T> = (raw: unknown) => T | undefined;

export interface Keep<T> {
  persist: true;
  read: Reader<T>;
}
export interface Skip {
  persist: false;
  /** Why this key is not saved (for the next person who wonders). */
  because: string;
}
export type Decision<T> = Keep<T> | Skip;

/** One decision per state key; functions (actions) must be decided too (`skip('action')`). */
export type PersistPlan<S> = { [K in keyof S]-?: Decision<S[K]> };

export const keep = <T>(read: Reader<T>): Keep<T> => ({ persist: true, read });
export const skip = (because: string): Skip => ({ persist: false, because });

/** The part of Web Storage we use, so tests can pass a Map-backed one. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'muse-studio:';

/** localStorage, or a no-op when it is unavailable (some private modes throw on access). */
export function defaultStorage(): KeyValueStorage {
  try {
    const s = globalThis.localStorage;
    if (s) return s;
  } catch {
    // fall through
  }
  return { getItem: () => null, setItem: () => {}, removeItem: () => {} };
}

function readJson(storage: KeyValueStorage, name: string): unknown {
  try {
    const text = storage.getItem(name);
    return text === null ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function writeJson(storage: KeyValueStorage, name: string, value: unknown): void {
  try {
    storage.setItem(name, JSON.stringify(value));
  } catch {
    // Full or blocked storage: the setting lasts for this visit only, which is all we can do.
  }
}

/**
 * Restores the kept keys of `store` from storage now, then saves them whenever they change.
 * Returns a function that stops saving.
 */
export function persisted<S extends object>(
  key: string,
  store: StoreApi<S>,
  plan: PersistPlan<S>,
  storage: KeyValueStorage = defaultStorage(),
): () => void {
  const name = PREFIX + key;
  const kept = (Object.keys(plan) as Array<keyof S>).filter((k) => plan[k].persist);
  const pick = (state: S): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of kept) out[k as string] = state[k];
    return out;
  };

  const raw = readJson(storage, name);
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const saved = raw as Record<string, unknown>;
    const patch: Partial<S> = {};
    for (const k of kept) {
      if (!Object.hasOwn(saved, k as string)) continue;
      const value = (plan[k] as Keep<S[typeof k]>).read(saved[k as string]);
      if (value !== undefined) patch[k] = value;
    }
    store.setState(patch);
  }

  let last = JSON.stringify(pick(store.getState()));
  return store.subscribe((state) => {
    const next = JSON.stringify(pick(state));
    if (next === last) return;
    last = next;
    writeJson(storage, name, pick(state));
  });
}

/** One saved value outside any store (e.g. the backend override, the chosen model). */
export interface PersistedValue<T> {
  get(): T;
  set(value: T): void;
}

export function persistedValue<T>(
  key: string,
  read: Reader<T>,
  fallback: T,
  storage: KeyValueStorage = defaultStorage(),
): PersistedValue<T> {
  const name = PREFIX + key;
  return {
    get: () => {
      const raw = readJson(storage, name);
      return raw === undefined ? fallback : (read(raw) ?? fallback);
    },
    set: (value) => writeJson(storage, name, value),
  };
}
