/**
 * The Hugging Face model summary as the panel words it (pure, unit-tested): what it downloads,
 * under which licence, on which backend and precision, roughly how much memory, whether storage
 * has room. Shown before any weights are fetched.
 */
import { formatBytes } from './install';
import type { HubSummary } from './hub';
import type { FolderSnapshotSummary } from './folderSnapshot';
import { computesFp16, type SnapshotSummary } from './snapshotModel';

export interface SummaryLine {
  label: string;
  text: string;
  /** The user should read this before downloading (no licence, no room, too big for WASM). */
  warn?: boolean;
}

/** Why the summary's weights files were chosen (snapshotModel.ts `chooseVariant`), as the "Files" line says it. */
export function variantWhy(s: Pick<SnapshotSummary, 'variant' | 'variantReason'>, from: 'hub' | 'folder'): string {
  const files = `${s.variant} files`;
  const other = s.variant === 'fp16' ? 'fp32' : 'fp16';
  switch (s.variantReason) {
    case 'asked':
      return `${files}, as you chose`;
    case 'kept':
      return `${files}, the same as its earlier ${from === 'hub' ? 'download' : 'copy'}`;
    case 'fp16-compute':
      return `${files}: this GPU computes in fp16, so they are used as stored (about half the ${from === 'hub' ? 'download' : 'size'} of the fp32 files)`;
    case 'float32-compute':
      return `${files}: this device computes in float32 (fp16 files would be widened as they load and need more memory)`;
    case 'only':
      return `${files}: the snapshot has no ${other} files`;
  }
}

/** onnxruntime-web's WASM heap: a model whose weights and activations exceed it cannot load there. */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;

const BACKEND_NAMES: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WASM (CPU)' };

/**
 * The summary's lines; `backend` is the worker's active backend ('webgpu' | 'wasm'), if known,
 * and `shaderF16` whether its WebGPU adapter has shader-f16 (the worker's `backend` event).
 */
export function hubSummaryLines(s: HubSummary | FolderSnapshotSummary, backend: string | undefined, shaderF16 = false): SummaryLine[] {
  const weightsKind = s.variant === 'fp16' ? 'fp16 weights files' : 'fp32 weights files';
  const lines: SummaryLine[] = [
    s.from === 'hub'
      ? { label: 'Download', text: `${formatBytes(s.downloadBytes)} (${s.weights.length} ${weightsKind}); ${formatBytes(s.storedBytes)} stored` }
      : { label: 'Copy', text: `${formatBytes(s.downloadBytes)} from the folder (${s.weights.length} ${weightsKind}); ${formatBytes(s.storedBytes)} stored` },
    { label: 'Files', text: variantWhy(s, s.from) },
  ];
  if (s.from === 'hub') {
    lines.push({
      label: 'Revision',
      text: s.commit ? `${s.revision} at commit ${s.commit.slice(0, 7)} (every file is read at that commit)` : `${s.revision} (the Hub did not say its commit)`,
    });
  }
  lines.push(
    s.license
      ? { label: 'Licence', text: s.license }
      : { label: 'Licence', text: 'not stated in the model card: check the model page before you use it', warn: true },
  );
  const on = backend ? BACKEND_NAMES[backend] ?? backend : 'the active backend';
  // There the worker runs the transformer's fp16 graph, which every snapshot package has (engine `preferFp16`).
  const fp16 = computesFp16(backend, shaderF16);
  const compute = fp16
    ? `fp16 (the transformer, ${s.variant === 'fp16' ? 'its fp16 weights as stored' : 'its fp32 weights narrowed as they load'}; text encoder and image decoder in float32)`
    : s.variant === 'fp16' ? 'float32 (fp16 weights widened to float32 as they load)' : 'float32';
  const memory = fp16 ? s.needs.memoryFp16Bytes : s.needs.memoryBytes;
  lines.push({ label: 'Runs on', text: `${on}, in ${compute}; ${s.imageSize}×${s.imageSize} px, ${(s.needs.parameters / 1e6).toFixed(1)} M parameters` });
  // The WASM heap also holds the runtime and its arenas: past ~3/4 of it a load is a gamble
  // (aMUSEd-256's fp32 files, 3.5 GB, land there: tests/unit/engine/diffusers/realShapes.test.ts).
  const onWasm = backend === 'wasm';
  const tooBig = onWasm && memory > WASM_MEMORY_LIMIT;
  const tight = onWasm && !tooBig && memory > WASM_MEMORY_LIMIT * 0.75;
  const limit = formatBytes(WASM_MEMORY_LIMIT);
  lines.push({
    label: 'Memory',
    text: `about ${formatBytes(memory)}${tooBig ? `: more than the ${limit} WASM allows, so it needs WebGPU` : tight ? `: close to the ${limit} WASM allows; it may not load without WebGPU` : ''}`,
    ...(tooBig || tight ? { warn: true } : {}),
  });
  if (s.free === undefined) {
    lines.push({ label: 'Storage', text: 'the browser does not say how much room it has' });
  } else if (s.free < s.storedBytes) {
    lines.push({ label: 'Storage', text: `not enough room: it needs ${formatBytes(s.storedBytes)} and the browser allows ${formatBytes(s.free)} more. Delete a model or free disk space first.`, warn: true });
  } else {
    lines.push({ label: 'Storage', text: `room enough (${formatBytes(s.free)} free)` });
  }
  return lines;
}

/** False when the download would certainly fail for lack of room. */
export function hubHasRoom(s: HubSummary | FolderSnapshotSummary): boolean {
  return s.free === undefined || s.free >= s.storedBytes;
}
