/**
 * The config.json files of an aMUSEd snapshot as typed values, with diffusers' defaults for absent
 * fields. A field this engine does not know is refused (it may change the network), and so is a
 * value outside the aMUSEd family; each message names the file and the field. The field lists
 * and checks are those of training/convert/uvit.py and vqmodel.py (the Python converter).
 */
import { PackageError } from '../errors';

type Kind = 'int' | 'float' | 'bool' | 'string' | 'intList' | 'stringList' | 'intOrNull';
type Value = number | boolean | string | number[] | string[] | null;
type Fields = Record<string, readonly [Kind, Value]>;

const UVIT_FIELDS = {
  hidden_size: ['int', 1024],
  use_bias: ['bool', false],
  hidden_dropout: ['float', 0],
  cond_embed_dim: ['int', 768],
  micro_cond_encode_dim: ['int', 256],
  micro_cond_embed_dim: ['int', 1280],
  encoder_hidden_size: ['int', 768],
  vocab_size: ['int', 8256],
  codebook_size: ['int', 8192],
  in_channels: ['int', 768],
  block_out_channels: ['int', 768],
  num_res_blocks: ['int', 3],
  downsample: ['bool', false],
  upsample: ['bool', false],
  block_num_heads: ['int', 12],
  num_hidden_layers: ['int', 22],
  num_attention_heads: ['int', 16],
  attention_dropout: ['float', 0],
  intermediate_size: ['int', 2816],
  layer_norm_eps: ['float', 1e-6],
  ln_elementwise_affine: ['bool', true],
  sample_size: ['int', 64],
} as const satisfies Fields;

const VQ_FIELDS = {
  in_channels: ['int', 3],
  out_channels: ['int', 3],
  down_block_types: ['stringList', ['DownEncoderBlock2D']],
  up_block_types: ['stringList', ['UpDecoderBlock2D']],
  block_out_channels: ['intList', [64]],
  layers_per_block: ['int', 1],
  act_fn: ['string', 'silu'],
  latent_channels: ['int', 3],
  sample_size: ['int', 32],
  num_vq_embeddings: ['int', 256],
  norm_num_groups: ['int', 32],
  vq_embed_dim: ['intOrNull', null],
  scaling_factor: ['float', 0.18215],
  norm_type: ['string', 'group'],
  mid_block_add_attention: ['bool', true],
  lookup_from_codebook: ['bool', false],
  force_upcast: ['bool', false],
} as const satisfies Fields;

/** The CLIP fields the graphs depend on; transformers writes many more, which are ignored. */
const CLIP_FIELDS = {
  hidden_size: ['int', 512],
  intermediate_size: ['int', 2048],
  num_hidden_layers: ['int', 12],
  num_attention_heads: ['int', 8],
  max_position_embeddings: ['int', 77],
  projection_dim: ['int', 512],
  hidden_act: ['string', 'quick_gelu'],
  layer_norm_eps: ['float', 1e-5],
  vocab_size: ['int', 49408],
  eos_token_id: ['int', 2],
} as const satisfies Fields;

type Typed<F extends Fields> = {
  -readonly [K in keyof F]: F[K][0] extends 'int' | 'float' ? number : F[K][0] extends 'bool' ? boolean : F[K][0] extends 'string' ? string
    : F[K][0] extends 'intList' ? number[] : F[K][0] extends 'stringList' ? string[] : number | null;
};
export type UVitConfig = Typed<typeof UVIT_FIELDS>;
export type VQConfig = Typed<typeof VQ_FIELDS>;
export type ClipConfig = Typed<typeof CLIP_FIELDS>;

function coerce(v: unknown, kind: Kind): Value | undefined {
  const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
  switch (kind) {
    case 'int': return isInt(v) ? v : undefined;
    case 'float': return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'bool': return typeof v === 'boolean' ? v : undefined;
    case 'string': return typeof v === 'string' ? v : undefined;
    case 'intList': return Array.isArray(v) && v.every(isInt) ? (v as number[]) : undefined;
    case 'stringList': return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
    case 'intOrNull': return v === null || isInt(v) ? v : undefined;
  }
}

const KIND_WORDS: Record<Kind, string> = {
  int: 'an integer', float: 'a number', bool: 'true or false', string: 'a string',
  intList: 'a list of integers', stringList: 'a list of strings', intOrNull: 'an integer or null',
};

/** Reads `raw` against `fields`; `strict` refuses fields not in the table (underscored ones aside). */
function typed<F extends Fields>(raw: unknown, fields: F, file: string, strict: boolean): Typed<F> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PackageError('must hold a JSON object', file);
  const obj = raw as Record<string, unknown>;
  if (strict) {
    const unknown = Object.keys(obj).filter((k) => !k.startsWith('_') && !(k in fields)).sort();
    if (unknown.length) throw new PackageError(`unknown config field(s) ${unknown.map((k) => `"${k}"`).join(', ')}: this engine cannot say how they change the network`, file);
  }
  const out: Record<string, Value> = {};
  for (const [k, [kind, dflt]] of Object.entries(fields)) {
    if (!(k in obj)) {
      out[k] = dflt;
      continue;
    }
    const v = coerce(obj[k], kind);
    if (v === undefined) throw new PackageError(`field "${k}" must be ${KIND_WORDS[kind]}, got ${JSON.stringify(obj[k])}`, file);
    out[k] = v;
  }
  return out as Typed<F>;
}

function expectClass(raw: unknown, want: string, file: string): void {
  const got = (raw as Record<string, unknown>)['_class_name'];
  if (got !== undefined && got !== want) throw new PackageError(`field "_class_name" is ${JSON.stringify(got)}; this engine runs ${want} only (aMUSEd)`, file);
}

/** transformer/config.json (diffusers' UVit2DModel). */
export function parseUVitConfig(raw: unknown, file: string): UVitConfig {
  const c = typed(raw, UVIT_FIELDS, file, true);
  expectClass(raw, 'UVit2DModel', file);
  const fail = (field: string, why: string): never => {
    throw new PackageError(`field "${field}" ${why}`, file);
  };
  for (const k of ['hidden_size', 'cond_embed_dim', 'micro_cond_encode_dim', 'micro_cond_embed_dim', 'encoder_hidden_size', 'vocab_size',
    'codebook_size', 'in_channels', 'block_out_channels', 'num_res_blocks', 'block_num_heads', 'num_hidden_layers', 'num_attention_heads',
    'intermediate_size', 'sample_size'] as const) {
    if (c[k] <= 0) fail(k, `must be positive, got ${c[k]}`);
  }
  if (c.hidden_size % c.num_attention_heads) fail('num_attention_heads', `(${c.num_attention_heads}) does not divide hidden_size ${c.hidden_size}`);
  if (c.block_out_channels % c.block_num_heads) fail('block_num_heads', `(${c.block_num_heads}) does not divide block_out_channels ${c.block_out_channels}`);
  if (c.micro_cond_embed_dim % c.micro_cond_encode_dim) fail('micro_cond_embed_dim', `(${c.micro_cond_embed_dim}) is not a multiple of micro_cond_encode_dim ${c.micro_cond_encode_dim}`);
  if (c.micro_cond_embed_dim / c.micro_cond_encode_dim !== 5) fail('micro_cond_embed_dim', `gives ${c.micro_cond_embed_dim / c.micro_cond_encode_dim} micro-conditioning values; aMUSEd's are 5 (width, height, crop top, crop left, aesthetic score)`);
  if (c.micro_cond_encode_dim % 2) fail('micro_cond_encode_dim', `must be even (sin and cos halves), got ${c.micro_cond_encode_dim}`);
  if (c.codebook_size >= c.vocab_size) fail('codebook_size', `(${c.codebook_size}) leaves no room for the mask token in vocab_size ${c.vocab_size}`);
  if (c.downsample !== c.upsample) fail('upsample', 'must equal downsample (the grid must come back to its input size)');
  if (c.downsample && c.sample_size % 2) fail('sample_size', `must be even when downsample is true, got ${c.sample_size}`);
  return c;
}

/** vqvae/config.json (diffusers' VQModel as aMUSEd configures it). */
export function parseVQConfig(raw: unknown, file: string): VQConfig {
  const c = typed(raw, VQ_FIELDS, file, true);
  expectClass(raw, 'VQModel', file);
  const fail = (field: string, why: string): never => {
    throw new PackageError(`field "${field}" ${why}`, file);
  };
  const n = c.block_out_channels.length;
  if (n === 0) fail('block_out_channels', 'is empty');
  if (c.down_block_types.length !== n || c.down_block_types.some((t) => t !== 'DownEncoderBlock2D')) fail('down_block_types', `must be ${n}× "DownEncoderBlock2D" (the only kind aMUSEd uses)`);
  if (c.up_block_types.length !== n || c.up_block_types.some((t) => t !== 'UpDecoderBlock2D')) fail('up_block_types', `must be ${n}× "UpDecoderBlock2D" (the only kind aMUSEd uses)`);
  if (c.act_fn !== 'silu' && c.act_fn !== 'swish') fail('act_fn', `is "${c.act_fn}"; aMUSEd uses "silu"`);
  if (c.norm_type !== 'group') fail('norm_type', `is "${c.norm_type}"; aMUSEd uses "group"`);
  if (c.mid_block_add_attention) fail('mid_block_add_attention', 'is true: mid-block attention is not implemented (aMUSEd\'s VQ has none)');
  if (c.in_channels !== 3) fail('in_channels', 'must be 3 (RGB)');
  if (c.out_channels !== 3) fail('out_channels', 'must be 3 (RGB)');
  if (!c.lookup_from_codebook) fail('lookup_from_codebook', 'must be true (aMUSEd decodes token ids through the codebook)');
  for (const ch of c.block_out_channels) if (ch % c.norm_num_groups) fail('norm_num_groups', `(${c.norm_num_groups}) does not divide block_out_channels entry ${ch}`);
  return c;
}

/** text_encoder/config.json (transformers' CLIPTextModelWithProjection). */
export function parseClipConfig(raw: unknown, file: string): ClipConfig {
  const c = typed(raw, CLIP_FIELDS, file, false);
  const o = raw as Record<string, unknown>;
  if (o['model_type'] !== undefined && o['model_type'] !== 'clip_text_model') throw new PackageError(`field "model_type" is ${JSON.stringify(o['model_type'])}, expected "clip_text_model"`, file);
  const arch = o['architectures'];
  if (arch !== undefined && !(Array.isArray(arch) && arch.includes('CLIPTextModelWithProjection'))) {
    throw new PackageError(`field "architectures" is ${JSON.stringify(arch)}; aMUSEd's text encoder is CLIPTextModelWithProjection`, file);
  }
  if (c.hidden_act !== 'quick_gelu' && c.hidden_act !== 'gelu') throw new PackageError(`field "hidden_act" is "${c.hidden_act}"; CLIP uses "quick_gelu" or "gelu"`, file);
  if (c.hidden_size % c.num_attention_heads) throw new PackageError(`field "num_attention_heads" (${c.num_attention_heads}) does not divide hidden_size ${c.hidden_size}`, file);
  if (c.num_hidden_layers < 2) throw new PackageError(`field "num_hidden_layers" must be at least 2 (aMUSEd reads the second-to-last layer), got ${c.num_hidden_layers}`, file);
  return c;
}
