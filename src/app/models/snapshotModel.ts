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
  variant: 'fp32' | 'fp16';
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
  variant?: 'fp32' | 'fp16';
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

/** The variant to read: fp16 only when asked for (and there) or when it is all there is. */
export function chooseVariant(names: Iterable<string>, wanted?: 'fp32' | 'fp16'): { variant: 'fp32' | 'fp16'; otherVariant: boolean } {
  const all = [...names];
  const hasFp16 = all.some((p) => p.endsWith('.fp16.safetensors'));
  const hasPlain = all.some((p) => p.endsWith('.safetensors') && !p.endsWith('.fp16.safetensors'));
  const variant = wanted === 'fp16' && hasFp16 ? 'fp16' : hasPlain ? 'fp32' : 'fp16';
  return { variant, otherVariant: variant === 'fp16' ? hasPlain : hasFp16 };
}

/**
 * Opens `src` (which lists `names`), builds its package and summarises it. The source must
 * vouch for each weights file's sha256 (`expectedSha256`): the manifest lists it, and the install
 * checks the bytes against it as they are stored. Throws the engine's PackageError (naming the
 * file and field) for a snapshot outside the aMUSEd family.
 */
export async function describeSnapshot(src: SnapshotSource, names: Iterable<string>, opts: DescribeOptions): Promise<{ summary: SnapshotSummary; pkg: SnapshotPackage }> {
  const all = new Set(names);
  const { variant, otherVariant } = chooseVariant(all, opts.variant);
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
      otherVariant,
      ...(free !== undefined ? { free } : {}),
    },
  };
}
