/**
 * The ONNX Runtime module as the engine sees it. The engine never imports onnxruntime at run
 * time: the caller passes `onnxruntime-web` (worker) or `onnxruntime-node` (CLI, tests), both of
 * which re-export this common API.
 */
export type Ort = typeof import('onnxruntime-common');
export type OrtSession = import('onnxruntime-common').InferenceSession;
export type OrtTensor = import('onnxruntime-common').Tensor;
export type OrtSessionOptions = import('onnxruntime-common').InferenceSession.SessionOptions;
/** One execution provider as a session takes it: a name, or a name with the provider's options. */
export type ExecutionProvider = NonNullable<OrtSessionOptions['executionProviders']>[number];
/** How much ORT rewrites a graph when it creates a session ('all': every fusion and layout pass). */
export type GraphOptimizationLevel = NonNullable<OrtSessionOptions['graphOptimizationLevel']>;

/** What a session is created with, besides the graph: the engine's one place for these options. */
export interface SessionRuntime {
  /**
   * ORT execution providers in order of preference, e.g. ['webgpu'] or ['wasm'] or ['cpu'], or a
   * provider with its options ({ name: 'webgpu', preferredLayout: 'NCHW' }).
   */
  executionProviders: readonly ExecutionProvider[];
  /**
   * Default 'all'. Graph optimisation runs at every session creation, so it is paid on every
   * visit; the worker lowers it on WASM, where it measured no faster runs (src/worker/backend.ts).
   */
  graphOptimizationLevel?: GraphOptimizationLevel;
}
