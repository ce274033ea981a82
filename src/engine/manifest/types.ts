/** The validated model package manifest (docs/MODEL_PACKAGE.md, format version 1). */

/** How the guidance weight moves over the steps of a stage (see sampler/guidance.ts). */
export type GuidanceRamp = 'none' | 'linear';

/** Sampling settings of one stage; the manifest gives defaults, a request may override them. */
export interface StageSettings {
  /** Number of parallel-decoding iterations, integer 1–64. */
  steps: number;
  /** Classifier-free guidance weight w ≥ 0 (1 = conditional only, 0 = unconditional only). */
  guidance: number;
  guidanceRamp: GuidanceRamp;
  /** Sampling temperature > 0 applied to the logits before sampling. */
  temperature: number;
  /** τ ≥ 0: scale of the annealed Gumbel noise added to confidences. */
  confidenceNoise: number;
}

export interface FileEntry {
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
  bytes: number;
}

interface TextEncoderCommon {
  onnx: string;
  tokenizer: string;
  config: string;
  /** Tokens including the special ones; the transformers always see text padded to this length. */
  maxLength: number;
  /** D: width of the encoder's hidden states (= the transformers' text_states). */
  hiddenSize: number;
  padTokenId: number;
}

/** A T5 encoder in the Transformers.js layout: input_ids + attention_mask -> last_hidden_state. */
export interface T5TextEncoderSpec extends TextEncoderCommon {
  kind: 't5';
}

/**
 * A CLIP text encoder with projection (aMUSEd): input_ids [B, S] -> hidden_states [B, S, D]
 * (penultimate layer) and text_embeds [B, P] (projected pooled output). No attention mask.
 */
export interface ClipTextEncoderSpec extends TextEncoderCommon {
  kind: 'clip';
  /** P: width of text_embeds (= the base transformer's pooled_text). */
  projectionDim: number;
}

export type TextEncoderSpec = T5TextEncoderSpec | ClipTextEncoderSpec;

export interface VqganSpec {
  encoder: string;
  decoder: string;
  downsample: number;
  codebookSize: number;
  /** [low, high] pixel values of encoder input and decoder output. */
  pixelRange: [number, number];
}

/**
 * How the Gumbel confidence noise τ anneals over the T steps of a stage (step i, 0-based):
 * - `linear-from-next` (default): τ·(1 − (i+1)/T), reaching 0 at the last step;
 * - `amused`: τ·(1 − i/(T−1)) (τ when T = 1), i.e. `linspace(τ, 0, T)[i]` as diffusers'
 *   AmusedScheduler does.
 */
export type ConfidenceSchedule = 'linear-from-next' | 'amused';

/** Extra numbers the base transformer takes as `micro_conds` (aMUSEd: width, height, crop, aesthetic score). */
export interface MicroConditioning {
  /** One name per value, for display; optional. */
  names?: string[];
  /** M values fed as float32 on every batch row, in this order. */
  values: number[];
}

export interface StageSpec {
  onnx: string;
  /**
   * Optional copy of this stage's graph with fp16 weights and arithmetic (same float32 inputs and
   * outputs), used instead of `onnx` when the engine is asked to prefer fp16 (WebGPU with
   * `shader-f16`). Base stage only.
   */
  onnxFp16?: string;
  /** [rows, cols] of tokens. */
  grid: [number, number];
  /** [height, width] in pixels = grid × downsample. */
  imageSize: [number, number];
  maskTokenId: number;
  /** Absent means `linear-from-next`. */
  confidenceSchedule?: ConfidenceSchedule;
  /** CLIP packages: required on the base stage, refused elsewhere. */
  microConditioning?: MicroConditioning;
  defaults: StageSettings;
}

export interface SuperResStageSpec extends StageSpec {
  /** Must equal stages.base.grid. */
  lowResGrid: [number, number];
}

export interface Provenance {
  source: string;
  /** How the weights were produced; absent for fixtures and converted checkpoints. */
  trainingCommand?: string;
  created: string;
}

export interface Manifest {
  format: 'muse-studio-package';
  formatVersion: 1;
  name: string;
  displayName: string;
  description: string;
  /** True for random-weight test packages; the UI must say so. */
  fixture: boolean;
  license: string;
  provenance: Provenance;
  textEncoder: TextEncoderSpec;
  vqgan: VqganSpec;
  stages: { base: StageSpec; superRes?: SuperResStageSpec };
  /**
   * Graphs whose weights live in an external-data file: graph path -> data file path (same
   * folder, both listed in `files`). Absent when no graph has one.
   */
  externalData?: Record<string, string>;
  /** Every file of the package by manifest-relative path. */
  files: Record<string, FileEntry>;
}

/** The package format version this engine reads. */
export const FORMAT_VERSION = 1;
/** The exact value of manifest.format. */
export const FORMAT_NAME = 'muse-studio-package';
