/**
 * The data the benchmark moves around: what one backend's run reports (Node child process or
 * browser worker) and what the orchestrator writes to docs/bench/results.json.
 * All times are milliseconds, all sizes bytes.
 */

/** Which ONNX graph of the package a session runs, recognised by its input/output names. */
export type GraphKind = 'text' | 'vqEncoder' | 'vqDecoder' | 'base' | 'superRes' | 'other';

/** One `session.run`, timed from outside the engine. */
export interface RunRecord {
  graph: GraphKind;
  start: number;
  end: number;
  /** Bytes of CPU-side input tensors handed to run() (what is copied in / uploaded). */
  inBytes: number;
  /** Transformers: bytes of the inputs that never change within a stage (all but `tokens`). */
  constInBytes: number;
  /** Bytes of CPU-side outputs (what is copied / read back). */
  outBytes: number;
  batch: number;
}

/** One iteration of a stage: from the previous progress event to this one. */
export interface IterationTiming {
  /** Wall time of the iteration (forward + guidance + sampling + preview + yield). */
  wall: number;
  /** Transformer session.run time inside it. */
  forward: number;
  /** VQ-decoder runs inside it (the preview). */
  preview: number;
  /**
   * From the start of the iteration to the start of its forward pass: the engine's event-loop
   * yield (setTimeout 0) after the previous step, plus building the token tensor.
   */
  lead: number;
  /** The rest after the forward pass: guidance, sampling, preview RGBA conversion, progress event. */
  other: number;
}

/** One generate() call at default settings. */
export interface JobMetrics {
  prompt: string;
  seed: number;
  /** The engine's own `timings` (text, base, superRes, decode, total, firstPreview). */
  engine: Record<string, number>;
  text: number;
  base: number;
  superRes: number;
  /** Final VQ decode. */
  decode: number;
  /** Job start → first preview decoded (engine `timings.firstPreview`). */
  firstPreview: number | null;
  /** End of text encoding → first preview decoded (the "first preview after text"). */
  firstPreviewAfterText: number | null;
  /** Job start → final image (engine `timings.total`). */
  timeToImage: number;
  /** Measured around the generate() call by the caller. */
  wallToImage: number;
  baseIterations: IterationTiming[];
  superResIterations: IterationTiming[];
  /** Transformer forward passes (base + super-res session runs). */
  forwardPasses: number;
  runs: Partial<Record<GraphKind, number>>;
  /** Sum of the VQ decoder runs made for previews. */
  previewDecodeTotal: number;
  /** Per transformer forward pass: bytes in (all / constant) and out, per stage. */
  bytesPerPass: Partial<Record<'base' | 'superRes', { in: number; constIn: number; out: number; batch: number }>>;
}

/** The one-token-per-forward-pass baseline (raster order), for one image. */
export interface BaselineMetrics {
  prompt: string;
  seed: number;
  text: number;
  base: number;
  superRes: number;
  decode: number;
  timeToImage: number;
  forwardPasses: number;
  basePasses: number;
  superResPasses: number;
  /** Median session.run time of one pass, per stage. */
  basePassMedian: number;
  superResPassMedian: number;
  /** Only set when the run was cut short with --baseline-max-passes: what the full decode was extrapolated from. */
  extrapolated?: { basePassesRun: number; superResPassesRun: number };
}

export interface LoadTimes {
  /** First load in a fresh process / browser profile (ORT init, fetch, sha256, session creation). */
  cold: number;
  /** Second load in the same process / worker (ORT initialised, files from the HTTP cache in browsers). */
  warm: number;
  /** Browser only: a new worker (fresh ORT instance) loading from the HTTP cache, like a page reload. */
  newWorker?: number;
  /** Building the super-res preview atlas once after the load (LoadedModel.warmPreviews); absent with --no-previews. */
  previewAtlas?: number;
  /** Browser only: cached visits, the two start paths alternating (CachedVisit). */
  visits?: CachedVisit[];
}

/**
 * When a cached visit sends its first Generate (bench only): 'new' the moment the model is ready
 * (src/worker/models.ts), as a user who clicks at "Ready"; 'afterWarmUp' only once the warm-up
 * after the load has ended (src/worker/jobs.ts), as for a user who types a prompt first. The start
 * before issue 14.2 is measured in the built studio of that commit (`--studio-visits`,
 * scripts/bench/studioVisits.ts), not here.
 */
export const START_PATHS = ['new', 'afterWarmUp'] as const;
export type StartPath = (typeof START_PATHS)[number];

/** One page visit with everything in the HTTP cache and Cache Storage: a fresh worker, as after a reload. */
export interface CachedVisit {
  path: StartPath;
  /** Worker start → model loaded (the studio's "Ready"). */
  ready: number;
  /** Ready → the first image's pixels, for a generation sent the moment the model is ready. */
  firstImage: number;
  /** The same generation again, right after: one generation on a warm model. */
  secondImage: number;
  /** Parts of `ready`, ms: ORT import, fetch (summed), sha256 (summed), session creation per graph. */
  parts: Record<string, number>;
  /**
   * Parts of `firstImage` and `secondImage`, ms: the wait before the image's first session run,
   * each graph's runs (summed, and its first run alone) and the rest (the engine's JS between runs).
   */
  imageParts?: { first: Record<string, number>; next: Record<string, number> };
}

export interface MemoryReport {
  /** Node: process peak RSS (resourceUsage().maxRSS). Browser: renderer process VmHWM. */
  peakRss?: number;
  /** Node: peak heapUsed; browser: peak V8 heap of page + workers during generation (CDP, sampled). */
  peakJsHeap?: number;
  /** Node: peak `external` (includes ORT-owned buffers handed to JS). */
  peakExternal?: number;
  /** Node: peak arrayBuffers; browser: peak ArrayBuffer backing stores of page + worker (CDP). */
  peakArrayBuffers?: number;
  /** Browser: size of the ORT WebAssembly memory at the end (it never shrinks, so = peak). */
  wasmMemory?: number;
  wasmMemoryShared?: boolean;
  /** Browser: GPU process VmHWM (WebGPU buffers live there with SwiftShader). */
  gpuProcessPeakRss?: number;
  /** Browser: peak RSS (VmHWM) of the renderer and GPU processes per phase ('loaded', 'jobs', 'baseline'). */
  phases?: Record<string, ProcessPeaks>;
  /** Why a field is missing. */
  notes: string[];
}

export interface ProcessPeaks {
  renderer?: number;
  gpu?: number;
  /** Peak of the summed V8 heaps (used) of the page and its workers (CDP Runtime.getHeapUsage, sampled). */
  jsHeap?: number;
  /** Peak of the summed ArrayBuffer backing stores reported alongside. */
  arrayBuffers?: number;
  /** False when VmHWM could not be reset between phases (then it is the peak since launch). */
  reset: boolean;
}

export interface BackendEnv {
  runtime: string;
  executionProviders: string[];
  threads?: number;
  crossOriginIsolated?: boolean;
  hardwareConcurrency?: number;
  adapter?: Record<string, unknown>;
  /** WebGPU: the package's fp16 base transformer was used (adapter has shader-f16), as in the studio. */
  preferFp16?: boolean;
  /** Median delay of a chained setTimeout(0), the engine's per-iteration yield. */
  yieldMs?: number;
}

/** Bench-only experiment on WebGPU: what reading back the full logits costs per forward pass. */
export interface ReadbackExperiment {
  stage: 'base' | 'superRes';
  batch: number;
  logitsBytes: number;
  /** session.run with outputs returned to the CPU (what the engine does). */
  runCpuOutput: number;
  /** session.run with outputs left on the GPU (preferredOutputLocation 'gpu-buffer'), no readback. */
  runGpuOutput: number;
  /** runGpuOutput followed by tensor.getData() (explicit readback). */
  runGpuThenRead: number;
  note?: string;
}

/**
 * The --against model, measured in the same process / browser worker as the main one: loaded once
 * after it, warmed up the same way, its jobs interleaved with the main model's (A, B, A, B) with the
 * same prompts and seeds, each at its own package's defaults.
 */
export interface AgainstResult {
  /** Its load in the same process / worker (ORT already initialised by the main model). */
  load: number;
  warmup: JobMetrics;
  jobs: JobMetrics[];
}

export interface BackendResult {
  id: 'node' | 'wasm' | 'webgpu';
  env: BackendEnv;
  load: LoadTimes;
  warmup: JobMetrics;
  jobs: JobMetrics[];
  baseline?: BaselineMetrics[];
  memory: MemoryReport;
  readback?: ReadbackExperiment[];
  /** Only with --against: the second model's jobs, interleaved with `jobs`. */
  against?: AgainstResult;
  /** What was cut or skipped (budget) and why. */
  notes?: string[];
  errors: string[];
}

/** What the orchestrator asks a backend runner to do. */
export interface RunnerConfig {
  runs: number;
  /**
   * Full-length warm-up jobs. One short warm-up job (1 base + 1 super-res step, previews on)
   * always runs first: it runs every graph at every shape a full job uses (batch 2, both grids,
   * both preview sizes), which is what the first run pays for (WebGPU pipeline compilation,
   * allocator growth, JIT).
   */
  warmups: number;
  /**
   * Wall-clock budget for this backend in ms (0 = none): no further run starts when the last one
   * would not fit, and the baseline is skipped when its estimate (passes × measured pass time)
   * does not fit. At least one measured run always happens.
   */
  budgetMs: number;
  baseline: boolean;
  baselineRuns: number;
  /** Cap on baseline passes per stage (0 = the full decode); the rest is extrapolated. */
  baselineMaxPasses: number;
  readback: boolean;
  prompts: string[];
  seed: number;
  /** Decode a preview after every iteration, as the studio does (default true). */
  previews: boolean;
  /**
   * Extra ORT session options merged into every session the engine creates (experiments without
   * engine changes), e.g. {"extra": {"session.intra_op.allow_spinning": "0"}} or {"intraOpNumThreads": 1}.
   */
  sessionOptions?: Record<string, unknown>;
  /** Browser only: cached visits per start path, alternating (default 2). */
  visits?: number;
  /**
   * Steps of the main model's measured (and full warm-up) jobs instead of its package defaults
   * (--steps-base / --steps-sr); the --against model, the baseline and the cached visits keep theirs.
   */
  stepOverrides?: StepOverrides;
}

/** Step counts that replace a package's defaults for one model's jobs. */
export interface StepOverrides {
  base?: number;
  superRes?: number;
}
