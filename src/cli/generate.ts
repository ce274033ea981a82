/**
 * `npm run generate -- --prompt "…" --out FILE.png`: text-to-image in Node with
 * onnxruntime-node. Writes PNGs with the A1111 `parameters` text chunk; the same seed gives a
 * byte-identical file (deterministic decoding, filter choice and zlib deflate).
 */
import { USAGE, UsageError, outputPath, parseGenerateArgs, type GenerateOptions } from './args';
import { DEFAULT_MODEL, consoleIo, describeError, isMain, openModel, parametersText, resolveModelDir, samplingRequest, writeImagePng, type CliIo } from './common';

export { DEFAULT_MODEL, type CliIo } from './common';

/**
 * Runs the CLI on `argv` (without node and script); resolves to the process exit code.
 * `defaultModel` is the folder used without --model (tests point it elsewhere).
 */
export async function runCli(argv: string[], io: CliIo = consoleIo, defaultModel = DEFAULT_MODEL): Promise<number> {
  let opts: GenerateOptions | null;
  try {
    opts = parseGenerateArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.error(`error: ${err.message}\nRun with --help for usage.`);
    return 2;
  }
  if (opts === null) {
    io.log(USAGE);
    return 0;
  }
  const dir = resolveModelDir(opts.model, io, defaultModel);
  if (dir === null) return 1;
  const seed = opts.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];

  const model = await openModel(dir, io);
  if (model === null) return 1;
  try {
    const m = model.manifest;
    const result = await model.generate({ ...samplingRequest(opts), seed, count: opts.count }, { previews: false });
    if (result.promptTruncated) io.error(`note: the prompt is longer than ${m.textEncoder.maxLength} tokens and was cut.`);
    const perImage = result.timings['total'] / result.images.length;
    for (const [k, img] of result.images.entries()) {
      const file = outputPath(opts.out, k);
      await writeImagePng(file, img, parametersText(m, opts, (seed + k) >>> 0, result.settings, img));
      io.log(`wrote ${file} (${img.width}x${img.height}, seed ${(seed + k) >>> 0}, ${perImage.toFixed(0)} ms per image)`);
    }
    return 0;
  } catch (err) {
    io.error(`error: ${describeError(err)}`);
    return 1;
  } finally {
    await model.release();
  }
}

// Run only when executed directly (npm run generate), not when imported by tests.
if (isMain(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2));
}
