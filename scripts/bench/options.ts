/**
 * The bench's command line (`npm run bench -- …`, see the header of bench.ts): one pure parser,
 * so every option is checked here, before anything is loaded, and its wording is tested
 * (tests/unit/bench/options.test.ts).
 */
import { settingFlag } from '../../src/cli/args';
import { STUDIO_USAGE } from './studio/args';

export type BenchBackend = 'node' | 'wasm' | 'webgpu';

export interface Options {
  model: string;
  /** A second package measured in the same process / browser, jobs interleaved with --model's. */
  against?: string;
  /** Steps of --model's jobs instead of its package defaults (the --against model keeps its own). */
  stepsBase?: number;
  stepsSr?: number;
  browserBudget: number;
  runs: number;
  warmups: number;
  quick: boolean;
  backends: BenchBackend[];
  baseline: boolean;
  browserBaseline: boolean;
  baselineRuns: number;
  baselineMaxPasses: number;
  readback: boolean;
  profile: boolean;
  build: boolean;
  write: boolean;
  json?: string;
  previews: boolean;
  sessionOptions?: Record<string, unknown>;
  visits: number;
}

export const HELP =
  'npm run bench -- [--model DIR] [--against DIR] [--steps-base N] [--steps-sr N] [--runs N] [--warmups N] [--browser-budget S] [--quick]\n' +
  '                   [--backends node,wasm,webgpu] [--no-baseline] [--no-browser-baseline] [--baseline-runs N] [--baseline-max-passes N]\n' +
  '                   [--no-readback] [--profile] [--no-previews] [--session-options JSON] [--visits N] [--no-build] [--no-write] [--json FILE]\n' +
  `or the built studio, two builds side by side (a cached visit before issue 14.2 → now):\n${STUDIO_USAGE}\n` +
  '(see scripts/bench/bench.ts, scripts/bench/studioVisits.ts and docs/BENCHMARKS.md)';

const BACKENDS: readonly BenchBackend[] = ['node', 'wasm', 'webgpu'];

function int(name: string, v: string | undefined, lo: number): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < lo) throw new Error(`${name} needs an integer ≥ ${lo}, got ${v === undefined ? 'nothing' : v}`);
  return n;
}

/** A step count the engine accepts, checked and worded as `npm run generate` checks its --steps. */
function steps(name: string, v: string | undefined): number {
  // Given a string, settingFlag returns a number or throws.
  return settingFlag(name.slice(2), 'steps', v ?? '')!;
}

function value(name: string, v: string | undefined, what: string): string {
  if (v === undefined || v === '' || v.startsWith('--')) throw new Error(`${name} needs ${what}`);
  return v;
}

/**
 * Parses the bench's arguments (without `node` and the script). Returns 'help' for -h/--help;
 * throws an Error whose message names the bad option.
 */
export function parseArgs(argv: readonly string[]): Options | 'help' {
  const o: Options = {
    model: 'models/scenes', browserBudget: 900, runs: 5, warmups: 0, quick: false, backends: [...BACKENDS], baseline: true,
    browserBaseline: true, baselineRuns: 1, baselineMaxPasses: 0, readback: true, profile: false, build: true, write: true, previews: true, visits: 2,
  };
  let runsSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--model': o.model = value(a, next(), 'a package folder'); break;
      case '--against': o.against = value(a, next(), 'a package folder'); break;
      case '--steps-base': o.stepsBase = steps(a, next()); break;
      case '--steps-sr': o.stepsSr = steps(a, next()); break;
      case '--runs': o.runs = int(a, next(), 1); runsSet = true; break;
      case '--warmups': o.warmups = int(a, next(), 0); break;
      case '--browser-budget': o.browserBudget = int(a, next(), 0); break;
      case '--quick': o.quick = true; break;
      case '--backends': {
        const list = (next() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        if (list.length === 0) throw new Error('--backends needs a list of node, wasm, webgpu');
        for (const b of list) if (!BACKENDS.includes(b as BenchBackend)) throw new Error(`unknown backend ${b} (node, wasm, webgpu)`);
        o.backends = list as BenchBackend[];
        break;
      }
      case '--no-baseline': o.baseline = false; break;
      case '--no-browser-baseline': o.browserBaseline = false; break;
      case '--baseline-runs': o.baselineRuns = int(a, next(), 1); break;
      case '--baseline-max-passes': o.baselineMaxPasses = int(a, next(), 0); break;
      case '--no-readback': o.readback = false; break;
      case '--profile': o.profile = true; break;
      case '--no-build': o.build = false; break;
      case '--visits': o.visits = int(a, next(), 0); break;
      case '--no-write': o.write = false; break;
      case '--json': o.json = value(a, next(), 'a file name'); break;
      case '--no-previews': o.previews = false; break;
      case '--session-options': {
        const v = next() ?? '';
        let parsed: unknown;
        try {
          parsed = JSON.parse(v);
        } catch {
          parsed = undefined;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--session-options needs a JSON object, got ${v}`);
        o.sessionOptions = parsed as Record<string, unknown>;
        break;
      }
      case '-h': case '--help': return 'help';
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  if (o.quick && !runsSet) o.runs = 2;
  return o;
}
