/**
 * Options of the real-studio mode of `npm run bench` (`--studio-visits N`): two builds of the
 * studio side by side, each served by its own checkout's `vite preview` (what `npm start` serves),
 * cached visits alternating. Pure, so the parsing is unit-tested.
 */
import os from 'node:os';
import path from 'node:path';

/** The commit issue 14.2's "today" was measured on: the last one before the session that opened issue 14. */
export const ISSUE_14_COMMIT = '407e2ca';

export interface StudioOptions {
  /** Cached visits per build (after one first visit each), alternating before/now. */
  visits: number;
  /** Checkout of the "before" build; made as a detached worktree of `beforeCommit` when missing. */
  beforeDir: string;
  /** Commit to check out into `beforeDir` when it does not exist yet. */
  beforeCommit: string;
  /** Checkout of the "now" build (default: this repository). */
  nowDir: string;
  /** Ports of the two preview servers: before, now. */
  ports: [number, number];
  /** Build each checkout (`vite build`) before measuring; off: serve the dist/ already there. */
  build: boolean;
  /** Milliseconds each visit stays open after its last image (the first visit stores the caches then). */
  idleMs: number;
  /** Same prompt and seed in both builds; default settings otherwise. */
  prompt: string;
  seed: number;
  /** Query string of every visit (`?backend=wasm`: both builds on the WASM EP, which the 14.2 figures are on). */
  query: string;
  write: boolean;
  json?: string;
}

export const STUDIO_USAGE =
  'npm run bench -- --studio-visits N [--studio-before DIR] [--studio-before-commit SHA] [--studio-now DIR]\n' +
  '                   [--studio-ports BEFORE,NOW] [--studio-idle MS] [--studio-prompt TEXT] [--studio-seed N]\n' +
  '                   [--studio-query QUERY] [--no-build] [--no-write] [--json FILE]';

/** True when the arguments ask for the real-studio mode rather than the default bench. */
export function isStudioMode(argv: readonly string[]): boolean {
  return argv.includes('--studio-visits');
}

function int(name: string, v: string | undefined, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < lo || n > hi) {
    throw new Error(`${name} needs an integer from ${lo}${hi < Number.MAX_SAFE_INTEGER ? ` to ${hi}` : ''}, got ${String(v)}`);
  }
  return n;
}

function value(name: string, v: string | undefined): string {
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

/**
 * Parses the studio mode's arguments. `root` is this repository (the default "now" checkout);
 * relative folders are taken from the current directory, as a shell user means them.
 */
export function parseStudioArgs(argv: readonly string[], root: string, cwd = process.cwd(), tmp = os.tmpdir()): StudioOptions {
  let beforeDir: string | undefined;
  const o: Omit<StudioOptions, 'beforeDir'> = {
    visits: 3, beforeCommit: ISSUE_14_COMMIT, nowDir: path.resolve(root), ports: [4331, 4332], build: true, idleMs: 5000,
    prompt: 'a red hot-air balloon over the sea at sunset', seed: 1234, query: '?backend=wasm', write: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--studio-visits': o.visits = int(a, next(), 1); break;
      case '--studio-before': beforeDir = path.resolve(cwd, value(a, next())); break;
      case '--studio-before-commit': {
        const c = value(a, next());
        if (!/^[0-9a-f]{7,40}$/i.test(c)) throw new Error(`${a} needs a commit id (7 to 40 hex digits), got ${c}`);
        o.beforeCommit = c;
        break;
      }
      case '--studio-now': o.nowDir = path.resolve(cwd, value(a, next())); break;
      case '--studio-ports': {
        const v = value(a, next());
        const parts = v.split(',');
        if (parts.length !== 2) throw new Error(`${a} needs two ports, BEFORE,NOW, got ${v}`);
        const ports: [number, number] = [int(a, parts[0], 1, 65535), int(a, parts[1], 1, 65535)];
        if (ports[0] === ports[1]) throw new Error(`${a} needs two different ports, got ${v}`);
        o.ports = ports;
        break;
      }
      case '--studio-idle': o.idleMs = int(a, next(), 0); break;
      case '--studio-prompt': o.prompt = next() ?? ''; break;
      case '--studio-seed': o.seed = int(a, next(), 0, 2 ** 32 - 1); break;
      case '--studio-query': {
        const q = value(a, next());
        o.query = q === '' || q.startsWith('?') ? q : `?${q}`;
        break;
      }
      case '--no-build': o.build = false; break;
      case '--no-write': o.write = false; break;
      case '--json': o.json = path.resolve(cwd, value(a, next())); break;
      default: throw new Error(`unknown option ${a} in the studio mode (${STUDIO_USAGE})`);
    }
  }
  const before = beforeDir ?? path.join(tmp, `muse-studio-${o.beforeCommit}`);
  if (path.resolve(before) === path.resolve(o.nowDir)) throw new Error('--studio-before and --studio-now name the same checkout: nothing to compare');
  return { ...o, beforeDir: before };
}
