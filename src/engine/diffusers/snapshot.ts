/**
 * Opens a diffusers aMUSEd snapshot (model_index.json, transformer/, vqvae/, text_encoder/,
 * tokenizer/, scheduler/) from a SnapshotSource: the three configs as typed values, the chosen
 * safetensors file of each weighted component with its parsed header, the tokenizer files and
 * the scheduler's mask token. Reads only configs and headers, never the weights themselves.
 */
import { PackageError, describeError } from '../errors';
import { parseClipConfig, parseUVitConfig, parseVQConfig, type ClipConfig, type UVitConfig, type VQConfig } from './configs';
import { readSafetensorsHeader, type SafetensorsFile } from './safetensors';
import type { SnapshotSource } from './source';

/** Which weights files to read: the plain ones (fp32 in aMUSEd), or the `fp16` variant. */
export type Variant = 'fp16';

export interface DiffusersSnapshot {
  label: string;
  transformer: { config: UVitConfig; weights: SafetensorsFile };
  vqvae: { config: VQConfig; weights: SafetensorsFile };
  textEncoder: { config: ClipConfig; weights: SafetensorsFile };
  /** The tokenizer folder's files that exist (tokenizer.json, vocab.json, merges.txt, …). */
  tokenizerFiles: string[];
  /** The scheduler's mask token id (in [codebook_size, vocab_size)). */
  maskTokenId: number;
  /** Token grid side and image side in pixels (grid × the VQ's downsampling factor). */
  grid: number;
  imageSize: number;
}

async function readJson(src: SnapshotSource, path: string): Promise<unknown> {
  const bytes = await src.read(path);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (err) {
    throw new PackageError(`is not valid JSON (${describeError(err)})`, path);
  }
}

/** True when `src` looks like a diffusers snapshot rather than a studio package. */
export function isDiffusersSnapshot(src: SnapshotSource): Promise<boolean> {
  return src.exists('model_index.json');
}

/**
 * The weights file of one component folder: `<stem>.safetensors`, or `<stem>.fp16.safetensors`
 * when `variant` asks for it or when it is the only one. Pickled `.bin` files can run code and
 * are refused by name; sharded checkpoints are refused (no aMUSEd checkpoint is sharded).
 */
async function pickWeights(src: SnapshotSource, folder: string, stem: string, variant: Variant | undefined): Promise<string> {
  const names = await src.list(folder);
  const order = variant ? [`${stem}.${variant}.safetensors`] : [`${stem}.safetensors`, `${stem}.fp16.safetensors`];
  for (const name of order) if (names.includes(name)) return `${folder}/${name}`;
  const sharded = names.find((n) => n.endsWith('.safetensors.index.json'));
  if (sharded) throw new PackageError('is a sharded checkpoint index; sharded weights are not supported (aMUSEd ships one file per component)', `${folder}/${sharded}`);
  const bins = names.filter((n) => n.endsWith('.bin') || n.endsWith('.pt') || n.endsWith('.ckpt'));
  if (bins.length) {
    throw new PackageError(`pickled weights (${bins.join(', ')}) are not loaded, because unpickling can run code; download ${order[0]} instead`, `${folder}/${bins[0]}`);
  }
  throw new PackageError(`no ${order.join(' or ')} in ${src.label}`, `${folder}/${order[0]}`);
}

/** Opens the snapshot, checking everything a graph builder relies on; see DiffusersSnapshot. */
export async function openSnapshot(src: SnapshotSource, opts: { variant?: Variant } = {}): Promise<DiffusersSnapshot> {
  const index = await readJson(src, 'model_index.json');
  const cls = (index as Record<string, unknown> | null)?.['_class_name'];
  if (cls !== 'AmusedPipeline') {
    throw new PackageError(`field "_class_name" is ${JSON.stringify(cls)}; this engine opens aMUSEd snapshots ("AmusedPipeline") only`, 'model_index.json');
  }
  const transformer = parseUVitConfig(await readJson(src, 'transformer/config.json'), 'transformer/config.json');
  const vq = parseVQConfig(await readJson(src, 'vqvae/config.json'), 'vqvae/config.json');
  const clip = parseClipConfig(await readJson(src, 'text_encoder/config.json'), 'text_encoder/config.json');

  const mismatch = (file: string, field: string, v: number, other: string, w: number): PackageError =>
    new PackageError(`field "${field}" is ${v} but ${other} is ${w}; the parts of this snapshot do not fit together`, file);
  if (transformer.encoder_hidden_size !== clip.hidden_size) throw mismatch('transformer/config.json', 'encoder_hidden_size', transformer.encoder_hidden_size, 'text_encoder hidden_size', clip.hidden_size);
  if (transformer.cond_embed_dim !== clip.projection_dim) throw mismatch('transformer/config.json', 'cond_embed_dim', transformer.cond_embed_dim, 'text_encoder projection_dim', clip.projection_dim);
  if (transformer.codebook_size !== vq.num_vq_embeddings) throw mismatch('transformer/config.json', 'codebook_size', transformer.codebook_size, 'vqvae num_vq_embeddings', vq.num_vq_embeddings);

  let maskTokenId = transformer.vocab_size - 1;
  if (await src.exists('scheduler/scheduler_config.json')) {
    const sched = (await readJson(src, 'scheduler/scheduler_config.json')) as Record<string, unknown>;
    const m = sched['mask_token_id'];
    if (m !== undefined) {
      if (typeof m !== 'number' || !Number.isInteger(m) || m < transformer.codebook_size || m >= transformer.vocab_size) {
        throw new PackageError(`field "mask_token_id" ${JSON.stringify(m)} must be an integer in [codebook_size ${transformer.codebook_size}, vocab_size ${transformer.vocab_size})`, 'scheduler/scheduler_config.json');
      }
      maskTokenId = m;
    }
    const schedule = sched['masking_schedule'] ?? 'cosine';
    if (schedule !== 'cosine') throw new PackageError(`field "masking_schedule" is ${JSON.stringify(schedule)}; the engine decodes with the cosine schedule only`, 'scheduler/scheduler_config.json');
  }

  const tokenizerFiles = await src.list('tokenizer');
  if (!tokenizerFiles.includes('tokenizer.json') && !(tokenizerFiles.includes('vocab.json') && tokenizerFiles.includes('merges.txt'))) {
    throw new PackageError(`has neither tokenizer.json nor vocab.json + merges.txt in ${src.label}`, 'tokenizer/');
  }

  const header = async (folder: string, stem: string): Promise<SafetensorsFile> => readSafetensorsHeader(src, await pickWeights(src, folder, stem, opts.variant));
  const grid = transformer.sample_size;
  return {
    label: src.label,
    transformer: { config: transformer, weights: await header('transformer', 'diffusion_pytorch_model') },
    vqvae: { config: vq, weights: await header('vqvae', 'diffusion_pytorch_model') },
    textEncoder: { config: clip, weights: await header('text_encoder', 'model') },
    tokenizerFiles: tokenizerFiles.map((n) => `tokenizer/${n}`),
    maskTokenId,
    grid,
    imageSize: grid * 2 ** (vq.block_out_channels.length - 1),
  };
}
