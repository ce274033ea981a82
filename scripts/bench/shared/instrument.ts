/**
 * Measuring the engine from outside: the engine takes the ONNX Runtime module as a parameter, so
 * the benchmark hands it a thin wrapper whose InferenceSession.create returns the real session
 * with a timed `run`. Nothing in src/engine changes; every session.run lands in `records`.
 */
import type { Ort } from '../../../src/engine';
import type { GraphKind, RunRecord } from './types';

type OrtSession = import('onnxruntime-common').InferenceSession;
type OrtTensor = import('onnxruntime-common').Tensor;
type SessionOptions = import('onnxruntime-common').InferenceSession.SessionOptions;

/**
 * Inputs of a transformer that change every iteration; all the others (text_states, text_mask or
 * pooled_text + micro_conds, low_res_tokens) are the same for every iteration of a stage.
 */
const VARYING_INPUTS = new Set(['tokens']);

/** Recognises a package graph by its documented input/output names (docs/MODEL_PACKAGE.md). */
export function classifySession(s: Pick<OrtSession, 'inputNames' | 'outputNames'>): GraphKind {
  const ins = s.inputNames;
  if (ins.includes('low_res_tokens')) return 'superRes';
  if (ins.includes('text_states')) return 'base';
  if (ins.includes('input_ids')) return 'text';
  if (ins.includes('pixels')) return 'vqEncoder';
  if (s.outputNames.includes('pixels')) return 'vqDecoder';
  return 'other';
}

function cpuBytes(t: unknown): number {
  const tensor = t as Partial<OrtTensor> | undefined;
  if (!tensor || typeof tensor !== 'object') return 0;
  if (tensor.location !== undefined && tensor.location !== 'cpu' && tensor.location !== 'cpu-pinned') return 0;
  try {
    const data = tensor.data as ArrayBufferView | string[] | undefined;
    return data && 'byteLength' in data ? data.byteLength : 0;
  } catch {
    return 0;
  }
}

export interface Instrumented {
  /** Pass this to loadModel instead of the real module. */
  ort: Ort;
  /** Every run of every session created through `ort`, in order. */
  records: RunRecord[];
  /** The most recent session of each kind (the loaded model's, after loadModel). */
  sessions: Partial<Record<GraphKind, OrtSession>>;
  /** Every session created, for endProfiling. */
  all: Array<{ graph: GraphKind; session: OrtSession }>;
  /** The feeds of the most recent run of each graph (the baseline and the readback experiment reuse them). */
  lastFeeds: Partial<Record<GraphKind, Record<string, OrtTensor>>>;
  /** How long each InferenceSession.create took, in order (ms), and when it began (performance.now()). */
  creates: Array<{ graph: GraphKind; ms: number; at: number }>;
  /** Called with the feeds of every run before it starts (the baseline borrows the text feeds). */
  onFeeds?: (graph: GraphKind, feeds: Record<string, OrtTensor>) => void;
}

export interface InstrumentOptions {
  /** Extra session options merged in at creation (e.g. profiling in Node), given the model bytes. */
  sessionOptions?: (bytes: Uint8Array) => Partial<SessionOptions> | Promise<Partial<SessionOptions>>;
}

export function instrumentOrt(real: Ort, opts: InstrumentOptions = {}): Instrumented {
  const inst: Instrumented = { ort: undefined as unknown as Ort, records: [], sessions: {}, all: [], lastFeeds: {}, creates: [] };
  const create = async (...args: unknown[]): Promise<OrtSession> => {
    if (opts.sessionOptions && args[0] instanceof Uint8Array) {
      const extra = await opts.sessionOptions(args[0]);
      const last = args.length - 1;
      if (args.length >= 2 && typeof args[last] === 'object' && args[last] !== null) args[last] = { ...(args[last] as object), ...extra };
      else args.push(extra);
    }
    const began = performance.now();
    const session = await (real.InferenceSession.create as (...a: unknown[]) => Promise<OrtSession>)(...args);
    const graph = classifySession(session);
    inst.creates.push({ graph, ms: performance.now() - began, at: began });
    const run = session.run.bind(session) as (...a: unknown[]) => Promise<Record<string, OrtTensor>>;
    (session as unknown as { run: unknown }).run = async (...a: unknown[]) => {
      const feeds = a[0] as Record<string, OrtTensor>;
      inst.onFeeds?.(graph, feeds);
      inst.lastFeeds[graph] = feeds;
      let inBytes = 0;
      let constInBytes = 0;
      for (const [name, t] of Object.entries(feeds)) {
        const b = cpuBytes(t);
        inBytes += b;
        if (graph !== 'base' && graph !== 'superRes') continue;
        if (!VARYING_INPUTS.has(name)) constInBytes += b;
      }
      const batch = (Object.values(feeds)[0]?.dims?.[0] as number | undefined) ?? 0;
      const start = performance.now();
      const out = await run(...a);
      const end = performance.now();
      let outBytes = 0;
      for (const t of Object.values(out)) outBytes += cpuBytes(t);
      inst.records.push({ graph, start, end, inBytes, constInBytes, outBytes, batch });
      return out;
    };
    inst.sessions[graph] = session;
    inst.all.push({ graph, session });
    return session;
  };
  // A plain copy of the module's exports with only InferenceSession.create replaced.
  const InferenceSession = Object.assign(Object.create(real.InferenceSession as object) as object, { create });
  inst.ort = { ...real, InferenceSession } as unknown as Ort;
  return inst;
}
