/**
 * Which ONNX Runtime build a backend runs on, loaded the first time that backend is used.
 *
 * - WASM sessions run on ORT's plain build (`onnxruntime-web/wasm`: `ort-wasm-simd-threaded.wasm`,
 *   14 MB, no WebGPU EP, no asyncify). It is half the size of the `/webgpu` build, so a visit that
 *   runs on WASM fetches and compiles half as much before its first session.
 * - WebGPU sessions run on the `/webgpu` build (native WebGPU EP, `*.asyncify.wasm`, 27 MB). The
 *   default entry's JSEP build is not used: it breaks WebGPU sessions when a WASM session is
 *   released after them (measured in Chromium 156: "no GPU data for input").
 *
 * The two are separate modules with separate WASM instances, so a backend switch never releases
 * one backend's session inside the other's runtime. Both are dynamic imports: the bundler puts each
 * in its own chunk, and ORT starts its WASM threads as workers of that chunk (`import.meta.url`),
 * so a thread loads ORT only, not the whole engine worker.
 */
import type { BackendKind } from './protocol';

export type OrtWeb = typeof import('onnxruntime-web/webgpu');

/** ORT for a backend, configured once (e.g. `configureWasm`) when it is first loaded. */
export type OrtFor = (kind: BackendKind) => Promise<OrtWeb>;

/** The studio's runtimes: `/wasm` for WASM, `/webgpu` for WebGPU, each imported once. */
export function ortRuntimes(configure: (env: OrtWeb['env']) => void): OrtFor {
  const loads: Partial<Record<BackendKind, Promise<OrtWeb>>> = {};
  const load = (kind: BackendKind): Promise<OrtWeb> =>
    // Both entries share one types.d.ts: the `/wasm` module is the same API minus the WebGPU EP.
    (kind === 'webgpu' ? import('onnxruntime-web/webgpu') : (import('onnxruntime-web/wasm') as Promise<OrtWeb>)).then((ort) => {
      configure(ort.env);
      return ort;
    });
  return (kind) => {
    const loading = (loads[kind] ??= load(kind));
    // A failed import (offline without that runtime cached) may succeed on a later try.
    loading.catch(() => delete loads[kind]);
    return loading;
  };
}
