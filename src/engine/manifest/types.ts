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

export interface TextEncoderSpec {
  kind: 't5';
  onnx: string;
  tokenizer: string;
  config: string;
  /** Tokens including EOS; the transformers always see text padded to this length. */
  maxLength: number;
  hiddenSize: number;
  padTokenId: number;
}

export interface VqganSpec {
  encoder: string;
  decoder: string;
  downsample: number;
  codebookSize: number;
  /** [low, high] pixel values of encoder input and decoder output. */
  pixelRange: [number, number];
}

export interface StageSpec {
  onnx: string;
  /** [rows, cols] of tokens. */
  grid: [number, number];
  /** [height, width] in pixels = grid × downsample. */
  imageSize: [number, number];
  maskTokenId: number;
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
  /** Every file of the package by manifest-relative path. */
  files: Record<string, FileEntry>;
}

/** The package format version this engine reads. */
export const FORMAT_VERSION = 1;
/** The exact value of manifest.format. */
export const FORMAT_NAME = 'muse-studio-package';
