/**
 * The baseline that parallel decoding replaces: the same weights decoding ONE token per forward
 * pass, in raster order (Parti-style order, but without a KV cache: these transformers are
 * bidirectional, so every pass is a full forward over the whole grid, exactly like one
 * parallel-decoding iteration). N passes for N tokens, with classifier-free guidance (cond and
 * uncond rows in one batch, as the engine does), for the base stage and for the super-res stage,
 * then one VQ decode, at the model's own image size.
 *
 * It calls the very sessions the loaded model uses (captured by the instrumented ORT module) and
 * borrows each transformer's conditioning feeds (text states and mask, or CLIP's pooled text and
 * micro-conditioning) from one short generate() call, so it needs no engine internals and follows
 * whatever conditioning the package has. Sampling: the guided logits of the one position being
 * decoded, tempered, drawn by inverse CDF from a seeded generator. No event-loop yield between
 * passes (that favours the baseline, so the speed-up is if anything understated).
 */
import type { LoadedModel, Manifest, StageSettings } from '../../../src/engine';
import { createRng, guidanceScaleAt, type Rng } from '../../../src/engine/sampler';
import type { Instrumented } from './instrument';
import { median } from './stats';
import type { BaselineMetrics } from './types';

type OrtTensor = import('onnxruntime-common').Tensor;
type OrtSession = import('onnxruntime-common').InferenceSession;
type Feeds = Record<string, OrtTensor>;

/** The first `rows` batch rows of a CPU tensor, as a new tensor. */
function firstRows(ort: Instrumented['ort'], t: OrtTensor, rows: number): OrtTensor {
  const dims = t.dims as number[];
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const data = (t.data as Float32Array | BigInt64Array).slice(0, rows * per);
  return new ort.Tensor(t.type as 'float32', data as Float32Array, [rows, ...dims.slice(1)]);
}

/**
 * Encodes `prompt` through the engine (one short generate with guidance ≠ 1 on both stages, so
 * the batches hold a conditional and an unconditional row) and keeps each transformer's
 * conditioning feeds: everything but `tokens` and `low_res_tokens`.
 */
async function borrowConditioning(model: LoadedModel, inst: Instrumented, prompt: string, seed: number): Promise<{ base: Feeds; superRes: Feeds; textMs: number }> {
  const captured: Partial<Record<'base' | 'superRes', Feeds>> = {};
  inst.onFeeds = (graph, f) => {
    if ((graph === 'base' || graph === 'superRes') && !captured[graph]) {
      const keep: Feeds = {};
      for (const [name, t] of Object.entries(f)) if (name !== 'tokens' && name !== 'low_res_tokens') keep[name] = firstRows(inst.ort, t, (t.dims[0] as number) >= 2 ? 2 : 1);
      captured[graph] = keep;
    }
  };
  try {
    const r = await model.generate(
      { prompt, seed, base: { steps: 1, guidance: 2, guidanceRamp: 'none' }, superRes: { steps: 1, guidance: 2, guidanceRamp: 'none' } },
      { previews: false },
    );
    if (!captured.base) throw new Error('baseline: could not capture the conditioning feeds of the base transformer');
    return { base: captured.base, superRes: captured.superRes ?? {}, textMs: r.timings['text'] ?? 0 };
  } finally {
    inst.onFeeds = undefined;
  }
}

/** Draws one token from softmax(l / temperature), l = u + w·(c − u), by inverse CDF. */
function sampleGuided(cond: Float32Array, uncond: Float32Array | null, w: number, temperature: number, rng: Rng, scratch: Float64Array): number {
  const K = cond.length;
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    const l = uncond ? uncond[k] + w * (cond[k] - uncond[k]) : cond[k];
    scratch[k] = l;
    if (l > max) max = l;
  }
  let total = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp((scratch[k] - max) / temperature);
    scratch[k] = e;
    total += e;
  }
  const target = rng.nextFloat() * total;
  let running = 0;
  for (let k = 0; k < K; k++) {
    running += scratch[k];
    if (target < running) return k;
  }
  return K - 1;
}

interface StageLoop {
  session: OrtSession;
  ort: Instrumented['ort'];
  N: number;
  K: number;
  maskTokenId: number;
  settings: StageSettings;
  /** Conditioning feeds with 2 rows (cond, uncond). */
  conditioning: Feeds;
  lowRes?: Int32Array;
  rng: Rng;
  maxPasses: number;
}

async function decodeOneByOne(s: StageLoop): Promise<{ tokens: Int32Array; ms: number; passes: number[]; run: number }> {
  const { session, ort, N, K, settings } = s;
  const guided = settings.guidance !== 1;
  const B = guided ? 2 : 1;
  const tokens = new Int32Array(N).fill(s.maskTokenId);
  const extra: Feeds = {};
  for (const [name, t] of Object.entries(s.conditioning)) extra[name] = firstRows(ort, t, B);
  if (s.lowRes) {
    const lr = new BigInt64Array(B * s.lowRes.length);
    for (let b = 0; b < B; b++) for (let j = 0; j < s.lowRes.length; j++) lr[b * s.lowRes.length + j] = BigInt(s.lowRes[j]);
    extra['low_res_tokens'] = new ort.Tensor('int64', lr, [B, s.lowRes.length]);
  }
  const scratch = new Float64Array(K);
  const passes: number[] = [];
  const run = s.maxPasses > 0 ? Math.min(N, s.maxPasses) : N;
  const t0 = performance.now();
  for (let j = 0; j < run; j++) {
    const ids = new BigInt64Array(B * N);
    for (let b = 0; b < B; b++) for (let i = 0; i < N; i++) ids[b * N + i] = BigInt(tokens[i]);
    const p0 = performance.now();
    const out = await session.run({ tokens: new ort.Tensor('int64', ids, [B, N]), ...extra });
    passes.push(performance.now() - p0);
    const logits = out['logits'].data as Float32Array;
    const w = guidanceScaleAt(j, N, settings.guidance, settings.guidanceRamp);
    const cond = logits.subarray(j * K, (j + 1) * K);
    const uncond = guided ? logits.subarray((N + j) * K, (N + j + 1) * K) : null;
    tokens[j] = sampleGuided(cond, uncond, w, settings.temperature, s.rng, scratch);
  }
  const ms = performance.now() - t0;
  // A capped run stands for the whole decode: fill the rest with something valid and scale the time.
  for (let j = run; j < N; j++) tokens[j] = 0;
  return { tokens, ms: run < N ? (ms * N) / run : ms, passes, run };
}

/** One image decoded one token per forward pass; returns its timings. */
export async function runBaseline(model: LoadedModel, inst: Instrumented, manifest: Manifest, prompt: string, seed: number, maxPasses = 0): Promise<BaselineMetrics> {
  const { base: bSession, superRes: srSession, vqDecoder } = inst.sessions;
  if (!bSession || !vqDecoder) throw new Error('baseline: the instrumented module saw no base or VQ-decoder session');
  const cond = await borrowConditioning(model, inst, prompt, seed);
  const K = manifest.vqgan.codebookSize;
  const rng = createRng(seed);
  const b = manifest.stages.base;
  const baseRun = await decodeOneByOne({
    session: bSession, ort: inst.ort, N: b.grid[0] * b.grid[1], K, maskTokenId: b.maskTokenId, settings: b.defaults, conditioning: cond.base, rng, maxPasses,
  });
  let tokens = baseRun.tokens;
  let grid = b.grid;
  const sr = manifest.stages.superRes;
  let srRun: Awaited<ReturnType<typeof decodeOneByOne>> | undefined;
  if (sr && srSession) {
    srRun = await decodeOneByOne({
      session: srSession, ort: inst.ort, N: sr.grid[0] * sr.grid[1], K, maskTokenId: sr.maskTokenId, settings: sr.defaults, conditioning: cond.superRes,
      lowRes: baseRun.tokens, rng, maxPasses,
    });
    tokens = srRun.tokens;
    grid = sr.grid;
  }
  const ids = new BigInt64Array(tokens.length);
  for (let j = 0; j < tokens.length; j++) ids[j] = BigInt(tokens[j]);
  const d0 = performance.now();
  await vqDecoder.run({ tokens: new inst.ort.Tensor('int64', ids, [1, grid[0], grid[1]]) });
  const decode = performance.now() - d0;
  const basePasses = b.grid[0] * b.grid[1];
  const superResPasses = sr ? sr.grid[0] * sr.grid[1] : 0;
  const extrapolated = baseRun.run < basePasses || (srRun !== undefined && srRun.run < superResPasses);
  return {
    prompt,
    seed,
    text: cond.textMs,
    base: baseRun.ms,
    superRes: srRun?.ms ?? 0,
    decode,
    timeToImage: cond.textMs + baseRun.ms + (srRun?.ms ?? 0) + decode,
    forwardPasses: basePasses + superResPasses,
    basePasses,
    superResPasses,
    basePassMedian: median(baseRun.passes),
    superResPassMedian: srRun ? median(srRun.passes) : 0,
    ...(extrapolated ? { extrapolated: { basePassesRun: baseRun.run, superResPassesRun: srRun?.run ?? 0 } } : {}),
  };
}
