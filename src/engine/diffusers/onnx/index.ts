export { buildClipGraph } from './clip';
export { buildUVitGraph } from './uvit';
export { buildVQDecoderGraph, buildVQEncoderGraph } from './vq';
export { GraphBuilder, OPSET, type Precision } from './builder';
