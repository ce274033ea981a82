/**
 * Batch generation for evaluation (`training/eval.py` calls it): generates every prompt of a
 * prompts file through the same engine the studio uses, at the model's defaults unless told
 * otherwise, and writes `{index:04d}_{seed}.png` for the scorer. Images are written without
 * metadata and with fast deflate: they are measured, not kept.
 *
 *   npx tsx src/cli/evalBatch.ts --prompts FILE.json --out DIR [--model DIR] [--seeds N]
 *        [--guidance X] [--sr-guidance X] [--settings JSON] [--limit N]
 *
 * `--settings '{"base":{"temperature":1},"superRes":{"steps":4}}'` overrides stage settings (the
 * sampling sweep uses it); the engine checks them as it checks any request.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadModel, type GenerateRequest } from '../engine';
import { encodePng } from '../engine/png';
import { createFsSource } from '../node/fsSource';
import { UsageError } from './args';
import { consoleIo, describeError, parseFlags } from './common';

interface PromptEntry {
  prompt: string;
}

function fail(msg: string): never {
  console.error(`error: ${msg}`);
  process.exit(2);
}

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number ≥ 0, got "${raw}"`);
  return n;
}

const USAGE =
  'usage: npx tsx src/cli/evalBatch.ts --prompts FILE.json --out DIR [--model DIR] [--seeds N]\n' +
  '         [--guidance X] [--sr-guidance X] [--settings JSON] [--limit N]';

/** The flags (null for --help); a UsageError for what parseFlags reports as a usage error. */
function parseEvalArgs(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        prompts: { type: 'string' },
        out: { type: 'string' },
        model: { type: 'string', default: 'models/scenes' },
        seeds: { type: 'string', default: '1' },
        guidance: { type: 'string' },
        'sr-guidance': { type: 'string' },
        settings: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError(describeError(err));
  }
  if (values.help) return null;
  if (!values.prompts || !values.out) throw new UsageError('--prompts FILE.json and --out DIR are required');
  return { ...values, prompts: values.prompts, out: values.out };
}

const parsed = parseFlags(process.argv.slice(2), parseEvalArgs, USAGE, consoleIo);
if (typeof parsed === 'number') process.exit(parsed);
const values = parsed;
const seeds = num('seeds', values.seeds) ?? 1;
const limit = num('limit', values.limit);
const guidance = num('guidance', values.guidance);
const srGuidance = num('sr-guidance', values['sr-guidance']);
const overrides = stageOverrides(values.settings);

type Overrides = Pick<GenerateRequest, 'base' | 'superRes'>;

function stageOverrides(raw: string | undefined): Overrides {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    fail(`--settings must be JSON, e.g. '{"base":{"temperature":1}}', got ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('--settings must be a JSON object');
  const extra = Object.keys(parsed).filter((k) => k !== 'base' && k !== 'superRes');
  if (extra.length > 0) fail(`--settings: unknown stage ${extra.join(', ')} (use "base" and "superRes")`);
  return parsed as Overrides;
}

const raw: unknown = JSON.parse(await readFile(values.prompts, 'utf8'));
if (!Array.isArray(raw)) fail(`${values.prompts}: expected a JSON list of {prompt, attributes}`);
const entries = raw.map((e: unknown, i): PromptEntry => {
  if (typeof e !== 'object' || e === null || typeof (e as PromptEntry).prompt !== 'string')
    fail(`${values.prompts}: entry ${i} has no string "prompt"`);
  return e as PromptEntry;
});

await mkdir(values.out, { recursive: true });
const model = await loadModel(createFsSource(values.model), { ort, executionProviders: ['cpu'] });
const n = limit === undefined ? entries.length : Math.min(limit, entries.length);
const started = performance.now();
for (let i = 0; i < n; i++) {
  const req: GenerateRequest = {
    prompt: entries[i].prompt,
    // Seeds depend on the index only, so runs with other settings compare like with like.
    seed: 1000 + i * 16,
    count: seeds,
    base: { ...overrides.base, ...(guidance !== undefined ? { guidance } : {}) },
    superRes: { ...overrides.superRes, ...(srGuidance !== undefined ? { guidance: srGuidance } : {}) },
  };
  const result = await model.generate(req, { previews: false }).catch((e: unknown) => {
    // Refused settings (a sweep's bad value) are the caller's mistake: say which, no stack.
    if (e instanceof Error && e.name === 'RequestError') fail(`prompt ${i}: ${e.message}`);
    throw e;
  });
  for (const [k, img] of result.images.entries()) {
    const png = encodePng(img, {});
    await writeFile(join(values.out, `${String(i).padStart(4, '0')}_${req.seed + k}.png`), png);
  }
  if ((i + 1) % 50 === 0 || i + 1 === n)
    console.log(`generated ${i + 1}/${n} prompts (${((performance.now() - started) / (i + 1)).toFixed(0)} ms per prompt)`);
}
await model.release();
