/** fp16 constants of the fp16-compute graphs: float16Bits against numpy's float32 → float16 cast. */
import { describe, expect, it } from 'vitest';
import { float16Bits } from '../../../../src/engine/diffusers/onnx/proto';

describe('float16Bits', () => {
  it('rounds to nearest even, to subnormals, zero and Infinity as numpy does', () => {
    // [value, numpy.float32(value).astype(numpy.float16) bits]
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555], [65504, 0x7bff], [65519, 0x7bff],
      [65520, 0x7c00], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1e-6, 0x0011], [5.96e-8, 0x0001],
      [3e-8, 0x0001], [2.9e-8, 0x0000], [2049, 0x6800], [2051, 0x6802], [0, 0], [1 / Math.sqrt(64), 0x3000],
    ];
    for (const [v, bits] of cases) expect([v, float16Bits(v).toString(16)]).toEqual([v, bits.toString(16)]);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
  });
});
