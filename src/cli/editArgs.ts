import { parseArgs } from 'node:util';
import type { Extension } from '../engine';
import { TOKEN_USAGE, UsageError, range, settingFlag, tokenFlag } from './args';
import type { SamplingOptions } from './common';

/** What `npm run edit -- …` was asked to do, every value checked. */
export interface EditOptions extends SamplingOptions {
  image: string;
  mask: string | undefined;
  extend: Extension | undefined;
  strength: number | undefined;
  feather: number | undefined;
  dilation: number | undefined;
  seed: number | undefined;
  count: number;
  out: string;
}

export const EDIT_USAGE = `Usage: npm run edit -- --image IN.png --prompt "TEXT" --out OUT.png [options]

Edits a PNG, JPEG or WebP image with a Muse Studio model package in Node (onnxruntime-node, CPU). The result has
the input's size (plus the extension when outpainting); pixels outside the mask and its
feather are kept byte for byte.

  --image FILE         the image to edit: PNG, JPEG (turned as its EXIF orientation says) or WebP
  --mask FILE          inpaint: white = regenerate, black = keep (same size as the image; PNG, JPEG or WebP)
  --extend SIDES       outpaint: pixels to add, e.g. left=64,right=64 (sides: left, right, top, bottom)
  --strength X         edit by text (no --mask, no --extend): ${range('strength')} (default 0.6)
  --prompt TEXT        what the edited region or image should show (required)
  --negative TEXT      negative prompt (replaces the unconditional branch of guidance)
  --seed N             integer ${range('seed')} (default: random, printed); variation k uses N + k
  --count N            variations, ${range('count')} (default 1): OUT.png, OUT-2.png, …
  --feather N          inpaint/outpaint: blend width in pixels, ${range('feather')} (default: 1/64 of the shorter side)
  --dilation N         inpaint/outpaint: token rings grown around the mask, ${range('dilation')} (default 1)
  --steps N            base-stage iterations, ${range('steps')} (default: the model's)
  --sr-steps N         super-resolution iterations, ${range('steps')} (default: the model's)
  --guidance X         base-stage guidance scale ${range('guidance')} (default: the model's)
  --temperature X      sampling temperature ${range('temperature')}, both stages (default: the model's)
  --model DIR          package folder, a diffusers aMUSEd snapshot folder (model_index.json),
                       or hf:OWNER/NAME[@REV] from the Hub, weights cached in MUSE_CACHE
                       (docs/DIFFUSERS.md) (default: models/scenes)
${TOKEN_USAGE}
  --out FILE.png       where to write the result (required)
  --help               show this text

Without --mask and --extend the whole image is edited by the prompt ("at night"); with
--strength small it stays close to the input.`;

/** Parses "left=64,right=32" (any subset of the four sides, each an integer ≥ 0). */
export function parseExtend(raw: string): Extension {
  const ext: Extension = { left: 0, right: 0, top: 0, bottom: 0 };
  const seen = new Set<string>();
  for (const part of raw.split(',')) {
    const m = /^\s*(left|right|top|bottom)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--extend must look like left=64,right=64 (sides left, right, top, bottom; pixels ≥ 0), got "${raw}"`);
    const side = m[1] as keyof Extension;
    if (seen.has(side)) throw new UsageError(`--extend names ${side} twice`);
    seen.add(side);
    ext[side] = settingFlag(`extend ${side}`, 'extendSide', m[2])!;
  }
  return ext;
}

/**
 * Parses the edit command line (without the node and script arguments). Returns null for
 * --help. Throws a UsageError for unknown flags, missing values or values out of range.
 */
export function parseEditArgs(argv: string[]): EditOptions | null {
  let values: Record<string, string | boolean | undefined>;
  const flags = ['image', 'mask', 'extend', 'strength', 'prompt', 'negative', 'seed', 'count', 'feather', 'dilation', 'steps', 'sr-steps', 'guidance', 'temperature', 'model', 'token', 'out'];
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { ...Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])), help: { type: 'boolean' } },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help']) return null;
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const image = str('image');
  if (image === undefined || image.trim() === '') throw new UsageError('--image FILE is required (PNG, JPEG or WebP)');
  const prompt = str('prompt');
  if (prompt === undefined) throw new UsageError('--prompt is required (what the edited region or image should show)');
  const out = str('out');
  if (out === undefined || out.trim() === '') throw new UsageError('--out FILE.png is required');
  if (!/\.png$/i.test(out)) throw new UsageError(`--out must name a .png file, got "${out}"`);
  const mask = str('mask');
  const extendRaw = str('extend');
  const extend = extendRaw === undefined ? undefined : parseExtend(extendRaw);
  const strength = settingFlag('strength', 'strength', str('strength'));
  if (strength !== undefined && (mask !== undefined || extend !== undefined)) {
    throw new UsageError('--strength is for editing by text alone; it cannot be combined with --mask or --extend');
  }
  return {
    image,
    mask,
    extend,
    strength,
    prompt,
    negative: str('negative'),
    seed: settingFlag('seed', 'seed', str('seed')),
    count: settingFlag('count', 'count', str('count')) ?? 1,
    feather: settingFlag('feather', 'feather', str('feather')),
    dilation: settingFlag('dilation', 'dilation', str('dilation')),
    steps: settingFlag('steps', 'steps', str('steps')),
    srSteps: settingFlag('sr-steps', 'steps', str('sr-steps')),
    guidance: settingFlag('guidance', 'guidance', str('guidance')),
    temperature: settingFlag('temperature', 'temperature', str('temperature')),
    model: str('model'),
    token: tokenFlag(str('token')),
    out,
  };
}
