/**
 * A diffusers snapshot seen as a studio model package (docs/MODEL_PACKAGE.md), so the engine's
 * loader, pipeline and checks run on it unchanged: graphs built from the configs, the tokenizer
 * as a tokenizer.json, a manifest with what the Python converter would write (same sizes,
 * defaults, micro-conditioning), and each graph's external data = the snapshot's own
 * safetensors file, untouched.
 */
import { sha256Hex, type VerifyMode } from '../package/verify';
import type { PackageSource } from '../package/source';
import { PackageError } from '../errors';
import { buildClipGraph, buildUVitGraph, buildVQDecoderGraph, buildVQEncoderGraph, OPSET } from './onnx';
import { openSnapshot, type DiffusersSnapshot, type Variant } from './snapshot';
import type { SnapshotSource } from './source';
import { snapshotTokenizer } from './tokenizer';

/** aMUSEd's pipeline defaults, as training/convert/amused.py records them. */
const DEFAULTS = { steps: 12, guidance: 10, guidanceRamp: 'none', temperature: 1, confidenceNoise: 2 };
const MICRO_NAMES = ['width', 'height', 'cropTop', 'cropLeft', 'aestheticScore'];
const LICENSE = 'OpenRAIL++-M (aMUSEd weights)';

const BASE = 'transformer/base.onnx';
const BASE_FP16 = 'transformer/base.fp16.onnx';
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const encode = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v, null, 2));

export interface SnapshotPackage {
  source: PackageSource;
  snapshot: DiffusersSnapshot;
  /**
   * How `loadModel` should check this package's files (EngineOptions.verify) so each byte is
   * hashed once: 'size' when every file's sha256 was computed here (the manifest was made from
   * these very files, so hashing them again proves nothing), 'sha256' when a weights file's
   * sha256 was taken from the source's listing unread (`trustListedSha256`): the load is where it is checked.
   */
  verify: VerifyMode;
}

export interface SnapshotPackageOptions {
  /** manifest.name: lowercase letters, digits and dashes. */
  name: string;
  variant?: Variant;
  /** The licence to record (e.g. from the model card); default aMUSEd's OpenRAIL++-M. */
  license?: string;
  /** manifest.displayName; default "aMUSEd N×N (diffusers snapshot)". */
  displayName?: string;
  /** provenance.created (ISO date); default today. Fixed by callers that need the same manifest twice (resume). */
  created?: string;
  /**
   * Take a weights file's sha256 from the source's listing (`expectedSha256`) without reading
   * it, for a caller that verifies every file against the manifest as it reads it (the studio's
   * install does, once). Without it every weights file is read and hashed here, and one that
   * differs from the listing is refused.
   */
  trustListedSha256?: boolean;
}

/**
 * Opens `src` and returns a PackageSource whose manifest.json and graphs are made here and whose
 * weights files are read from `src` (under their own snapshot paths). `name` is the package id.
 */
export async function snapshotAsPackage(src: SnapshotSource, opts: SnapshotPackageOptions): Promise<SnapshotPackage> {
  const s = await openSnapshot(src, opts.variant ? { variant: opts.variant } : {});
  const clip = s.textEncoder.config;
  const maxLength = clip.max_position_embeddings;
  const tok = await snapshotTokenizer(src, s.tokenizerFiles);
  const made = new Map<string, Uint8Array>();
  made.set('text_encoder/model.onnx', buildClipGraph(clip, s.textEncoder.weights, baseName(s.textEncoder.weights.path), maxLength));
  made.set('text_encoder/tokenizer.json', encode(tok.json));
  made.set('text_encoder/config.json', await src.read('text_encoder/config.json'));
  const vqLocation = baseName(s.vqvae.weights.path);
  made.set('vqvae/encoder.onnx', buildVQEncoderGraph(s.vqvae.config, s.vqvae.weights, vqLocation));
  made.set('vqvae/decoder.onnx', buildVQDecoderGraph(s.vqvae.config, s.vqvae.weights, vqLocation));
  const textShape = { maxLength, hiddenSize: clip.hidden_size, projectionDim: clip.projection_dim };
  const uvitLocation = baseName(s.transformer.weights.path);
  made.set(BASE, buildUVitGraph(s.transformer.config, s.transformer.weights, uvitLocation, textShape));
  // The fp16-compute copy the worker opens on WebGPU with shader-f16 (engine `preferFp16`): the
  // same weights file, used as stored when it is the fp16 variant, narrowed in the graph otherwise.
  made.set(BASE_FP16, buildUVitGraph(s.transformer.config, s.transformer.weights, uvitLocation, textShape, 'float16'));

  const files: Record<string, { sha256: string; bytes: number }> = {};
  let verify: VerifyMode = 'size';
  for (const [path, bytes] of made) files[path] = { sha256: await sha256Hex(bytes), bytes: bytes.length };
  // The weights: listed like any package file, so the loader checks their size and hash too.
  for (const w of [s.textEncoder.weights, s.vqvae.weights, s.transformer.weights]) {
    if (files[w.path]) continue;
    const listed = opts.trustListedSha256 ? src.expectedSha256?.(w.path) : undefined;
    if (listed !== undefined) {
      files[w.path] = { sha256: listed, bytes: w.fileBytes };
      verify = 'sha256';
      continue;
    }
    const sha256 = src.sha256 ? await src.sha256(w.path) : await sha256Hex(await src.read(w.path));
    const vouched = src.expectedSha256?.(w.path);
    if (vouched !== undefined && vouched !== sha256) {
      throw new PackageError(`sha256 mismatch: ${src.label} lists ${vouched}, the download has ${sha256} (damaged or changed during the download)`, w.path);
    }
    files[w.path] = { sha256, bytes: w.fileBytes };
  }
  const size = s.imageSize;
  const manifest = {
    format: 'muse-studio-package',
    formatVersion: 1,
    name: opts.name,
    displayName: opts.displayName ?? `aMUSEd ${size}×${size} (diffusers snapshot)`,
    description: `aMUSEd read directly from a diffusers snapshot (${src.label}): ${size}×${size} in one stage, CLIP text encoder, VQ-GAN f=${size / s.grid} with ${s.vqvae.config.num_vq_embeddings} codes.`,
    fixture: false,
    license: opts.license ?? LICENSE,
    provenance: { source: `diffusers AmusedPipeline snapshot (${src.label})`, converter: 'src/engine/diffusers (at load time)', variant: opts.variant ?? 'default', created: opts.created ?? new Date().toISOString().slice(0, 10), opset: OPSET },
    textEncoder: {
      kind: 'clip', onnx: 'text_encoder/model.onnx', tokenizer: 'text_encoder/tokenizer.json', config: 'text_encoder/config.json',
      maxLength, hiddenSize: clip.hidden_size, projectionDim: clip.projection_dim, padTokenId: tok.padTokenId,
    },
    vqgan: { encoder: 'vqvae/encoder.onnx', decoder: 'vqvae/decoder.onnx', downsample: size / s.grid, codebookSize: s.vqvae.config.num_vq_embeddings, pixelRange: [0, 1] },
    stages: {
      base: {
        onnx: BASE, onnxFp16: BASE_FP16, grid: [s.grid, s.grid], imageSize: [size, size], maskTokenId: s.maskTokenId, confidenceSchedule: 'amused',
        // AmusedPipeline: [width, height, crop_coord[0], crop_coord[1], aesthetic_score 6].
        microConditioning: { names: MICRO_NAMES, values: [size, size, 0, 0, 6] },
        defaults: DEFAULTS,
      },
    },
    externalData: {
      'text_encoder/model.onnx': s.textEncoder.weights.path,
      'vqvae/encoder.onnx': s.vqvae.weights.path,
      'vqvae/decoder.onnx': s.vqvae.weights.path,
      [BASE]: s.transformer.weights.path,
      [BASE_FP16]: s.transformer.weights.path,
    },
    files,
  };
  made.set('manifest.json', encode(manifest));
  return {
    snapshot: s,
    verify,
    source: {
      label: src.label,
      async read(path: string): Promise<Uint8Array> {
        const bytes = made.get(path);
        if (bytes) return bytes;
        if (path in files) return src.read(path);
        throw new PackageError(`is not part of the package made from ${src.label}`, path);
      },
    },
  };
}
