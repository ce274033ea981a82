/**
 * Session creation and run times of each aMUSEd graph, one graph at a time, in headless Chromium
 * (launched as the e2e tests launch it) on WebGPU and on WASM: the graphs the engine builds from a
 * diffusers snapshot (src/engine/diffusers/onnx) beside the ones the Python converter wrote for
 * the same checkpoint. Made to find which built graph is slow on a backend, and why:
 *
 *   npx tsx scripts/bench/graphTimes.ts [options]
 *     --snapshot DIR     diffusers snapshot (default tests/fixtures/amused-tiny-diffusers)
 *     --package DIR      the converter's package of the same checkpoint (default tests/fixtures/amused-tiny)
 *     --graphs LIST      any of clip,uvit,vqdec,vqenc (default all four)
 *     --routes LIST      any of direct,package (default both)
 *     --backends LIST    any of webgpu,wasm (default both)
 *     --runs N           runs per session after creation (default 2: the first compiles shaders)
 *     --placement        log ORT's node placement (verbose session log) instead of timing many runs:
 *                        prints the nodes ORT put on the CPU beside a WebGPU session
 *     --timeout S        give up on one graph after S seconds (default 600)
 *     --layouts LIST     WebGPU only: any of default,NCHW,NHWC, the EP's preferredLayout, alternated per
 *                        graph (default: default, i.e. ORT's own choice, NHWC in 1.30)
 *
 * Alternates direct and package per graph so a busy spell on the shared machine hits both. Inputs
 * are fixed pseudo-random values of each graph's contract shapes (batch 1); each line also prints
 * a checksum of the first output, so the two routes and the two backends can be compared.
 * No test asserts these times: this is a measurement.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../tests/e2e/browser';
import { snapshotAsPackage } from '../../src/engine/diffusers';
import { createFsSnapshotSource } from '../../src/node/fsSnapshotSource';
import { startServer } from './server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type GraphId = 'clip' | 'uvit' | 'vqdec' | 'vqenc';
type Route = 'direct' | 'package';
type Backend = 'webgpu' | 'wasm';

/** One input of a graph: name, element type and shape. */
interface InputSpec {
  name: string;
  type: 'int64' | 'float32';
  dims: number[];
  /** Values are drawn from [0, max) (ids) or [−max, max) (floats). */
  max: number;
}

/** What the page needs to open one graph: URLs of the graph and its external data file. */
interface GraphJob {
  graphUrl: string;
  data?: { url: string; path: string };
  inputs: InputSpec[];
  backend: Backend;
  runs: number;
  placement: boolean;
  /** The WebGPU EP's preferredLayout, when not ORT's default. */
  layout?: 'NCHW' | 'NHWC';
}

interface GraphResult {
  createMs: number;
  runMs: number[];
  checksum: number;
  outputDims: number[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const snapshotDir = path.resolve(ROOT, arg('snapshot', 'tests/fixtures/amused-tiny-diffusers'));
const packageDir = path.resolve(ROOT, arg('package', 'tests/fixtures/amused-tiny'));
const graphs = arg('graphs', 'clip,uvit,vqdec,vqenc').split(',') as GraphId[];
const routes = arg('routes', 'direct,package').split(',') as Route[];
const backends = arg('backends', 'webgpu,wasm').split(',') as Backend[];
const runs = Number(arg('runs', '2'));
const timeoutS = Number(arg('timeout', '600'));
const placement = process.argv.includes('--placement');
const layouts = arg('layouts', 'default').split(',') as Array<'default' | 'NCHW' | 'NHWC'>;

/** Where each graph lives in the snapshot's package view and in the converter's package. */
const GRAPH_PATHS: Record<GraphId, Record<Route, string>> = {
  clip: { direct: 'text_encoder/model.onnx', package: 'text_encoder/model.onnx' },
  uvit: { direct: 'transformer/base.onnx', package: 'transformer/base.onnx' },
  vqdec: { direct: 'vqvae/decoder.onnx', package: 'vqgan/decoder.onnx' },
  vqenc: { direct: 'vqvae/encoder.onnx', package: 'vqgan/encoder.onnx' },
};

/** The package contract's inputs (schemas/onnx-graphs.json) for the snapshot's sizes. */
function inputsFor(id: GraphId, m: Manifest): InputSpec[] {
  const t = m.textEncoder;
  const base = m.stages.base;
  const [rows, cols] = base.grid;
  const [h, w] = base.imageSize;
  switch (id) {
    case 'clip':
      return [{ name: 'input_ids', type: 'int64', dims: [1, t.maxLength], max: 500 }];
    case 'uvit':
      return [
        { name: 'tokens', type: 'int64', dims: [1, rows * cols], max: base.maskTokenId + 1 },
        { name: 'text_states', type: 'float32', dims: [1, t.maxLength, t.hiddenSize], max: 1 },
        { name: 'pooled_text', type: 'float32', dims: [1, t.projectionDim], max: 1 },
        { name: 'micro_conds', type: 'float32', dims: [1, 5], max: 6 },
      ];
    case 'vqdec':
      return [{ name: 'tokens', type: 'int64', dims: [1, rows, cols], max: m.vqgan.codebookSize }];
    case 'vqenc':
      return [{ name: 'pixels', type: 'float32', dims: [1, 3, h, w], max: 0.5 }];
  }
}

interface Manifest {
  textEncoder: { maxLength: number; hiddenSize: number; projectionDim: number };
  vqgan: { codebookSize: number };
  stages: { base: { grid: [number, number]; imageSize: [number, number]; maskTokenId: number } };
  externalData?: Record<string, string>;
}

/** Runs in the page: opens one graph on one backend, times creation and `runs` runs. */
async function runInPage(job: GraphJob): Promise<GraphResult> {
  const ortUrl = job.backend === 'webgpu' ? '/ort/ort.webgpu.min.mjs' : '/ort/ort.wasm.min.mjs';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ORT is loaded from a URL here, untyped
  const ort: any = await import(/* @vite-ignore */ ortUrl);
  ort.env.wasm.wasmPaths = '/ort/';
  if (job.placement) ort.env.logLevel = 'verbose';
  const bytes = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(url)).arrayBuffer());
  const graph = await bytes(job.graphUrl);
  const externalData = job.data ? [{ path: job.data.path, data: await bytes(job.data.url) }] : undefined;
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const feeds: Record<string, unknown> = {};
  for (const i of job.inputs) {
    const n = i.dims.reduce((a, b) => a * b, 1);
    feeds[i.name] = i.type === 'int64'
      ? new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rand() * i.max))), i.dims)
      : new ort.Tensor('float32', Float32Array.from({ length: n }, () => (rand() * 2 - 1) * i.max), i.dims);
  }
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(graph, {
    executionProviders: [job.layout ? { name: job.backend, preferredLayout: job.layout } : job.backend],
    ...(externalData ? { externalData } : {}),
    ...(job.placement ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}),
  });
  const createMs = performance.now() - t0;
  const runMs: number[] = [];
  let checksum = 0;
  let outputDims: number[] = [];
  for (let r = 0; r < job.runs; r++) {
    const t = performance.now();
    const out = await session.run(feeds);
    runMs.push(performance.now() - t);
    const first = out[session.outputNames[0]];
    const data = first.data as ArrayLike<number | bigint>;
    checksum = 0;
    for (let k = 0; k < data.length; k++) checksum += Number(data[k]) * ((k % 7) + 1);
    outputDims = first.dims;
  }
  await session.release();
  return { createMs, runMs, checksum, outputDims };
}

/** Writes each graph (and a link to its weights) under `dir`/models; the jobs that open them, by `graph/route`. */
async function prepare(dir: string): Promise<Map<string, Omit<GraphJob, 'backend' | 'runs' | 'placement'>>> {
  // The snapshot's package view, written out so the page fetches it like any file.
  const pkg = await snapshotAsPackage(createFsSnapshotSource(snapshotDir), { name: 'bench' });
  const direct = JSON.parse(new TextDecoder().decode(await pkg.source.read('manifest.json'))) as Manifest;
  const converted = JSON.parse(readFileSync(path.join(packageDir, 'manifest.json'), 'utf8')) as Manifest;
  const models = path.join(dir, 'models');
  const jobs = new Map<string, Omit<GraphJob, 'backend' | 'runs' | 'placement'>>();
  for (const id of graphs) {
    for (const route of routes) {
      const graphPath = GRAPH_PATHS[id][route];
      const manifest = route === 'direct' ? direct : converted;
      const dataPath = manifest.externalData?.[graphPath];
      const folder = path.join(models, route, id);
      await mkdir(folder, { recursive: true });
      const graphBytes = route === 'direct' ? await pkg.source.read(graphPath) : readFileSync(path.join(packageDir, graphPath));
      await writeFile(path.join(folder, 'graph.onnx'), graphBytes);
      let data: GraphJob['data'];
      if (dataPath) {
        const src = path.join(route === 'direct' ? snapshotDir : packageDir, dataPath);
        await symlink(src, path.join(folder, 'data.bin'));
        data = { url: `/pkg/${route}/${id}/data.bin`, path: path.basename(dataPath) };
      }
      jobs.set(`${id}/${route}`, { graphUrl: `/pkg/${route}/${id}/graph.onnx`, ...(data ? { data } : {}), inputs: inputsFor(id, manifest) });
    }
  }
  return jobs;
}

async function timeOne(page: Page, job: GraphJob): Promise<GraphResult | string> {
  await page.goto('/graphs.html');
  const guard = new Promise<string>((resolve) => setTimeout(() => resolve(`gave up after ${timeoutS} s`), timeoutS * 1000));
  return Promise.race([page.evaluate(runInPage, job).catch((e: unknown) => `failed: ${String(e).split('\n')[0]}`), guard]);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muse-graph-times-'));
  const page0 = path.join(dir, 'page');
  await mkdir(page0);
  await symlink(path.join(ROOT, 'node_modules/onnxruntime-web/dist'), path.join(page0, 'ort'));
  // tsx (esbuild, keepNames) wraps the functions inside runInPage in __name(); the page supplies it.
  await writeFile(path.join(page0, 'graphs.html'), '<!doctype html><title>graph times</title><script>window.__name = (f) => f;</script>');
  const jobs = await prepare(dir);
  const server = await startServer(page0, path.join(dir, 'models'));
  const browser = await chromium.launch({ executablePath: findChromium(), args: chromiumArgs });
  console.log(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  try {
    for (const backend of backends) {
      for (const id of graphs) {
        for (const [route, layout] of routes.flatMap((r) => (backend === 'webgpu' ? layouts : ['default' as const]).map((l) => [r, l] as const))) {
          // A fresh context per graph: its own ORT instance, and a graph that was given up on
          // cannot hold up the next one.
          const context = await browser.newContext({ baseURL: server.url });
          const page = await context.newPage();
          page.on('console', (msg) => {
            const text = msg.text();
            if (placement && /placed on|CPUExecutionProvider|not assigned|Node\(s\)|fallback/i.test(text)) console.log(`  [ort] ${text}`);
          });
          const base = jobs.get(`${id}/${route}`)!;
          const r = await timeOne(page, { ...base, backend, runs: placement ? 1 : runs, placement, ...(layout !== 'default' ? { layout } : {}) });
          const label = `${backend.padEnd(6)} ${id.padEnd(5)} ${route.padEnd(7)} ${layout.padEnd(7)}`;
          if (typeof r === 'string') console.log(`${label} ${r}`);
          else console.log(`${label} create ${r.createMs.toFixed(0).padStart(7)} ms  runs ${r.runMs.map((v) => v.toFixed(0).padStart(7)).join(' ')} ms  out [${r.outputDims.join(',')}] checksum ${r.checksum.toPrecision(8)}`);
          await context.close();
        }
      }
    }
  } finally {
    console.log(`load average at end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    await rm(dir, { recursive: true, force: true });
    await browser.close();
    await server.close();
  }
}

await main();
// Once in a run, server.close() kept waiting on a keep-alive connection after everything else ended.
process.exit(0);
