import type { OrtTensor } from '../ort';

/**
 * Inputs that stay the same for every iteration of a stage (text states, text mask, pooled text,
 * micro-conditioning, low-res tokens), placed where the session reads them once per stage run
 * instead of once per forward pass. On WebGPU the worker uploads them to GPU buffers; without a
 * placer they stay CPU tensors, which ORT copies on every run (WASM and Node: a memcpy of a few
 * KiB into the runtime's heap, measured in docs/BENCHMARKS.md).
 */
export interface PlacedConstants {
  feeds: Record<string, OrtTensor>;
  /** Frees what `place` allocated; called once the stage run ends, also on error or cancel. */
  release(): void;
}

export type ConstantPlacer = (feeds: Record<string, OrtTensor>) => Promise<PlacedConstants>;

/** The placer used when none is given: the CPU tensors as they are. */
export const keepOnCpu: ConstantPlacer = (feeds) => Promise.resolve({ feeds, release: () => {} });
