/** What the `generate` and `edit` commands share: model folder, loading, requests, PNG output. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { loadModel, type LoadedModel, type Manifest, type RgbaImage, type StageSettings } from '../engine';
import { encodePng, formatA1111, PARAMETERS_KEY } from '../engine/png';
import { createFsSource } from '../node/fsSource';

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

/** Loads the package in `dir` on the CPU, or reports why it cannot (then the exit code is 1). */
export async function openModel(dir: string, io: CliIo): Promise<LoadedModel | null> {
  try {
    const model = await loadModel(createFsSource(dir), { ort, executionProviders: ['cpu'] });
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

/** The A1111 `parameters` text of one image; `extra` adds keys (e.g. the edit mode). */
export function parametersText(
  m: Manifest,
  opts: SamplingOptions,
  seed: number,
  settings: { base: StageSettings; superRes?: StageSettings },
  img: { width: number; height: number },
  extra?: Record<string, string>,
): string {
  const { base, superRes: sr } = settings;
  return formatA1111({
    prompt: opts.prompt,
    negativePrompt: opts.negative ?? '',
    seed,
    steps: base.steps,
    guidance: base.guidance,
    ...(sr ? { superResSteps: sr.steps, superResGuidance: sr.guidance } : {}),
    temperature: base.temperature,
    guidanceRamp: base.guidanceRamp,
    width: img.width,
    height: img.height,
    model: m.name,
    ...(extra ? { extra } : {}),
  });
}

/** Writes `img` as a PNG with its parameters chunk (deterministic bytes), creating folders. */
export async function writeImagePng(file: string, img: RgbaImage, parameters: string): Promise<void> {
  const png = await encodePng(img, { [PARAMETERS_KEY]: parameters }, (b) => deflateSync(b, { level: 9 }));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, png);
}

/** True when the module at `url` is the script node was started with (not an import). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}
