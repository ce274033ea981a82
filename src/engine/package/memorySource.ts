import { PackageError } from '../errors';
import type { PackageSource } from './source';

/**
 * A package held in memory, keyed by manifest-relative path: files the user dropped or picked,
 * bytes restored from a cache, or packages built in tests.
 */
export function createMemorySource(label: string, files: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>): PackageSource {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return {
    label,
    read(path: string): Promise<Uint8Array> {
      const bytes = map.get(path);
      if (!bytes) return Promise.reject(new PackageError(`file not found in ${label}`, path));
      return Promise.resolve(bytes);
    },
  };
}
