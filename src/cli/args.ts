import { parseArgs } from 'node:util';
import { BOUNDS, describeBound, withinBound, type SettingName } from '../engine/settings';

/** What `npm run generate -- …` was asked to do, every value checked. */
export interface GenerateOptions {
  prompt: string;
  negative: string | undefined;
  /** undefined: pick a random seed (and print it). */
  seed: number | undefined;
  steps: number | undefined;
  srSteps: number | undefined;
  guidance: number | undefined;
  temperature: number | undefined;
  count: number;
  /** undefined: the default model, models/scenes. */
  model: string | undefined;
  /** A Hugging Face access token for `hf:` models (wins over HF_TOKEN); never printed. */
  token: string | undefined;
  out: string;
}

/** `--cache` / `--cache-clear`: look at or empty the CLI's Hub cache instead of generating. */
export interface CacheCommand {
  cache: 'list' | 'clear';
}

/** A mistake in the command line; the CLI prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How long an unfinished download (`.part`) must be untouched before --cache-clear deletes it (src/node/hubCache.ts). */
export const STALE_PART_MINUTES = 10;

/** The --token line of both commands' usage. */
export const TOKEN_USAGE = `  --token T            Hugging Face access token for hf: models (gated or private repos);
                       wins over HF_TOKEN; never printed`;

/**
 * Why `token` cannot be sent as a Bearer token, without repeating it (it is a secret, and would
 * otherwise end up in the error: fetch names a header value it refuses); undefined when it can.
 */
export function tokenProblem(token: string, from: string): string | undefined {
  if (token === '') return `${from} is empty`;
  return /^[\x21-\x7e]+$/.test(token) ? undefined : `${from} is not a token: it has spaces or characters outside printable ASCII (a Hugging Face token looks like hf_…)`;
}

/** The --token flag's value, checked (the message never repeats it). */
export function tokenFlag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const problem = tokenProblem(raw, '--token');
  if (problem) throw new UsageError(problem);
  return raw;
}

export const USAGE = `Usage: npm run generate -- --prompt "TEXT" --out FILE.png [options]

Generates images with a Muse Studio model package in Node (onnxruntime-node, CPU).

  --prompt TEXT        what to draw (required; "" for unconditional)
  --negative TEXT      negative prompt (replaces the unconditional branch of guidance)
  --seed N             integer ${range('seed')} (default: random, printed); image k uses N + k
  --steps N            base-stage iterations, ${range('steps')} (default: the model's)
  --sr-steps N         super-resolution iterations, ${range('steps')} (default: the model's)
  --guidance X         base-stage guidance scale ${range('guidance')} (default: the model's)
  --temperature X      sampling temperature ${range('temperature')}, both stages (default: the model's)
  --count N            images, ${range('count')} (default 1): FILE.png, FILE-2.png, …
  --model DIR          package folder, a diffusers aMUSEd snapshot folder (model_index.json),
                       or hf:OWNER/NAME[@REV] from the Hub, weights cached in MUSE_CACHE
                       (docs/DIFFUSERS.md) (default: models/scenes)
${TOKEN_USAGE}
  --out FILE.png       where to write the image (required)
  --help               show this text

The Hub cache (weights files of hf: models; these make no image and take no other flags):
  --cache              list the cached weights files with their sizes and the total
  --cache-clear        delete them (and unfinished downloads untouched for ${STALE_PART_MINUTES} minutes)`;

/** The range of a setting for usage texts: "1–64", "≥ 0", "> 0, ≤ 10". */
export function range(name: SettingName): string {
  const b = BOUNDS[name];
  const low = b.minExclusive ? `> ${b.min}` : b.max === undefined ? `≥ ${b.min}` : `${b.min}`;
  if (b.max === undefined) return low;
  return b.minExclusive ? `${low}, ≤ ${b.max}` : `${low}–${b.max}`;
}

/** A flag holding setting `name` (schemas/settings.schema.json), or undefined when absent. */
export function settingFlag(flag: string, name: SettingName, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!withinBound(BOUNDS[name], n)) throw new UsageError(`--${flag} must be ${describeBound(BOUNDS[name])}, got "${raw}"`);
  return n;
}

/**
 * Parses the generate command line (without the node and script arguments). Returns null for
 * --help. Throws a UsageError for unknown flags, missing values or values out of range.
 */
export function parseGenerateArgs(argv: string[]): GenerateOptions | CacheCommand | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        prompt: { type: 'string' },
        negative: { type: 'string' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        'sr-steps': { type: 'string' },
        guidance: { type: 'string' },
        temperature: { type: 'string' },
        count: { type: 'string' },
        model: { type: 'string' },
        token: { type: 'string' },
        out: { type: 'string' },
        cache: { type: 'boolean' },
        'cache-clear': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help']) return null;
  if (values['cache'] || values['cache-clear']) {
    const others = Object.keys(values).filter((k) => values[k] !== undefined && k !== 'cache' && k !== 'cache-clear');
    if (values['cache'] && values['cache-clear']) throw new UsageError('give --cache or --cache-clear, not both');
    if (others.length > 0) throw new UsageError(`--cache and --cache-clear take no other flags (got --${others.join(', --')})`);
    return { cache: values['cache'] ? 'list' : 'clear' };
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const prompt = str('prompt');
  if (prompt === undefined) throw new UsageError('--prompt is required (use --prompt "" for an unconditional image)');
  const out = str('out');
  if (out === undefined || out.trim() === '') throw new UsageError('--out FILE.png is required');
  if (!/\.png$/i.test(out)) throw new UsageError(`--out must name a .png file, got "${out}"`);
  return {
    prompt,
    negative: str('negative'),
    seed: settingFlag('seed', 'seed', str('seed')),
    steps: settingFlag('steps', 'steps', str('steps')),
    srSteps: settingFlag('sr-steps', 'steps', str('sr-steps')),
    guidance: settingFlag('guidance', 'guidance', str('guidance')),
    temperature: settingFlag('temperature', 'temperature', str('temperature')),
    count: settingFlag('count', 'count', str('count')) ?? 1,
    model: str('model'),
    token: tokenFlag(str('token')),
    out,
  };
}

/** FILE.png for the first image, FILE-2.png, FILE-3.png… for the others. */
export function outputPath(out: string, index: number): string {
  return index === 0 ? out : out.replace(/(\.png)$/i, `-${index + 1}$1`);
}
