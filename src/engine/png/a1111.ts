// The AUTOMATIC1111 "parameters" text: prompt line(s), optional "Negative prompt: …" line(s),
// then one line of "Key: value" pairs. Values holding , " : or line breaks are JSON-quoted
// (as A1111 does). formatA1111 and parseA1111 share one field table, so what one writes the
// other accepts, and both reject the same invalid values.
import { ParametersError } from './errors';
import {
  checkGenerationParams,
  invalid,
  isGuidanceRamp,
  NUMBER_FIELDS,
  POSITIVE_INT,
  type GenerationParams,
} from './params';
import { describeBound, withinBound, type Bound } from '../settings/bounds';

export type { GenerationParams } from './params';

const NEGATIVE_MARKER = 'Negative prompt:';

/** Keys with a meaning here, in the order formatA1111 writes them; others go to `extra`. */
const WRITE_ORDER = [
  'Steps',
  'Sampler', // always "MaskGIT" when written; any value is accepted when read
  'CFG scale',
  'Seed',
  'Size',
  'Model',
  'Super-res steps',
  'Super-res CFG scale',
  'Temperature',
  'Guidance ramp',
  // Written only when the prompt itself has a line starting with "Negative prompt:", which
  // the line layout cannot express; A1111 also lets these keys override the text above.
  'Prompt',
  'Negative prompt',
];
const KNOWN_KEYS = new Set(WRITE_ORDER);

// ---------------------------------------------------------------------------------------
// Writing

function needsQuotes(value: string): boolean {
  return /[,":\n\r]/.test(value) || value !== value.trim();
}

function quote(value: string): string {
  return needsQuotes(value) ? JSON.stringify(value) : value;
}

function assertExtraKey(key: string): void {
  if (!/^[^,:"\r\n]+$/.test(key) || key !== key.trim()) {
    throw new ParametersError(`extra key ${JSON.stringify(key)} cannot be written: it must be non-empty text without , : " or line breaks`, key);
  }
  if (KNOWN_KEYS.has(key)) {
    throw new ParametersError(`extra key "${key}" clashes with a built-in key`, key);
  }
}

/**
 * Formats settings as A1111 "parameters" text, e.g.
 * `a red balloon\nNegative prompt: blurry\nSteps: 12, Sampler: MaskGIT, CFG scale: 4, Seed: 1234, Size: 256x256, Model: scenes`.
 * Output is deterministic; parseA1111(formatA1111(p)) deep-equals p.
 * @throws ParametersError when a field is out of range (the same rules parseA1111 applies).
 */
export function formatA1111(params: GenerationParams): string {
  const p = checkGenerationParams(params);
  const values = new Map<string, string>();
  for (const { key, field } of NUMBER_FIELDS) {
    const n = p[field];
    if (n !== undefined) values.set(key, String(n));
  }
  values.set('Sampler', 'MaskGIT');
  values.set('Size', `${p.width}x${p.height}`);
  values.set('Model', quote(p.model));
  if (p.guidanceRamp !== undefined) values.set('Guidance ramp', p.guidanceRamp);

  const promptLines = p.prompt.split('\n');
  if (promptLines.some((line) => line.startsWith(NEGATIVE_MARKER))) {
    values.set('Prompt', JSON.stringify(p.prompt));
    values.set('Negative prompt', JSON.stringify(p.negativePrompt));
  }
  const pairs = WRITE_ORDER.filter((k) => values.has(k)).map((k) => `${k}: ${values.get(k)}`);
  for (const [key, value] of Object.entries(p.extra ?? {})) {
    assertExtraKey(key);
    pairs.push(`${key}: ${quote(value)}`);
  }

  const lines = [p.prompt];
  if (p.negativePrompt !== '') lines.push(`${NEGATIVE_MARKER} ${p.negativePrompt}`);
  lines.push(pairs.join(', '));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Reading

/**
 * Splits "Key: value, Key: "quoted, value", …" into pairs, or returns null when the line
 * is not in that shape (e.g. it is the last line of a prompt).
 */
function parsePairs(line: string): [string, string][] | null {
  const pairs: [string, string][] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break; // tolerate a trailing ", "
    const colon = line.indexOf(':', i);
    if (colon < 0) return null;
    const key = line.slice(i, colon).trim();
    if (!/^[^,"]+$/.test(key)) return null;
    i = colon + 1;
    while (line[i] === ' ') i++;
    let value: string;
    if (line[i] === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) return null;
      try {
        value = JSON.parse(line.slice(i, j + 1)) as string;
      } catch {
        return null;
      }
      i = j + 1;
      while (line[i] === ' ') i++;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      value = line.slice(i, end).trim();
      i = end;
    }
    if (i < line.length && line[i] !== ',') return null;
    i++;
    pairs.push([key, value]);
  }
  return pairs.length > 0 ? pairs : null;
}

function parseNumber(key: string, raw: string, bound: Bound): number {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!withinBound(bound, n)) throw invalid(key, describeBound(bound), raw);
  return n;
}

/**
 * Parses A1111 "parameters" text. Unknown keys land in `extra`; known keys must have valid
 * values (a ParametersError names the key otherwise). "Negative prompt:" starts the
 * negative prompt only at the start of a line; prompts may span lines.
 * Required keys: Steps, CFG scale, Seed, Size, Model.
 * @throws ParametersError
 */
export function parseA1111(text: string): GenerationParams {
  const trimmed = text.trimEnd();
  const lastBreak = trimmed.lastIndexOf('\n');
  const pairs = parsePairs(trimmed.slice(lastBreak + 1).replace(/\r$/, ''));
  if (!pairs) {
    throw new ParametersError(
      trimmed === ''
        ? 'the parameters text is empty'
        : "the parameters text does not end with a settings line such as 'Steps: 12, CFG scale: 4, Seed: 1, Size: 256x256, Model: scenes'",
    );
  }

  const body = lastBreak < 0 ? '' : trimmed.slice(0, lastBreak);
  const lines = body.split('\n');
  const marker = lines.findIndex((line) => line.startsWith(NEGATIVE_MARKER));
  let prompt = (marker < 0 ? lines : lines.slice(0, marker)).join('\n');
  let negativePrompt = '';
  if (marker >= 0) {
    negativePrompt = lines.slice(marker).join('\n').slice(NEGATIVE_MARKER.length);
    if (negativePrompt.startsWith(' ')) negativePrompt = negativePrompt.slice(1);
  }

  const raw = new Map<string, string>();
  const extra: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (!KNOWN_KEYS.has(key)) {
      Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (raw.has(key)) throw new ParametersError(`${key} appears more than once in the parameters`, key);
    raw.set(key, value);
  }
  const required = (key: string): string => {
    const v = raw.get(key);
    if (v === undefined) throw new ParametersError(`${key} is missing from the parameters`, key);
    return v;
  };

  const size = /^(\d+)x(\d+)$/.exec(required('Size'));
  const width = size ? Number(size[1]) : NaN;
  const height = size ? Number(size[2]) : NaN;
  if (!withinBound(POSITIVE_INT, width) || !withinBound(POSITIVE_INT, height)) throw invalid('Size', 'WIDTHxHEIGHT, e.g. 256x256', raw.get('Size'));
  const model = required('Model');
  if (model.trim() === '') throw invalid('Model', 'a model name', model);
  prompt = raw.get('Prompt') ?? prompt;
  negativePrompt = raw.get('Negative prompt') ?? negativePrompt;

  const params: GenerationParams = { prompt, negativePrompt, seed: 0, steps: 0, guidance: 0, width, height, model };
  for (const f of NUMBER_FIELDS) {
    const v = f.required ? required(f.key) : raw.get(f.key);
    if (v !== undefined) params[f.field] = parseNumber(f.key, v, f.bound);
  }
  const ramp = raw.get('Guidance ramp');
  if (ramp !== undefined) {
    if (!isGuidanceRamp(ramp)) throw invalid('Guidance ramp', '"none" or "linear"', ramp);
    params.guidanceRamp = ramp;
  }
  if (Object.keys(extra).length > 0) params.extra = extra;
  return params;
}
