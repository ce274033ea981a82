/**
 * `npm run edit -- --image IN.(png|jpg|webp) [--mask MASK.png] [--extend left=N,…] [--strength X]
 * --prompt "…" --out OUT.png`: inpainting, outpainting or editing by text in Node with
 * onnxruntime-node. Writes PNGs of the input's size (plus the extension) with the A1111
 * `parameters` chunk, including the edit mode.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_STRENGTH, type EditRequest } from '../engine';
import { editParams } from '../engine/png';
import { DEFAULT_MODEL, consoleIo, describeError, isMain, parseFlags, resolveModelDir, runAndWrite, samplingRequest, type CliIo } from './common';
import { EDIT_USAGE, parseEditArgs } from './editArgs';
import { editRequestFromPng, InputFileError } from './editPng';

async function readInput(path: string, flag: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputFileError(code === 'ENOENT' ? `${flag} ${path}: file not found` : `${flag} ${path}: ${describeError(err)}`);
  }
}

/** Runs the edit command on `argv` (without node and script); resolves to the exit code. */
export async function runEditCli(argv: string[], io: CliIo = consoleIo, defaultModel = DEFAULT_MODEL): Promise<number> {
  const opts = parseFlags(argv, parseEditArgs, EDIT_USAGE, io);
  if (typeof opts === 'number') return opts;
  let request: EditRequest;
  const seed = opts.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  try {
    const image = await readInput(opts.image, '--image');
    const mask = opts.mask === undefined ? undefined : await readInput(opts.mask, '--mask');
    request = await editRequestFromPng(
      {
        ...samplingRequest(opts),
        image,
        ...(mask ? { mask } : {}),
        ...(opts.extend ? { extend: opts.extend } : {}),
        ...(opts.strength !== undefined ? { strength: opts.strength } : {}),
        ...(opts.feather !== undefined ? { feather: opts.feather } : {}),
        ...(opts.dilation !== undefined ? { dilation: opts.dilation } : {}),
        seed,
        count: opts.count,
      },
      { image: `--image ${opts.image}`, mask: `--mask ${opts.mask}` },
    );
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    io.error(`error: ${err.message}`);
    return 1;
  }
  const dir = resolveModelDir(opts.model, io, defaultModel);
  if (dir === null) return 1;
  return runAndWrite(
    dir,
    io,
    opts,
    seed,
    (model) => model.edit(request, { previews: false }),
    (result) =>
      request.mode === 'text'
        ? `edit by text, strength ${request.strength ?? DEFAULT_STRENGTH}`
        : `${request.mode}, ${(result.changedFraction * 100).toFixed(1)}% of pixels changeable, ${result.windows.length} window(s)`,
    editParams(request),
  );
}

// Run only when executed directly (npm run edit), not when imported by tests.
if (isMain(import.meta.url)) {
  process.exitCode = await runEditCli(process.argv.slice(2));
}
