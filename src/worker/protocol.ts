/**
 * The whole UI ↔ worker protocol, types only.
 *
 * Invariants:
 * - Every request carries a `jobId` chosen by the UI; every request is answered with exactly
 *   one terminal event for that id (`loaded`, `result`, `editResult`, `vqChecked`, `cancelled`,
 *   `backendSet` or `error`).
 *   Errors travel as data, never as exceptions across the boundary.
 * - The worker runs one job at a time. While an image job (`generate` or `edit`) runs, ONE more
 *   image job may wait (it gets a `queued` event); a further one is refused with `error`
 *   `{ code: 'busy' }`.
 * - Pixels, PNG files and tokens cross as transferable buffers (`WireImage.rgba`,
 *   `ResultImage.png`, `Int32Array`s), so the sender must not touch them after posting.
 * - `backend` events are broadcasts (no job): the worker sends one whenever the active backend
 *   or the reason for it changes.
 */
import type { EditRequest, GenerateRequest, Manifest, PixelRect, StageSettings } from '../engine';
import type { GenerationParams } from '../engine/png';

export type BackendKind = 'webgpu' | 'wasm';
/** What the user asked for; `auto` = WebGPU when an adapter exists, else WASM. */
export type BackendPreference = 'auto' | BackendKind;

/** One RGBA image, row-major, 4 bytes per pixel; `rgba` is transferred. */
export interface WireImage {
  width: number;
  height: number;
  rgba: ArrayBuffer;
}

/**
 * A finished image: its pixels for display and, encoded in the worker where the pixels are, its
 * PNG file with the A1111 `parameters` chunk (both transferred).
 */
export interface ResultImage extends WireImage {
  /** The PNG file, or null when it could not be written (`pngError` says why). */
  png: ArrayBuffer | null;
  pngError?: string;
  /** The settings that reproduce the image, as the PNG records them. */
  params: GenerationParams;
}

// ---------------------------------------------------------------- requests (UI → worker)

export interface LoadRequest {
  type: 'load';
  jobId: string;
  /**
   * URL (absolute or page-relative) of the package folder, e.g. "/models/scenes/", or
   * `stored:<id>` for a package in the model store (src/storage/layout.ts).
   */
  modelUrl: string;
}
export interface GenerateJobRequest {
  type: 'generate';
  jobId: string;
  request: GenerateRequest;
}
/**
 * Inpaint, outpaint or edit by text (docs/ENGINE_API.md, "Editing"). `request.image.data` and
 * `request.mask.data` are typed arrays whose buffers are transferred: send copies.
 */
export interface EditJobRequest {
  type: 'edit';
  jobId: string;
  request: EditRequest;
}
export interface CancelRequest {
  type: 'cancel';
  /** The id of the job to cancel (running or queued). */
  jobId: string;
}
export interface SetBackendRequest {
  type: 'setBackend';
  jobId: string;
  preference: BackendPreference;
}
/**
 * How well the loaded model's VQ reproduces a photo (engine `vqRoundTrip`): answered with
 * `vqChecked`. `image.rgba` is transferred: send a copy.
 */
export interface VqCheckRequest {
  type: 'vqCheck';
  jobId: string;
  image: WireImage;
}
/**
 * The words of `prompt` the loaded model's tokenizer maps to `<unk>`, for the note under the
 * prompt. Answered at once, not queued behind jobs, with exactly one `unknownWords` event ([] when
 * no model is loaded or its tokenizer has no unknown token).
 */
export interface UnknownWordsRequest {
  type: 'unknownWords';
  jobId: string;
  prompt: string;
}
/** Test-only: the worker throws an uncaught error so crash recovery can be exercised. */
export interface CrashForTestRequest {
  type: 'crashForTest';
  jobId: string;
}

export type WorkerRequest =
  | LoadRequest
  | GenerateJobRequest
  | EditJobRequest
  | CancelRequest
  | SetBackendRequest
  | VqCheckRequest
  | UnknownWordsRequest
  | CrashForTestRequest;

// ---------------------------------------------------------------- events (worker → UI)

export interface LoadedEvent {
  type: 'loaded';
  jobId: string;
  modelUrl: string;
  manifest: Manifest;
  backend: BackendKind;
  ms: number;
}
/** What a queued job waits for: the kind of job ahead of it, as the UI names it. */
export type QueueWait = 'load' | 'backend' | 'previews' | 'image' | 'other';
export interface QueuedEvent {
  type: 'queued';
  jobId: string;
  /** The job ahead of this one, so the UI can say what the wait is ("Preparing previews…"). */
  behind: QueueWait;
}
/** A model load's progress: files read and checked so far (the graphs open as they arrive). */
export interface LoadProgressEvent {
  type: 'loadProgress';
  jobId: string;
  done: number;
  total: number;
}
export interface StartedEvent {
  type: 'started';
  jobId: string;
  backend: BackendKind;
}
export interface ProgressEvent {
  type: 'progress';
  jobId: string;
  stage: 'text' | 'base' | 'superRes' | 'decode';
  step: number;
  totalSteps: number;
  /** Across stages, for "step x/N". */
  overallStep: number;
  overallTotal: number;
  /** One per image when the engine produced previews at this step. */
  previews?: WireImage[];
  /** Edits only: the model window (1-based) these steps belong to. */
  window?: { index: number; count: number };
}
export interface ResultEvent {
  type: 'result';
  jobId: string;
  images: ResultImage[];
  tokens: { base: Int32Array[]; superRes?: Int32Array[] };
  settings: { base: StageSettings; superRes?: StageSettings };
  promptTruncated: boolean;
  timings: Record<string, number>;
  backend: BackendKind;
}
/** The answer to an `edit`: images of the input's size (plus the extension when outpainting). */
export interface EditResultEvent {
  type: 'editResult';
  jobId: string;
  images: ResultImage[];
  settings: { base: StageSettings; superRes?: StageSettings };
  promptTruncated: boolean;
  timings: Record<string, number>;
  backend: BackendKind;
  /** Fraction of the result's pixels the edit was allowed to change (text mode: 1). */
  changedFraction: number;
  /** The model windows, in result pixels, in the order they ran. */
  windows: PixelRect[];
}
/** The answer to `vqCheck`: PSNR (dB) of the photo's VQ round trip at the model's size. */
export interface VqCheckedEvent {
  type: 'vqChecked';
  jobId: string;
  psnr: number;
  /** Below the engine's POOR_VQ_PSNR: edits of this photo will look painted. */
  poor: boolean;
}
/** The answer to `unknownWords`. */
export interface UnknownWordsEvent {
  type: 'unknownWords';
  jobId: string;
  words: string[];
}
export interface CancelledEvent {
  type: 'cancelled';
  jobId: string;
}
export interface BackendSetEvent {
  type: 'backendSet';
  jobId: string;
  preference: BackendPreference;
}
export type ErrorCode =
  /** The model package is missing or invalid; the previous model (if any) is still loaded. */
  | 'package'
  /** The engine refused the generate/edit request (a setting out of range); the message names it. */
  | 'request'
  /** An image job (generate or edit) is already running and another is queued. */
  | 'busy'
  /** `generate` or `edit` before any model loaded. */
  | 'noModel'
  /** The worker crashed; reported by the client on the worker's behalf. */
  | 'crashed'
  | 'internal';
export interface ErrorEvent {
  type: 'error';
  jobId: string;
  code: ErrorCode;
  message: string;
  /** True when the worker (or its model) is gone and must be restarted/reloaded. */
  fatal?: boolean;
}
export interface BackendEvent {
  type: 'backend';
  active: BackendKind;
  preference: BackendPreference;
  /** Why the active backend is not what was preferred (no adapter, session or device failure). */
  reason?: string;
  /** Threads used by the WASM backend (1 when the page is not cross-origin isolated). */
  wasmThreads: number;
  /**
   * Set while WebGPU runs on a software adapter (emulated on the CPU; the user chose WebGPU by
   * name): the adapter's name. Such an adapter takes minutes per image, so the UI keeps saying so.
   */
  softwareAdapter?: string;
  /**
   * WebGPU with the adapter's `shader-f16` feature: a package's fp16 base transformer
   * (`stages.base.onnxFp16`, which every diffusers snapshot gets) is the one that runs.
   */
  shaderF16?: boolean;
}

export type WorkerEvent =
  | LoadedEvent
  | LoadProgressEvent
  | QueuedEvent
  | StartedEvent
  | ProgressEvent
  | ResultEvent
  | EditResultEvent
  | VqCheckedEvent
  | UnknownWordsEvent
  | CancelledEvent
  | BackendSetEvent
  | ErrorEvent
  | BackendEvent;

/** Events that end a job: after one of these the job id is never mentioned again. */
export type TerminalEvent = LoadedEvent | ResultEvent | EditResultEvent | VqCheckedEvent | UnknownWordsEvent | CancelledEvent | BackendSetEvent | ErrorEvent;
