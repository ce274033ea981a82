import { PackageError, describeError } from '../errors';
import type { Ort, OrtSession, OrtSessionOptions, OrtTensor, SessionRuntime } from '../ort';
import type { DimSpec, GraphSpec, TensorSpec } from './graphs';

type ValueMetadata = OrtSession['inputMetadata'][number];

const showDims = (dims: ReadonlyArray<DimSpec | string | number>): string =>
  `[${dims.map((d) => (d === 'any' ? '?' : String(d))).join(', ')}]`;

/** A graph's external-data file: `path` is the name the graph refers to it by (its file name). */
export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

/**
 * Creates an InferenceSession from the bytes of `file` (and its external-data file, when its
 * weights live in one), or from a local path to it (onnxruntime-node; the runtime then reads
 * external data from beside it). Bytes that are not a loadable ONNX model (corrupt, truncated, missing
 * external data, unsupported operator) become a PackageError naming the file. `runtime` gives the
 * execution providers and the graph optimisation level ('all' unless it says otherwise).
 */
export async function createSession(ort: Ort, bytes: Uint8Array | string, file: string, runtime: SessionRuntime, externalData?: ExternalDataFile[]): Promise<OrtSession> {
  // ORT writes its warnings (e.g. "some nodes were not assigned to the preferred execution
  // providers" on WebGPU) to stderr, which the browser build prints with console.error: errors
  // where nothing failed. Sessions log errors only; a failure reaches the caller as an exception.
  const options: OrtSessionOptions = {
    executionProviders: runtime.executionProviders,
    graphOptimizationLevel: runtime.graphOptimizationLevel ?? 'all',
    logSeverityLevel: 3,
  };
  if (externalData && externalData.length > 0) options.externalData = externalData;
  try {
    // The same call twice: `create` is overloaded per argument type, and TypeScript resolves an
    // overload for a string or for bytes, not for their union.
    return typeof bytes === 'string' ? await ort.InferenceSession.create(bytes, options) : await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw new PackageError(`could not be loaded as an ONNX model (${describeError(err)})`, file);
  }
}

/** Problem with one value against its spec, or null. Dims with symbolic or unknown size pass. */
function valueProblem(kind: 'input' | 'output', meta: ValueMetadata, spec: TensorSpec): string | null {
  if (!meta.isTensor) return `${kind} ${spec.name} must be a tensor`;
  if (meta.type !== spec.type) return `${kind} ${spec.name} must be ${spec.type}, found ${meta.type}`;
  // An empty shape means "not recorded in the graph" (the runtime says so); nothing to check then.
  if (meta.shape.length === 0) return null;
  const want = `${kind} ${spec.name} must have shape ${showDims(spec.dims)}, found ${showDims(meta.shape)}`;
  if (meta.shape.length !== spec.dims.length) return want;
  for (let i = 0; i < spec.dims.length; i++) {
    const d = spec.dims[i];
    const found = meta.shape[i];
    const fixed = typeof found === 'number' && found >= 0;
    if (typeof d === 'number' && fixed && found !== d) return want;
    if (d === 'batch' && fixed) return `${want} (the batch dimension must be dynamic)`;
  }
  return null;
}

function checkValues(kind: 'input' | 'output', names: readonly string[], metas: readonly ValueMetadata[] | undefined, specs: TensorSpec[], file: string): void {
  const expected = specs.map((s) => s.name);
  const sameSet = names.length === expected.length && expected.every((n) => names.includes(n));
  if (!sameSet) throw new PackageError(`expected ${kind}s [${expected.join(', ')}], found [${names.join(', ')}]`, file);
  if (!metas) return; // a runtime without metadata: names are all we can check before running
  for (const spec of specs) {
    const meta = metas.find((m) => m.name === spec.name);
    if (!meta) continue;
    const problem = valueProblem(kind, meta, spec);
    if (problem) throw new PackageError(problem, file);
  }
}

/**
 * Checks that a session's graph has exactly the documented inputs and outputs: names, element
 * types, ranks and every fixed dimension. Throws a PackageError naming `file`.
 */
export function checkGraph(session: OrtSession, spec: GraphSpec, file: string): void {
  checkValues('input', session.inputNames, session.inputMetadata, spec.inputs, file);
  checkValues('output', session.outputNames, session.outputMetadata, spec.outputs, file);
}

/** The fixed size of input `name`'s dimension `axis`, or null when it is dynamic or unknown. */
export function fixedDim(session: OrtSession, name: string, axis: number): number | null {
  const meta = session.inputMetadata?.find((m) => m.name === name);
  if (!meta || !meta.isTensor) return null;
  const d = meta.shape[axis];
  return typeof d === 'number' && d >= 0 ? d : null;
}

/**
 * Guards a run result: a graph whose metadata was dynamic may still return the wrong shape, and
 * reading it blindly would give garbage pixels instead of an error.
 */
export function expectOutput(outputs: Record<string, unknown>, name: string, type: 'float32' | 'int64', dims: number[], file: string): OrtTensor {
  const t = outputs[name] as OrtTensor | undefined;
  if (!t || typeof t !== 'object' || !('dims' in t)) throw new PackageError(`produced no output ${name}`, file);
  if (t.type !== type) throw new PackageError(`output ${name} is ${t.type}, expected ${type}`, file);
  const ok = t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i]);
  if (!ok) throw new PackageError(`output ${name} has shape ${showDims(t.dims)}, expected ${showDims(dims)}`, file);
  return t;
}
