import { parseArgs } from 'node:util';

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
  out: string;
}

/** A mistake in the command line; the CLI prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run generate -- --prompt "TEXT" --out FILE.png [options]

Generates images with a Muse Studio model package in Node (onnxruntime-node, CPU).

  --prompt TEXT        what to draw (required; "" for unconditional)
  --negative TEXT      negative prompt (replaces the unconditional branch of guidance)
  --seed N             integer 0–4294967295 (default: random, printed); image k uses N + k
  --steps N            base-stage iterations, 1–64 (default: the model's)
  --sr-steps N         super-resolution iterations, 1–64 (default: the model's)
  --guidance X         base-stage guidance scale ≥ 0 (default: the model's)
  --temperature X      sampling temperature > 0, both stages (default: the model's)
  --count N            images, 1–4 (default 1): FILE.png, FILE-2.png, …
  --model DIR          package folder (default: models/scenes)
  --out FILE.png       where to write the image (required)
  --help               show this text`;

/** An integer flag in [min, max], or undefined when absent. */
export function intFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** A number flag ≥ min (> min when `exclusive`), or undefined when absent. */
export function numberFlag(name: string, raw: string | undefined, min: number, exclusive: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = raw.trim() === '' ? NaN : Number(raw);
  const ok = Number.isFinite(n) && (exclusive ? n > min : n >= min);
  if (!ok) throw new UsageError(`--${name} must be a number ${exclusive ? '>' : '≥'} ${min}, got "${raw}"`);
  return n;
}

/**
 * Parses the generate command line (without the node and script arguments). Returns null for
 * --help. Throws a UsageError for unknown flags, missing values or values out of range.
 */
export function parseGenerateArgs(argv: string[]): GenerateOptions | null {
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
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help']) return null;
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const prompt = str('prompt');
  if (prompt === undefined) throw new UsageError('--prompt is required (use --prompt "" for an unconditional image)');
  const out = str('out');
  if (out === undefined || out.trim() === '') throw new UsageError('--out FILE.png is required');
  if (!/\.png$/i.test(out)) throw new UsageError(`--out must name a .png file, got "${out}"`);
  return {
    prompt,
    negative: str('negative'),
    seed: intFlag('seed', str('seed'), 0, 0xffffffff),
    steps: intFlag('steps', str('steps'), 1, 64),
    srSteps: intFlag('sr-steps', str('sr-steps'), 1, 64),
    guidance: numberFlag('guidance', str('guidance'), 0, false),
    temperature: numberFlag('temperature', str('temperature'), 0, true),
    count: intFlag('count', str('count'), 1, 4) ?? 1,
    model: str('model'),
    out,
  };
}

/** FILE.png for the first image, FILE-2.png, FILE-3.png… for the others. */
export function outputPath(out: string, index: number): string {
  return index === 0 ? out : out.replace(/(\.png)$/i, `-${index + 1}$1`);
}
