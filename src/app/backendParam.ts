import type { BackendPreference } from '../worker/protocol';

/** Reads `?backend=auto|webgpu|wasm`; anything else is ignored. */
export function parseBackendParam(value: string | null): BackendPreference | undefined {
  return value === 'auto' || value === 'webgpu' || value === 'wasm' ? value : undefined;
}
