/**
 * The bench worker: runs the engine directly (no UI, no app protocol) on onnxruntime-web's
 * `/webgpu` entry, the same entry and WASM configuration as the studio's worker
 * (src/worker/backend.ts configureWasm), with an instrumented ORT module.
 *
 * WASM memory: ORT's Emscripten module is internal, so the worker watches every
 * WebAssembly.Memory created (threaded builds make theirs in JS) or exported by an instance, before
 * ORT is imported. Wasm memory never shrinks, so its final size is its peak.
 */
import { createUrlSource, JobQueue, loadModel, type EngineOptions, type Ort } from '../../../src/engine';
import { cacheStorageAtlasCache } from '../../../src/worker/atlasCache';
import { configureWasm, sessionRuntime, wasmThreadCount } from '../../../src/worker/backend';
import { gpuConstantPlacer } from '../../../src/worker/gpuConstants';
import { WorkerJobs } from '../../../src/worker/jobs';
import { ModelHost } from '../../../src/worker/models';
import type { WorkerEvent } from '../../../src/worker/protocol';
import { ortRuntimes, type OrtFor } from '../../../src/worker/runtime';
import { instrumentOrt, type Instrumented } from '../shared/instrument';
import { backendResult, runAll } from '../shared/runner';
import { measureYield, median } from '../shared/stats';
import type { BackendResult, CachedVisit, MemoryReport, ReadbackExperiment, RunnerConfig, RunRecord, StartPath } from '../shared/types';
import type { Backend, FromWorker, ToWorker } from './messages';

type OrtWeb = typeof import('onnxruntime-web/webgpu');

const memories = new Set<WebAssembly.Memory>();
function watchWasmMemory(): void {
  const W = WebAssembly as unknown as Record<string, unknown>;
  const Memory = WebAssembly.Memory;
  W['Memory'] = new Proxy(Memory, {
    construct(target, args: [WebAssembly.MemoryDescriptor]) {
      const m = Reflect.construct(target, args) as WebAssembly.Memory;
      memories.add(m);
      return m;
    },
  });
  const grab = (x: unknown): void => {
    const inst = (x as { instance?: WebAssembly.Instance })?.instance ?? (x as WebAssembly.Instance);
    const exp = (inst as { exports?: Record<string, unknown> })?.exports;
    if (exp) for (const v of Object.values(exp)) if (v instanceof Memory) memories.add(v);
  };
  for (const name of ['instantiate', 'instantiateStreaming'] as const) {
    const orig = WebAssembly[name] as (...a: unknown[]) => Promise<unknown>;
    W[name] = (...a: unknown[]) => orig.apply(WebAssembly, a).then((r) => (grab(r), r));
  }
}
const wasmBytes = (): number => [...memories].reduce((s, m) => s + m.buffer.byteLength, 0);

function post(msg: FromWorker): void {
  (self as unknown as Worker).postMessage(msg);
}
const log = (line: string): void => post({ type: 'log', line });

let markResolve: (() => void) | undefined;
const mark = (phase: string): Promise<void> =>
  new Promise((resolve) => {
    markResolve = resolve;
    post({ type: 'mark', phase });
  });

let ortModule: OrtWeb | undefined;
let threads = 1;
async function getOrt(): Promise<OrtWeb> {
  if (!ortModule) {
    watchWasmMemory();
    ortModule = await import('onnxruntime-web/webgpu');
    threads = configureWasm(ortModule.env);
  }
  return ortModule;
}

const providers = (b: Backend): string[] => (b === 'webgpu' ? ['webgpu'] : ['wasm']);
// As in the studio's worker: its session options per backend, fp16 when the adapter has
// shader-f16, constant inputs on the GPU. --session-options override these (shared/instrument.ts).
const engineOptions = (ort: Ort, b: Backend, fp16: boolean): EngineOptions => ({
  ort,
  ...sessionRuntime(b),
  ...(fp16 ? { preferFp16: true } : {}),
  ...(b === 'webgpu' ? { placeConstants: gpuConstantPlacer(ort) } : {}),
});

async function adapterInfo(): Promise<Record<string, unknown> | undefined> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { error: 'navigator.gpu is missing' };
  const a = (await gpu.requestAdapter()) as { info?: Record<string, unknown>; features?: Iterable<string>; isFallbackAdapter?: boolean; limits?: Record<string, number> } | null;
  if (!a) return { error: 'no adapter' };
  const info = a.info ?? {};
  return {
    vendor: info['vendor'],
    architecture: info['architecture'],
    device: info['device'],
    description: info['description'],
    isFallbackAdapter: a.isFallbackAdapter ?? info['isFallbackAdapter'],
    features: a.features ? [...a.features].sort() : [],
    maxBufferSize: a.limits?.['maxBufferSize'],
    maxStorageBufferBindingSize: a.limits?.['maxStorageBufferBindingSize'],
  };
}

/**
 * Bench-only WebGPU experiment: the cost of reading the full logits back per forward pass,
 * comparing the engine's session (outputs to the CPU) with a second session of the same graph
 * whose outputs stay on the GPU.
 */
/** A CPU tensor of `t`'s type and shape: zeros, or ones for integer inputs (masks must keep a token). */
function standIn(ort: OrtWeb, t: import('onnxruntime-common').Tensor): InstanceType<OrtWeb['Tensor']> {
  const n = t.dims.reduce((a, d) => a * d, 1);
  switch (t.type) {
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(n).fill(1n), t.dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(n).fill(1), t.dims);
    default:
      return new ort.Tensor('float32', new Float32Array(n), t.dims);
  }
}

async function readbackExperiment(ort: OrtWeb, inst: Instrumented, pkgUrl: string, manifest: import('../../../src/engine').Manifest, fp16: boolean): Promise<ReadbackExperiment[]> {
  const out: ReadbackExperiment[] = [];
  const source = createUrlSource(pkgUrl);
  const K = manifest.vqgan.codebookSize;
  const b = manifest.stages.base;
  const stages: Array<['base' | 'superRes', string, number]> = [['base', fp16 && b.onnxFp16 ? b.onnxFp16 : b.onnx, b.grid[0] * b.grid[1]]];
  const sr = manifest.stages.superRes;
  if (sr) stages.push(['superRes', sr.onnx, sr.grid[0] * sr.grid[1]]);
  for (const [stage, file, N] of stages) {
    const engineSession = inst.sessions[stage];
    // The feeds of the engine's last pass of this stage (the conditioning is whatever the package takes).
    const last = inst.lastFeeds[stage];
    if (!engineSession || !last) continue;
    const B = last['tokens'].dims[0] as number;
    // The engine's constant feeds were GPU buffers freed when its stage ended: stand in tensors
    // of the same shapes (values do not change the timing) and place them as the studio does.
    const constants = await gpuConstantPlacer(ort as unknown as Ort)(
      Object.fromEntries(Object.entries(last).filter(([name]) => name !== 'tokens').map(([name, t]) => [name, standIn(ort, t)])),
    );
    const feeds = (): Record<string, InstanceType<OrtWeb['Tensor']>> =>
      ({ tokens: last['tokens'], ...constants.feeds }) as Record<string, InstanceType<OrtWeb['Tensor']>>;
    const reps = 3;
    const cpu: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const t = performance.now();
      await engineSession.run(feeds());
      if (i > 0) cpu.push(performance.now() - t);
    }
    let gpuSession: Awaited<ReturnType<OrtWeb['InferenceSession']['create']>> | undefined;
    try {
      gpuSession = await ort.InferenceSession.create(await source.read(file), {
        executionProviders: ['webgpu'],
        graphOptimizationLevel: 'all',
        preferredOutputLocation: 'gpu-buffer',
      });
      const device = (await Promise.resolve(ort.env.webgpu.device)) as unknown as { queue: { onSubmittedWorkDone(): Promise<void> } } | undefined;
      const gpu: number[] = [];
      const read: number[] = [];
      for (let i = 0; i < reps + 1; i++) {
        const t0 = performance.now();
        const r = await gpuSession.run(feeds());
        await device?.queue.onSubmittedWorkDone();
        const t1 = performance.now();
        await r['logits'].getData(true);
        const t2 = performance.now();
        if (i > 0) {
          gpu.push(t1 - t0);
          read.push(t2 - t1);
        }
      }
      out.push({
        stage,
        batch: B,
        logitsBytes: B * N * K * 4,
        runCpuOutput: median(cpu),
        runGpuOutput: median(gpu),
        runGpuThenRead: median(gpu) + median(read),
        ...(device ? {} : { note: 'no GPUDevice exposed by ORT: GPU-output time may not include the GPU work' }),
      });
    } catch (e) {
      out.push({ stage, batch: B, logitsBytes: B * N * K * 4, runCpuOutput: median(cpu), runGpuOutput: NaN, runGpuThenRead: NaN, note: `gpu-buffer outputs failed: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      await gpuSession?.release();
      constants.release();
    }
  }
  return out;
}

async function run(backend: Backend, pkgUrl: string, cfg: RunnerConfig, againstUrl?: string): Promise<BackendResult> {
  const began = performance.now();
  const yieldMs = await measureYield();
  const ort = await getOrt();
  const adapter = backend === 'webgpu' ? await adapterInfo() : undefined;
  const extra = cfg.sessionOptions;
  const instrument = (): Instrumented => instrumentOrt(ort as unknown as Ort, extra ? { sessionOptions: () => ({ ...extra }) } : {});
  const inst = instrument();
  const source = createUrlSource(pkgUrl);
  // As the studio's worker: the fp16 base transformer when the adapter has shader-f16.
  const fp16 = backend === 'webgpu' && Array.isArray(adapter?.['features']) && (adapter['features'] as string[]).includes('shader-f16');
  const result = await runAll(
    {
      inst,
      load: () => loadModel(source, engineOptions(inst.ort, backend, fp16)),
      ...(againstUrl
        ? {
            loadAgainst: async () => {
              const own = instrument();
              return { model: await loadModel(createUrlSource(againstUrl), engineOptions(own.ort, backend, fp16)), inst: own };
            },
          }
        : {}),
      sampleMemory: () => {},
      mark,
      log,
    },
    { ...cfg, baseline: cfg.baseline && backend === 'wasm' },
  );
  let readback: ReadbackExperiment[] | undefined;
  // Two sessions × 4 passes per stage; skipped when that would not fit the budget.
  const passMs = median(result.jobs.flatMap((j) => [...j.baseIterations, ...j.superResIterations].map((x) => x.forward))) || 0;
  const readbackEstimate = 2 * 4 * 2 * passMs;
  const fits = cfg.budgetMs <= 0 || performance.now() - began + readbackEstimate < cfg.budgetMs;
  if (backend === 'webgpu' && cfg.readback && !fits) result.notes.push(`readback experiment skipped: about ${(readbackEstimate / 1000).toFixed(0)} s, over the budget`);
  if (backend === 'webgpu' && cfg.readback && fits) {
    try {
      readback = await readbackExperiment(ort, inst, pkgUrl, result.model.manifest, fp16);
      for (const r of readback) log(`readback ${r.stage}: cpu-output run ${r.runCpuOutput.toFixed(1)} ms, gpu-output run ${r.runGpuOutput.toFixed(1)} ms, + read ${(r.runGpuThenRead - r.runGpuOutput).toFixed(1)} ms`);
    } catch (e) {
      result.errors.push(`readback experiment: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  await result.model.release();
  const notes: string[] = [];
  const memory: MemoryReport = {
    wasmMemory: wasmBytes(),
    wasmMemoryShared: [...memories].some((m) => typeof SharedArrayBuffer !== 'undefined' && m.buffer instanceof SharedArrayBuffer),
    notes,
  };
  if (memories.size === 0) notes.push('no WebAssembly.Memory was seen: WASM memory unavailable.');
  return backendResult(
    backend,
    {
      runtime: `onnxruntime-web ${ort.env.versions?.web ?? ''} (/webgpu entry)`,
      executionProviders: providers(backend),
      threads,
      crossOriginIsolated: (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
      ...(adapter ? { adapter, preferFp16: fp16 } : {}),
      yieldMs,
    },
    result,
    memory,
    readback ? { readback } : {},
  );
}

async function loadOnce(backend: Backend, pkgUrl: string): Promise<number> {
  const ort = await getOrt();
  const t = performance.now();
  const fp16 = backend === 'webgpu' && ((await adapterInfo())?.['features'] as string[] | undefined)?.includes('shader-f16') === true;
  const model = await loadModel(createUrlSource(pkgUrl), engineOptions(ort as unknown as Ort, backend, fp16));
  const ms = performance.now() - t;
  await model.release();
  return ms;
}

/**
 * One cached visit, as the studio's worker starts (src/worker/worker.ts): a fresh worker, the
 * studio's ModelHost and WorkerJobs loading the package with the Cache Storage atlas cache, then
 * a generation sent the moment the model is ready, as a user who clicks Generate at "Ready" would
 * ('afterWarmUp': once the warm-up after the load ended), and a second one for comparison.
 * `sessionOptions` (the bench's --session-options) are merged into every session's options.
 */
async function visit(backend: Backend, pkgUrl: string, path: StartPath, sessionOptions?: Record<string, unknown>): Promise<CachedVisit> {
  const t0 = performance.now();
  const parts: Record<string, number> = {};
  const subtle = crypto.subtle as unknown as { digest: (...a: unknown[]) => Promise<ArrayBuffer> };
  const digest = subtle.digest.bind(crypto.subtle);
  let hashing = 0;
  subtle.digest = async (...a: unknown[]) => {
    const t = performance.now();
    try {
      return await digest(...a);
    } finally {
      hashing += performance.now() - t;
    }
  };
  // As the studio does, the build a backend needs is imported when the load starts (src/worker/runtime.ts).
  const created: Instrumented[] = [];
  const runtimes = ortRuntimes((env) => void configureWasm(env));
  const ortFor: OrtFor = async (kind) => {
    const t = performance.now();
    const inst = instrumentOrt((await runtimes(kind)) as unknown as Ort, sessionOptions ? { sessionOptions: () => ({ ...sessionOptions }) } : {});
    created.push(inst);
    parts['ORT import'] = performance.now() - t;
    return inst.ort as unknown as OrtWeb;
  };
  // The studio worker's own parts (src/worker/worker.ts): its queue, ModelHost and WorkerJobs,
  // with the events answered here instead of posted to the page.
  const atlasCache = cacheStorageAtlasCache();
  const queue = new JobQueue();
  const waiting = new Map<string, (e: WorkerEvent) => void>();
  const post = (e: WorkerEvent): void => {
    if ('jobId' in e && ['loaded', 'result', 'error', 'cancelled'].includes(e.type)) waiting.get(e.jobId)?.(e);
  };
  const host = new ModelHost({
    ort: ortFor,
    jobs: queue,
    post,
    baseUrl: self.location.href,
    wasmThreads: wasmThreadCount(),
    ...(atlasCache ? { atlasCache } : {}),
  });
  host.preference = backend;
  const jobs = new WorkerJobs(queue, host, post);
  /** Sends a request and resolves with its job's end; anything but `want` rejects. */
  const ask = (jobId: string, want: WorkerEvent['type'], send: () => void): Promise<void> =>
    new Promise((resolve, reject) => {
      waiting.set(jobId, (e) => (e.type === want ? resolve() : reject(new Error(`${jobId}: ${e.type} ${JSON.stringify((e as { message?: string }).message ?? '')}`))));
      send();
    });
  await ask('load', 'loaded', () => jobs.load('load', pkgUrl));
  const ready = performance.now() - t0;
  parts['sha256'] = hashing;
  // The first session creation also starts ORT itself (its WASM module and threads).
  const creates = created.flatMap((inst) => inst.creates);
  creates.forEach((c, i) => (parts[`session ${c.graph}${i === 0 ? ' (with ORT start)' : ''}`] = c.ms));
  // What the sessions leave: before the first (reading the text encoder's files), between them
  // (waiting for a graph's bytes) and after the last (the remaining files, the model's set-up).
  const first = creates[0];
  const last = creates.at(-1);
  if (first && last) {
    parts['before the first session'] = first.at - t0;
    parts['between sessions'] = last.at + last.ms - first.at - creates.reduce((s, c) => s + c.ms, 0);
    parts['after the last session'] = t0 + ready - (last.at + last.ms);
  }
  const model = host.current!.model;
  if (path === 'afterWarmUp') {
    const t = performance.now();
    while (!queue.idle) await new Promise((resolve) => setTimeout(resolve, 10));
    parts['warm-up after Ready'] = performance.now() - t;
  }
  const image = async (jobId: string, prompt: string): Promise<{ ms: number; parts: Record<string, number> }> => {
    // A Generate pressed at "Ready" reaches the worker after the page's round trip: a task later.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t = performance.now();
    await ask(jobId, 'result', () => jobs.generate({ type: 'generate', jobId, request: { prompt, seed: 1234 } }));
    const end = performance.now();
    return { ms: end - t, parts: imageParts(created.flatMap((inst) => inst.records).filter((r) => r.start >= t && r.end <= end), t, end) };
  };
  const img1 = await image('first', 'a red boat by the sea at sunset');
  const img2 = await image('next', 'a blue house in the mountains at night');
  await model.release();
  return { path, ready, firstImage: img1.ms, secondImage: img2.ms, parts, imageParts: { first: img1.parts, next: img2.parts } };
}

/**
 * Where an image's time went: the wait before its first session run (the queue, the prompt's
 * tokens), each graph's runs (summed, and the first alone: what a first run pays for) and the
 * rest, the engine's JS between runs (sampling, previews, yields).
 */
function imageParts(records: RunRecord[], t0: number, end: number): Record<string, number> {
  const parts: Record<string, number> = {};
  if (records.length > 0) parts['before the first run'] = records[0]!.start - t0;
  let inRuns = 0;
  for (const r of records) {
    const ms = r.end - r.start;
    inRuns += ms;
    parts[`${r.graph} runs`] = (parts[`${r.graph} runs`] ?? 0) + ms;
    if (parts[`${r.graph} first run`] === undefined) parts[`${r.graph} first run`] = ms;
  }
  parts['outside runs'] = end - t0 - inRuns;
  return parts;
}

async function onMessage(ev: MessageEvent<ToWorker>): Promise<void> {
  const msg = ev.data;
  try {
    if (msg.type === 'markDone') {
      markResolve?.();
      markResolve = undefined;
    } else if (msg.type === 'run') {
      post({ type: 'result', result: await run(msg.backend, msg.pkgUrl, msg.cfg, msg.againstUrl) });
    } else if (msg.type === 'load') {
      post({ type: 'loaded', ms: await loadOnce(msg.backend, msg.pkgUrl) });
    } else if (msg.type === 'visit') {
      post({ type: 'visited', visit: await visit(msg.backend, msg.pkgUrl, msg.path, msg.sessionOptions) });
    }
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

// ORT's WASM threads may be started as workers of a chunk of this build; only the bench worker listens.
const isOrtThread = (self as unknown as { name?: string }).name?.startsWith('em-pthread') === true;
if (!isOrtThread) self.addEventListener('message', (ev) => void onMessage(ev as MessageEvent<ToWorker>));
