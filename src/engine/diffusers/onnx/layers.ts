/**
 * Layers shared by the CLIP, U-ViT and VQ graphs, each written as ONNX ops with the checkpoint's
 * own parameter names (`prefix` + `.weight` / `.bias`). Shapes passed to `g.w` are what the
 * config implies, so a checkpoint that disagrees with its config fails naming the tensor.
 */
import type { GraphBuilder } from './builder';
import { DT } from './proto';

/** y = x·Wᵀ (+ b) over the last axis; W is PyTorch's [out, in]. */
export function linear(g: GraphBuilder, x: string, prefix: string, inDim: number, outDim: number, bias: boolean): string {
  const wt = g.op('Transpose', [g.w(`${prefix}.weight`, [outDim, inDim])], { perm: [1, 0] });
  const y = g.op('MatMul', [x, wt]);
  return bias ? g.op('Add', [y, g.w(`${prefix}.bias`, [outDim])]) : y;
}

/** x / sqrt(mean(x², last axis) + eps) (· weight when affine). */
export function rmsNorm(g: GraphBuilder, x: string, prefix: string, dim: number, eps: number, affine: boolean): string {
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const y = g.op('Div', [x, g.op('Sqrt', [g.op('Add', [ms, g.scalar(eps)])])]);
  return affine ? g.op('Mul', [y, g.w(`${prefix}.weight`, [dim])]) : y;
}

/** LayerNorm over the last axis (weight; bias when the checkpoint has one). */
export function layerNorm(g: GraphBuilder, x: string, prefix: string, dim: number, eps: number, affine: boolean, bias: boolean): string {
  const scale = affine ? g.w(`${prefix}.weight`, [dim]) : g.f32(new Float32Array(dim).fill(1));
  const inputs = bias && affine ? [x, scale, g.w(`${prefix}.bias`, [dim])] : [x, scale];
  return g.op('LayerNormalization', inputs, { axis: -1, epsilon: { float: eps } });
}

/** GroupNorm on [B, C, H, W] with affine weight and bias (eps as diffusers' VQ: 1e-6). */
export function groupNorm(g: GraphBuilder, x: string, prefix: string, channels: number, groups: number, eps: number): string {
  const grouped = g.op('Reshape', [x, g.i64([0, groups, -1])]);
  const normed = g.op('InstanceNormalization', [grouped, g.f32(new Float32Array(groups).fill(1)), g.f32(new Float32Array(groups))], { epsilon: { float: eps } });
  const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
  const w = g.op('Reshape', [g.w(`${prefix}.weight`, [channels]), g.i64([channels, 1, 1])]);
  const b = g.op('Reshape', [g.w(`${prefix}.bias`, [channels]), g.i64([channels, 1, 1])]);
  return g.op('Add', [g.op('Mul', [back, w]), b]);
}

/** Conv2d with PyTorch's weight layout [out, in/groups, k, k]. */
export function conv(
  g: GraphBuilder, x: string, prefix: string, inCh: number, outCh: number, k: number,
  o: { stride?: number; pad?: number; groups?: number; bias: boolean },
): string {
  const groups = o.groups ?? 1;
  const pad = o.pad ?? 0;
  const stride = o.stride ?? 1;
  const inputs = [x, g.w(`${prefix}.weight`, [outCh, inCh / groups, k, k])];
  if (o.bias) inputs.push(g.w(`${prefix}.bias`, [outCh]));
  return g.op('Conv', inputs, { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], group: groups });
}

export const silu = (g: GraphBuilder, x: string): string => g.op('Mul', [x, g.op('Sigmoid', [x])]);

/** GELU with erf (PyTorch's default, approximate="none"). */
export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [erf, g.scalar(1)])]);
}

/** CLIP's quick_gelu: x·σ(1.702x). */
export const quickGelu = (g: GraphBuilder, x: string): string => g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, g.scalar(1.702)])])]);

/** [B, L, heads·d] → [B, heads, L, d] (or [B, heads, d, L] for keys when `keys`). */
function heads(g: GraphBuilder, x: string, n: number, keys = false): string {
  const split = g.op('Reshape', [x, g.i64([0, 0, n, -1])]);
  return g.op('Transpose', [split], { perm: keys ? [0, 2, 3, 1] : [0, 2, 1, 3] });
}

/**
 * softmax(q·kᵀ/√d (+ mask))·v over `n` heads, from already projected q [B, Lq, n·d], k and v
 * [B, Lk, n·d]; returns [B, Lq, n·d]. In an fp16 graph the queries are scaled before the
 * product (smaller scores) and the softmax runs in float32, as the converter's fp16 export does.
 */
export function attend(g: GraphBuilder, q: string, k: string, v: string, n: number, headDim: number, mask?: string): string {
  let s = g.dtype === DT.FLOAT16
    ? g.op('MatMul', [heads(g, g.op('Mul', [q, g.scalar(1 / Math.sqrt(headDim))]), n), heads(g, k, n, true)])
    : g.op('Mul', [g.op('MatMul', [heads(g, q, n), heads(g, k, n, true)]), g.scalar(1 / Math.sqrt(headDim))]);
  if (mask) s = g.op('Add', [s, mask]);
  const o = g.op('MatMul', [g.island([s], ([x]) => g.op('Softmax', [x], { axis: -1 })), heads(g, v, n)]);
  return g.op('Reshape', [g.op('Transpose', [o], { perm: [0, 2, 1, 3] }), g.i64([0, 0, -1])]);
}
