/**
 * Backend selection for the worker: which ORT execution provider to ask for, and why.
 *
 * WebGPU is used when the preference allows it and `navigator.gpu.requestAdapter()` yields an
 * adapter (under Auto, a hardware one); otherwise WASM. Anything that goes wrong on WebGPU later (session creation, device
 * lost, an unsupported op at run time) is a reason to fall back to WASM — the caller does that
 * and reports the reason returned here.
 */
import type { BackendKind, BackendPreference } from './protocol';
import type { ExecutionProvider, GraphOptimizationLevel, SessionRuntime } from '../engine/ort';

type OrtEnv = typeof import('onnxruntime-web/webgpu').env;

/** Minimal shape of navigator.gpu we rely on (no @webgpu/types dependency). */
interface GpuLike {
  requestAdapter(): Promise<{
    info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
    /** Where older browsers put it (the spec moved it into `info`). */
    isFallbackAdapter?: boolean;
    features?: { has(name: string): boolean };
  } | null>;
}

export interface BackendChoice {
  kind: BackendKind;
  /** Set when the choice differs from what the preference asked for. */
  reason?: string;
  /**
   * WebGPU only: the adapter has `shader-f16` (ORT then requests it for its device), so a
   * package's fp16 transformer (`stages.base.onnxFp16`) can be used: `preferFp16` for loadModel.
   */
  shaderF16?: boolean;
  /**
   * WebGPU only: the adapter is a software one (WebGPU emulated on the CPU, e.g. SwiftShader),
   * chosen because the user named WebGPU. Its name, or "software adapter" when it has none.
   */
  softwareAdapter?: string;
}

/** Decides the first backend to try for a preference, probing WebGPU when needed. */
export async function chooseBackend(preference: BackendPreference): Promise<BackendChoice> {
  if (preference === 'wasm') return { kind: 'wasm' };
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { kind: 'wasm', reason: 'WebGPU is not available in this browser (navigator.gpu is missing).' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { kind: 'wasm', reason: 'WebGPU found no GPU adapter.' };
    // A fallback adapter is WebGPU emulated on the CPU (SwiftShader): the bench measured it about
    // 100× slower than WASM for the same model on the same CPU. Auto avoids it; asking for WebGPU
    // by name still gets it.
    const software = adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
    const name = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ');
    if (software && preference === 'auto') {
      return {
        kind: 'wasm',
        reason: `WebGPU offers only a software adapter${name ? ` (${name})` : ''}, which runs on the CPU and is much slower than WASM. Choose WebGPU under Backend to use it anyway.`,
      };
    }
    return {
      kind: 'webgpu',
      shaderF16: adapter.features?.has('shader-f16') === true,
      ...(software ? { softwareAdapter: name || 'software adapter' } : {}),
    };
  } catch (e) {
    return { kind: 'wasm', reason: `WebGPU adapter request failed: ${errorMessage(e)}` };
  }
}

/**
 * Execution providers to pass to the engine for a backend. On a software WebGPU adapter the
 * convolutions run 2–4× faster in NCHW than in the WebGPU provider's default NHWC (measured on
 * SwiftShader, docs/DIFFUSERS.md "WebGPU on the software adapter"); a real GPU keeps the default,
 * which nothing here measured against.
 */
export function executionProviders(kind: BackendKind, softwareAdapter = false): ExecutionProvider[] {
  if (kind === 'wasm') return ['wasm'];
  return softwareAdapter ? [{ name: 'webgpu', preferredLayout: 'NCHW' }] : ['webgpu'];
}

/**
 * How far ORT optimises each graph at session creation, which every visit pays again. On WASM,
 * 'basic' (constant folding, e.g. the fp16 weights' casts, and node eliminations) and not 'all':
 * in Chromium WASM with the Scenes package a load in the bench page took 1240–1250 ms at 'all'
 * against 912 ms at 'basic', time to image the same within noise (2159–2479 ms against 2178), and
 * the built studio's cached-visit Ready went from 1178 to 1109 ms (docs/BENCHMARKS.md, "Graph
 * optimisation at load"). 'disabled' loads faster still but leaves the casts to every run.
 * WebGPU keeps 'all': its layout and fusion passes were not measured against on a real GPU.
 */
export function graphOptimizationLevel(kind: BackendKind): GraphOptimizationLevel {
  return kind === 'wasm' ? 'basic' : 'all';
}

/** The engine's session options for a backend (EngineOptions takes them as they are). */
export function sessionRuntime(kind: BackendKind, softwareAdapter = false): Required<SessionRuntime> {
  return { executionProviders: executionProviders(kind, softwareAdapter), graphOptimizationLevel: graphOptimizationLevel(kind) };
}

/**
 * ORT's WASM thread count: the cores, when the page is cross-origin isolated (SharedArrayBuffer);
 * without isolation ORT would silently use one.
 */
export function wasmThreadCount(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated ? Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
}

/**
 * Configures an ORT runtime's WASM side once, before its first session (each ORT build has its
 * own `env`). Returns the number of threads configured.
 */
export function configureWasm(env: OrtEnv): number {
  // The runtime's own logger too (sessions set theirs in the engine): ORT's warnings would reach
  // the console as errors (its stderr is console.error), so only errors are logged.
  env.logLevel = 'error';
  const threads = wasmThreadCount();
  env.wasm.numThreads = threads;
  // We already are in a worker; ORT's own proxy worker would only add a hop.
  env.wasm.proxy = false;
  return threads;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
