/** What the `generate` and `edit` commands share: model folder, loading, requests, PNG output. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadModel, type LoadedModel, type Manifest, type RgbaImage, type StageSettings } from '../engine';
import type { PackageSource } from '../engine/package/source';
import { encodePng, formatA1111, PARAMETERS_KEY, resultParams } from '../engine/png';
import type { VerifyMode } from '../engine/package/verify';
import { createFsSource } from '../node/fsSource';
import { cliCacheDir } from '../node/hubCache';
import { openHubPackage } from '../node/hubPackage';
import { openSnapshotFolder } from '../node/snapshotPackage';
import { UsageError, outputPath, tokenProblem } from './args';

export const DEFAULT_MODEL = 'models/scenes';

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliIo {
  log(line: string): void;
  error(line: string): void;
}

export const consoleIo: CliIo = { log: (l) => console.log(l), error: (l) => console.error(l) };

/** The sampling flags both commands accept. */
export interface SamplingOptions {
  prompt: string;
  negative: string | undefined;
  steps: number | undefined;
  srSteps: number | undefined;
  guidance: number | undefined;
  temperature: number | undefined;
  model: string | undefined;
  /** --token: a Hugging Face access token for `hf:` models; never printed. */
  token: string | undefined;
}

export const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Picks the package folder, or explains why there is none (then the exit code is 1). */
export function resolveModelDir(model: string | undefined, io: CliIo, defaultModel: string): string | null {
  if (model !== undefined) return model;
  if (existsSync(join(defaultModel, 'manifest.json'))) return defaultModel;
  io.error(
    `error: no trained default model exists yet (${defaultModel}/manifest.json not found).\n` +
      `  Train and export one (see training/), or pass --model DIR.\n` +
      `  --model tests/fixtures/tiny works, but it is a random-weight test fixture: its images are noise.`,
  );
  return null;
}

/**
 * Parses the flags with `parse` (null means --help was given: `usage` is printed). Returns the
 * options, or the exit code: 0 after help, 2 after a usage error.
 */
export function parseFlags<T extends object>(argv: string[], parse: (argv: string[]) => T | null, usage: string, io: CliIo): T | number {
  try {
    const opts = parse(argv);
    if (opts !== null) return opts;
    io.log(usage);
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.error(`error: ${err.message}\nRun with --help for usage.`);
    return 2;
  }
}

/** What one run of a command produced, as `writeResults` needs it. */
export interface RunResult {
  images: RgbaImage[];
  settings: { base: StageSettings; superRes?: StageSettings };
  timings: Record<string, number>;
  promptTruncated: boolean;
}

/**
 * Loads the package in `dir`, runs `run` on it, writes every image as `out` (numbered when
 * several) with its parameters chunk, and releases the model. `describe` adds words to the
 * "wrote" line; `extra` adds A1111 keys. Resolves to the exit code.
 */
export async function runAndWrite<R extends RunResult>(
  dir: string,
  io: CliIo,
  opts: SamplingOptions & { out: string },
  seed: number,
  run: (model: LoadedModel) => Promise<R>,
  describe: (result: R) => string = () => '',
  extra?: Record<string, string>,
): Promise<number> {
  const model = await openModel(dir, io, opts.token);
  if (model === null) return 1;
  try {
    const m = model.manifest;
    const result = await run(model);
    if (result.promptTruncated) io.error(`note: the prompt is longer than ${m.textEncoder.maxLength} tokens and was cut.`);
    const perImage = (result.timings['total'] ?? 0) / result.images.length;
    const how = describe(result);
    for (const [k, img] of result.images.entries()) {
      const file = outputPath(opts.out, k);
      const s = (seed + k) >>> 0;
      await writeImagePng(file, img, parametersText(m, opts, s, result.settings, img, extra));
      io.log(`wrote ${file} (${img.width}x${img.height}, ${how ? `${how}, ` : ''}seed ${s}, ${perImage.toFixed(0)} ms per image)`);
    }
    return 0;
  } catch (err) {
    io.error(`error: ${describeError(err)}`);
    return 1;
  } finally {
    await model.release();
  }
}

/** Bytes as the CLI prints them: MiB with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * The Hugging Face token for `hf:` models: `--token`, else HF_TOKEN (as huggingface_hub reads it).
 * Checked before it goes into a header, so no error can repeat it.
 */
function hubToken(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) return flag;
  const token = env.HF_TOKEN;
  if (token === undefined || token === '') return undefined;
  const problem = tokenProblem(token, 'HF_TOKEN');
  if (problem) throw new Error(problem);
  return token;
}

/**
 * Where the model in `dir` is read from: a studio package (manifest.json), a diffusers aMUSEd
 * snapshot (model_index.json, no manifest) whose graphs are built from its configs on the fly, or
 * `hf:owner/name[@revision]`, such a snapshot read from the Hugging Face Hub with its weights
 * files kept in the cache folder (`MUSE_CACHE`, src/node/hubCache.ts) for the next run.
 */
async function modelSource(dir: string, io: CliIo, tokenFlag: string | undefined): Promise<{ source: PackageSource; verify: VerifyMode }> {
  if (dir.startsWith('hf:')) {
    // A Hugging Face model id; HF_ENDPOINT and HF_TOKEN as huggingface_hub reads them.
    const env = process.env;
    const cacheDir = cliCacheDir(env);
    const token = hubToken(tokenFlag, env);
    const onDownload = (path: string, bytes: number): void => io.error(`note: downloading ${path} (${mib(bytes)}) into ${cacheDir}`);
    return openHubPackage(dir.slice(3), { ...(env.HF_ENDPOINT ? { hub: env.HF_ENDPOINT } : {}), ...(token ? { token } : {}) }, { cacheDir, onDownload });
  }
  if (tokenFlag !== undefined) io.error('note: --token is used for hf: models only; ignored.');
  if (existsSync(join(dir, 'manifest.json')) || !existsSync(join(dir, 'model_index.json'))) return { source: createFsSource(dir), verify: 'sha256' };
  return openSnapshotFolder(dir);
}

/**
 * Loads the package or diffusers snapshot in `dir` on the CPU, or reports why it cannot (then the
 * exit code is 1). `token`: --token, for `hf:` models.
 */
export async function openModel(dir: string, io: CliIo, token?: string): Promise<LoadedModel | null> {
  try {
    const { source, verify } = await modelSource(dir, io, token);
    const model = await loadModel(source, { ort, executionProviders: ['cpu'], verify });
    if (model.manifest.fixture) io.error(`note: ${model.manifest.name} is a test fixture with random weights; its images are noise.`);
    return model;
  } catch (err) {
    io.error(`error: cannot load the model package in ${dir}: ${describeError(err)}`);
    return null;
  }
}

/** The request fields the sampling flags set: prompt, negative prompt, stage overrides. */
export function samplingRequest(opts: SamplingOptions): { prompt: string; negativePrompt?: string; base: Partial<StageSettings>; superRes: Partial<StageSettings> } {
  const base: Partial<StageSettings> = {};
  const superRes: Partial<StageSettings> = {};
  if (opts.steps !== undefined) base.steps = opts.steps;
  if (opts.guidance !== undefined) base.guidance = opts.guidance;
  if (opts.temperature !== undefined) base.temperature = superRes.temperature = opts.temperature;
  if (opts.srSteps !== undefined) superRes.steps = opts.srSteps;
  return { prompt: opts.prompt, ...(opts.negative !== undefined ? { negativePrompt: opts.negative } : {}), base, superRes };
}

/** The A1111 `parameters` text of one image (seed already per image); `extra` adds keys (e.g. the edit mode). */
export function parametersText(
  m: Manifest,
  opts: SamplingOptions,
  seed: number,
  settings: { base: StageSettings; superRes?: StageSettings },
  img: { width: number; height: number },
  extra?: Record<string, string>,
): string {
  const src = { prompt: opts.prompt, ...(opts.negative !== undefined ? { negativePrompt: opts.negative } : {}), seed, model: m.name, settings };
  const params = resultParams(src, img, 0);
  return formatA1111(extra ? { ...params, extra: { ...params.extra, ...extra } } : params);
}

/** Writes `img` as a PNG with its parameters chunk (the same bytes the studio's worker writes), creating folders. */
export async function writeImagePng(file: string, img: RgbaImage, parameters: string): Promise<void> {
  const png = encodePng(img, { [PARAMETERS_KEY]: parameters });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, png);
}

/** True when the module at `url` is the script node was started with (not an import). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}
