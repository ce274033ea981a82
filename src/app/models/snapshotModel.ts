/**
 * A diffusers aMUSEd snapshot as a model the panel can describe before adding it, whichever
 * way it came (issue 12: one loader for every source): from the Hugging Face Hub (hub.ts) or
 * from a folder on this device (folderSnapshot.ts). The graphs are built here from the configs
 * (engine `snapshotAsPackage`), nothing large is read, and the summary says what it is: size,
 * licence, precision, memory, room in storage.
 */
import {
  cardLicense,
  snapshotAsPackage,
  snapshotNeeds,
  type SnapshotNeeds,
  type SnapshotPackage,
  type SnapshotSource,
} from '../../engine/diffusers';

export interface SnapshotFileSummary {
  path: string;
  bytes: number;
}

/** What the Model panel shows about a snapshot before its weights are read. */
export interface SnapshotSummary {
  displayName: string;
  /** The licence the model card declares; undefined when it declares none. */
  license?: string;
  imageSize: number;
  /** Bytes of weights still to read (download or copy; configs and headers were read to make this summary). */
  downloadBytes: number;
  /** Bytes it takes in storage once added (weights, built graphs, tokenizer, manifest). */
  storedBytes: number;
  /** The weights files it reads. */
  weights: SnapshotFileSummary[];
  needs: SnapshotNeeds;
  /** `fp16` when the fp16 variant files are the ones used. */
  variant: WeightsVariant;
  /** Why those files (the summary says it: hubSummary.ts). */
  variantReason: VariantReason;
  /** Whether the snapshot also has the other variant (the panel offers it). */
  otherVariant: boolean;
  /** Free bytes the browser allows (quota − usage), when it says. */
  free?: number;
}

export interface DescribeOptions {
  /** manifest.name: lowercase letters, digits and dashes. */
  name: string;
  displayName: string;
  /** provenance.created: fixed by the caller so the same snapshot gives the same manifest (package id). */
  created: string;
  files?: FilesPreference;
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

export type WeightsVariant = 'fp32' | 'fp16';

/**
 * Why a snapshot's weights files were chosen: the user picked them ('asked'), they are the ones
 * an interrupted or evicted download had ('kept'), they suit the device's compute precision
 * ('fp16-compute', 'float32-compute'), or the snapshot has no others ('only').
 */
export type VariantReason = 'asked' | 'kept' | 'fp16-compute' | 'float32-compute' | 'only';

/** What decides which weights files of a snapshot to read (chooseVariant). */
export interface FilesPreference {
  /** The files the user picked ("use the other files"), or those a download to resume had: they win when the snapshot has them. */
  wanted?: WeightsVariant;
  /** `wanted` are the files of an earlier download (Resume, Download again), not a fresh pick. */
  kept?: boolean;
  /** The device computes the transformer in fp16 (`computesFp16`): fp16 files are preferred. */
  fp16Compute?: boolean;
}

/**
 * Whether the worker runs the transformer in fp16: on WebGPU with shader-f16 (the worker's
 * `backend` event) it opens the package's fp16 graph (engine `preferFp16`); elsewhere float32.
 */
export function computesFp16(backend: string | undefined, shaderF16: boolean | undefined): boolean {
  return backend === 'webgpu' && shaderF16 === true;
}

/**
 * Which weights files to read, for every route (Hub id, folder): the user's pick when the
 * snapshot has it; else the files that suit the device — fp16 where the transformer computes in
 * fp16 (used as stored: about half the download and, for aMUSEd-256, 3.09 GB to run instead of
 * 4.97 GB, docs/DIFFUSERS.md), fp32 elsewhere (fp16 files would be widened as they load: 5.51 GB
 * instead of 3.76 GB); else whichever the snapshot has.
 */
export function chooseVariant(names: Iterable<string>, pref: FilesPreference = {}): { variant: WeightsVariant; variantReason: VariantReason; otherVariant: boolean } {
  const all = [...names];
  const has: Record<WeightsVariant, boolean> = {
    fp16: all.some((p) => p.endsWith('.fp16.safetensors')),
    fp32: all.some((p) => p.endsWith('.safetensors') && !p.endsWith('.fp16.safetensors')),
  };
  const pick = (variant: WeightsVariant, variantReason: VariantReason) => ({ variant, variantReason, otherVariant: has[variant === 'fp16' ? 'fp32' : 'fp16'] });
  if (pref.wanted && has[pref.wanted]) return pick(pref.wanted, pref.kept ? 'kept' : 'asked');
  if (has.fp16 && has.fp32) return pref.fp16Compute ? pick('fp16', 'fp16-compute') : pick('fp32', 'float32-compute');
  // One set or none (the engine then says what is missing).
  return pick(has.fp32 ? 'fp32' : 'fp16', 'only');
}

/**
 * Opens `src` (which lists `names`), builds its package and summarises it. The source must
 * vouch for each weights file's sha256 (`expectedSha256`): the manifest lists it, and the install
 * checks the bytes against it as they are stored. Throws the engine's PackageError (naming the
 * file and field) for a snapshot outside the aMUSEd family.
 */
export async function describeSnapshot(src: SnapshotSource, names: Iterable<string>, opts: DescribeOptions): Promise<{ summary: SnapshotSummary; pkg: SnapshotPackage }> {
  const all = new Set(names);
  const { variant, variantReason, otherVariant } = chooseVariant(all, opts.files);
  const readme = all.has('README.md') ? new TextDecoder().decode(await src.read('README.md')) : '';
  const license = cardLicense(readme);
  const pkg = await snapshotAsPackage(src, {
    name: opts.name,
    displayName: opts.displayName,
    ...(variant === 'fp16' ? { variant: 'fp16' as const } : {}),
    created: opts.created,
    license: license ?? 'not stated in the model card',
    trustListedSha256: true,
  });
  const s = pkg.snapshot;
  const weights = [s.transformer.weights, s.vqvae.weights, s.textEncoder.weights].map((w) => ({ path: w.path, bytes: w.fileBytes }));
  const manifest = JSON.parse(new TextDecoder().decode(await pkg.source.read('manifest.json'))) as { files: Record<string, { bytes: number }> };
  const est = await opts.estimate?.().catch(() => undefined);
  const free = est?.quota !== undefined && est.usage !== undefined ? Math.max(0, est.quota - est.usage) : undefined;
  return {
    pkg,
    summary: {
      displayName: opts.displayName,
      ...(license ? { license } : {}),
      imageSize: s.imageSize,
      downloadBytes: weights.reduce((n, w) => n + w.bytes, 0),
      storedBytes: Object.values(manifest.files).reduce((n, f) => n + f.bytes, 0),
      weights,
      needs: snapshotNeeds(s),
      variant,
      variantReason,
      otherVariant,
      ...(free !== undefined ? { free } : {}),
    },
  };
}
