/** The public request/result types of the engine (docs/ENGINE_API.md). */
import type { Manifest, StageSettings } from './manifest/types';
import type { JobContext } from './queue';
import type { VqRoundTrip } from './edit/fidelity';

export type { Manifest, StageSettings, GuidanceRamp } from './manifest/types';

export interface GenerateRequest {
  /** "" = unconditional. */
  prompt: string;
  /** Replaces the unconditional branch of guidance. */
  negativePrompt?: string;
  /** uint32; same seed + settings + backend ⇒ same tokens. */
  seed: number;
  /** 1–4 images; image k uses seed + k (mod 2^32). */
  count?: number;
  /** Overrides of manifest.stages.base.defaults. */
  base?: Partial<StageSettings>;
  /** Overrides of manifest.stages.superRes.defaults; ignored when the model has no super-res stage. */
  superRes?: Partial<StageSettings>;
}

export interface GenerateHooks {
  /** Checked between iterations; aborting rejects with a DOMException named "AbortError". */
  signal?: AbortSignal;
  onProgress?(p: Progress): void;
  /**
   * Decode a preview image after every iteration (default true). Each preview costs one VQ
   * decoder run, so callers that only want the final images (CLI, batch jobs) can turn it off.
   */
  previews?: boolean;
  /**
   * For callers that own the model's queue (EngineOptions.queue): the running job this call is
   * part of. The call then runs inside that job instead of queueing behind it.
   */
  job?: JobContext;
}

export interface Progress {
  stage: 'text' | 'base' | 'superRes' | 'decode';
  /** 1-based iteration within the stage (0 for text/decode). */
  step: number;
  totalSteps: number;
  /** Across stages, for "step x/N": base steps then super-res steps. */
  overallStep: number;
  overallTotal: number;
  /** One per image; tokens still masked are shown as their current argmax. */
  preview?: RgbaImage[];
  /**
   * Edits only: which model window the stage events belong to (1-based `index` of `count`).
   * Outpainting and very wide masks run the model on several windows, one after another.
   */
  window?: { index: number; count: number };
}

/** RGBA, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface GenerateResult {
  images: RgbaImage[];
  tokens: { base: Int32Array[]; superRes?: Int32Array[] };
  /** What was actually used. */
  settings: { base: StageSettings; superRes?: StageSettings };
  /** The prompt was longer than textEncoder.maxLength tokens and was cut. */
  promptTruncated: boolean;
  /** Milliseconds: text, base, superRes, decode, total, firstPreview. */
  timings: Record<string, number>;
}

/** A painted mask: 1 byte per pixel, 255 = regenerate, 0 = keep, in between = partly (feathered). */
export interface MaskImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Pixels added on each side of the image when outpainting (integers ≥ 0). */
export interface Extension {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A rectangle in pixels of the output image. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EditRequest extends Omit<GenerateRequest, 'count'> {
  /** The user's photo, any size and aspect up to 4096 px a side (alpha is ignored by the model). */
  image: RgbaImage;
  mode: 'inpaint' | 'outpaint' | 'text';
  /** inpaint (required) and outpaint (optional: also regenerate this region): same size as `image`. */
  mask?: MaskImage;
  /** outpaint: pixels to add per side, ≥ 0, at least one > 0; the result is ≤ 4096 px a side. */
  extend?: Extension;
  /** text mode: 0 < strength ≤ 1, how far the edit moves from the photo (default 0.6). */
  strength?: number;
  /** 1–4 variations; variation k uses seed + k. */
  count?: number;
  /**
   * inpaint/outpaint: how far (px, at the image's resolution) the blend fades from the fully
   * masked region into the kept pixels. Default: 1/64 of the shorter side of the result, at
   * least 2. Pixels farther than this from the mask are returned byte for byte.
   */
  feather?: number;
  /** inpaint/outpaint: token rings added around the masked tokens at each stage, 0–4 (default 1). */
  dilation?: number;
  /** inpaint/outpaint: mask bytes ≤ this count as unpainted, 0–254 (default 0). */
  maskThreshold?: number;
}

export interface EditResult extends Omit<GenerateResult, 'tokens'> {
  /** Input size (plus the extension when outpainting). */
  images: RgbaImage[];
  /** Fraction of the output's pixels the edit was allowed to change (text mode: those under changed tokens, over all variations). */
  changedFraction: number;
  /** The model windows, in output pixels, in the order they ran (text mode: the whole image). */
  windows: PixelRect[];
}

export interface LoadedModel {
  /** The validated manifest. */
  readonly manifest: Manifest;
  /** Generates `count` images; calls on one model run one after another (one job queue). */
  generate(req: GenerateRequest, hooks?: GenerateHooks): Promise<GenerateResult>;
  /** Inpaints, outpaints or edits by text; queued with generate() calls. */
  edit(req: EditRequest, hooks?: GenerateHooks): Promise<EditResult>;
  /**
   * Gets what live previews need once per model (the super-res preview atlas, see
   * pipeline/mosaic.ts), queued like a job: read from the atlas cache, else (unless
   * `cachedOnly`) built — about a dozen decoder runs, seconds on WASM. Jobs never wait for it:
   * until it is ready their super-res previews are true decodes. Resolves whether it is ready;
   * false for single-stage models.
   */
  warmPreviews(opts?: { cachedOnly?: boolean }): Promise<boolean>;
  /** Whether the preview atlas is ready (warmPreviews resolved true): no call, no queue. */
  previewsReady(): boolean;
  /**
   * How well this model's VQ reproduces `image` (encode → decode at the model's size, PSNR in
   * dB; edit/fidelity.ts), queued like a job. A `poor` round trip means edits of the picture
   * will look painted: the Scenes model was trained on simple renders, not photos.
   */
  vqRoundTrip(image: RgbaImage, hooks?: Pick<GenerateHooks, 'job'>): Promise<VqRoundTrip>;
  /**
   * The distinct words of `text` its text encoder's tokenizer maps to `<unk>` (none for
   * tokenizers without one): answered at once, not queued behind jobs, for the note under the prompt.
   */
  unknownWords(text: string): string[];
  /** Frees the ONNX sessions; the model cannot be used afterwards. */
  release(): Promise<void>;
}
