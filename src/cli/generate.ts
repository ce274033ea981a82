/**
 * `npm run generate -- --prompt "…" --out FILE.png`: text-to-image in Node with
 * onnxruntime-node. Writes PNGs with the A1111 `parameters` text chunk; the same seed gives a
 * byte-identical file (deterministic decoding, filter choice and zlib deflate).
 */
import { USAGE, parseGenerateArgs } from './args';
import { runCacheCommand } from './cache';
import { DEFAULT_MODEL, consoleIo, isMain, parseFlags, resolveModelDir, runAndWrite, samplingRequest, type CliIo } from './common';

export { DEFAULT_MODEL, type CliIo } from './common';

/**
 * Runs the CLI on `argv` (without node and script); resolves to the process exit code.
 * `defaultModel` is the folder used without --model (tests point it elsewhere).
 */
export async function runCli(argv: string[], io: CliIo = consoleIo, defaultModel = DEFAULT_MODEL): Promise<number> {
  const opts = parseFlags(argv, parseGenerateArgs, USAGE, io);
  if (typeof opts === 'number') return opts;
  if ('cache' in opts) return runCacheCommand(opts, io);
  const dir = resolveModelDir(opts.model, io, defaultModel);
  if (dir === null) return 1;
  const seed = opts.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  return runAndWrite(dir, io, opts, seed, (model) => model.generate({ ...samplingRequest(opts), seed, count: opts.count }, { previews: false }));
}

// Run only when executed directly (npm run generate), not when imported by tests.
if (isMain(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2));
}
