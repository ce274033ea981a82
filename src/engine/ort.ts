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
