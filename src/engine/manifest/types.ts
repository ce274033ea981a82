/**
 * The validated model package manifest. The shape is schemas/manifest.schema.json (format
 * version 1); the types below are generated from it (../schemas/types.ts, `npm run schemas`) and
 * only narrowed here where the schema's if/then rules say more than a type generator can: a
 * CLIP text encoder always has `projectionDim`, a T5 one never.
 */
import type * as Json from '../schemas/types';

export type StageSettings = Json.StageSettings;
/** How the guidance weight moves over the steps of a stage (see sampler/guidance.ts). */
export type GuidanceRamp = StageSettings['guidanceRamp'];
export type FileEntry = Json.FileEntry;

type TextEncoderCommon = Omit<Json.TextEncoder, 'kind' | 'projectionDim'>;
/** A T5 encoder in the Transformers.js layout: input_ids + attention_mask -> last_hidden_state. */
export type T5TextEncoderSpec = TextEncoderCommon & { kind: 't5' };
/**
 * A CLIP text encoder with projection (aMUSEd): input_ids [B, S] -> hidden_states [B, S, D]
 * (penultimate layer) and text_embeds [B, P] (projected pooled output). No attention mask.
 */
export type ClipTextEncoderSpec = TextEncoderCommon & { kind: 'clip'; projectionDim: number };
export type TextEncoderSpec = T5TextEncoderSpec | ClipTextEncoderSpec;

export type VqganSpec = Json.Vqgan;
/** How the Gumbel confidence noise anneals over a stage (schema: stage.confidenceSchedule). */
export type ConfidenceSchedule = NonNullable<Json.Stage['confidenceSchedule']>;
export type MicroConditioning = Json.MicroConditioning;
/** A stage as the base stage may have it (onnxFp16 and microConditioning are base-only). */
export type StageSpec = Json.BaseStage;
export type SuperResStageSpec = Json.SuperResStage;
export type Provenance = Json.ManifestJson['provenance'];

export type Manifest = Omit<Json.ManifestJson, 'textEncoder' | 'externalData' | 'files'> & {
  textEncoder: TextEncoderSpec;
  /** Graph path -> its external-data file (same folder, both listed in `files`). */
  externalData?: Record<string, string>;
  /** Every file of the package by manifest-relative path. */
  files: Record<string, FileEntry>;
};

/** The package format version this engine reads. */
export const FORMAT_VERSION = 1;
/** The exact value of manifest.format. */
export const FORMAT_NAME = 'muse-studio-package';
