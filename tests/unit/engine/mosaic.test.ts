/** Mosaic previews: the atlas holds each code's decoded patch; a mosaic places them by token. */
import { describe, expect, it } from 'vitest';
import { buildAtlas, cachedAtlas, mosaic, type AtlasCache, type TokenAtlas } from '../../../src/engine/pipeline/mosaic';
import type { VqDecoder } from '../../../src/engine/pipeline/vq';
import type { Ort, OrtSession } from '../../../src/engine/ort';

class Tensor {
  constructor(
    readonly type: string,
    readonly data: BigInt64Array | Float32Array,
    readonly dims: readonly number[],
  ) {}
}

/** A 2×2-patch atlas of 3 codes: code c's pixel (x, y) has red 10c + 2y + x, green c, blue 200. */
function atlas(): TokenAtlas {
  const rgba = new Uint8ClampedArray(3 * 2 * 2 * 4);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++) rgba.set([10 * c + 2 * y + x, c, 200, 255], (c * 4 + y * 2 + x) * 4);
  return { patch: 2, codes: 3, rgba };
}

const red = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) => img.data[(y * img.width + x) * 4];

describe('mosaic', () => {
  it("puts each token's patch at its place in the grid", () => {
    const img = mosaic(atlas(), Int32Array.from([2, 0, 1]), [1, 3]);
    expect([img.width, img.height]).toEqual([6, 2]);
    // Row 0 then row 1 of the image: patches of codes 2, 0, 1 side by side.
    expect([0, 1, 2, 3, 4, 5].map((x) => red(img, x, 0))).toEqual([20, 21, 0, 1, 10, 11]);
    expect([0, 1, 2, 3, 4, 5].map((x) => red(img, x, 1))).toEqual([22, 23, 2, 3, 12, 13]);
    expect(Array.from(img.data.slice(0, 4))).toEqual([20, 2, 200, 255]);
  });

  it('lays out rows: a 2×2 grid', () => {
    const img = mosaic(atlas(), Int32Array.from([0, 1, 2, 0]), [2, 2]);
    expect([0, 1, 2, 3].map((y) => red(img, 0, y))).toEqual([0, 2, 20, 22]);
    expect([0, 1, 2, 3].map((y) => red(img, 3, y))).toEqual([11, 13, 1, 3]);
  });

  it('shows an id outside the codebook as opaque black, and refuses a grid of the wrong size', () => {
    const img = mosaic(atlas(), Int32Array.from([3]), [1, 1]);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    expect(() => mosaic(atlas(), Int32Array.from([0, 1]), [1, 1])).toThrow(/2 tokens for a 1×1 grid/);
  });
});

describe('buildAtlas', () => {
  it("decodes every code as a 3×3 grid of itself, in chunks, and keeps the centre patch", async () => {
    const batches: number[][] = [];
    const session = {
      run: async (f: { tokens: Tensor }) => {
        const all = Array.from(f.tokens.data as BigInt64Array, Number);
        const ids = all.filter((_, i) => i % 9 === 0);
        batches.push(ids);
        expect(f.tokens.dims).toEqual([ids.length, 3, 3]);
        expect(all).toEqual(ids.flatMap((c) => Array<number>(9).fill(c)));
        // 6×6 px per grid (f = 2): the centre 2×2 holds the code scaled into [-1, 1], the rim -1.
        const px = new Float32Array(ids.length * 3 * 36).fill(-1);
        ids.forEach((c, b) => {
          for (let ch = 0; ch < 3; ch++) for (const y of [2, 3]) for (const x of [2, 3]) px[b * 108 + ch * 36 + y * 6 + x] = (c / 299) * 2 - 1;
        });
        return { pixels: new Tensor('float32', px, [ids.length, 3, 6, 6]) };
      },
    } as unknown as OrtSession;
    const vq: VqDecoder = { ort: { Tensor } as unknown as Ort, session, file: 'vqgan/decoder.onnx', downsample: 2, pixelRange: [-1, 1] };
    const a = await buildAtlas(vq, 300);
    expect(batches.map((b) => b.length)).toEqual([64, 64, 64, 64, 44]);
    expect(batches.flat()).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(a.rgba.length).toBe(300 * 2 * 2 * 4);
    // Code 299's centre decodes to +1 → 255 on all four pixels (none of the rim's 0s).
    expect(Array.from(a.rgba.slice(299 * 16, 300 * 16))).toEqual(Array<number[]>(4).fill([255, 255, 255, 255]).flat());
    expect(Array.from(a.rgba.slice(0, 4))).toEqual([0, 0, 0, 255]);
  });
});

describe('cachedAtlas', () => {
  /** A decoder that counts its runs and decodes every pixel to mid-grey. */
  function countingVq() {
    const calls = { runs: 0 };
    const session = {
      run: async (f: { tokens: Tensor }) => {
        calls.runs++;
        const [B, r, c] = f.tokens.dims;
        return { pixels: new Tensor('float32', new Float32Array(B * 3 * r * 2 * c * 2), [B, 3, r * 2, c * 2]) };
      },
    } as unknown as OrtSession;
    const vq: VqDecoder = { ort: { Tensor } as unknown as Ort, session, file: 'vqgan/decoder.onnx', downsample: 2, pixelRange: [-1, 1] };
    return { vq, calls };
  }
  function memoryCache(): AtlasCache & { store: Map<string, Uint8Array> } {
    const store = new Map<string, Uint8Array>();
    return { store, get: async (k) => store.get(k), put: async (k, b) => void store.set(k, b.slice()) };
  }

  it('builds once, stores it, and the next load reads it without running the decoder', async () => {
    const cache = memoryCache();
    const first = countingVq();
    const a = await cachedAtlas(first.vq, 10, cache, 'k');
    expect(first.calls.runs).toBe(1);
    expect(cache.store.get('k')?.byteLength).toBe(10 * 2 * 2 * 4);
    const second = countingVq();
    const b = await cachedAtlas(second.vq, 10, cache, 'k');
    expect(second.calls.runs).toBe(0);
    expect(Array.from(b.rgba)).toEqual(Array.from(a.rgba));
  });

  it('rebuilds when the stored bytes have the wrong size or the cache fails', async () => {
    const cache = memoryCache();
    cache.store.set('k', new Uint8Array(7));
    const v = countingVq();
    expect((await cachedAtlas(v.vq, 10, cache, 'k')).rgba.byteLength).toBe(160);
    expect(v.calls.runs).toBe(1);
    const broken: AtlasCache = { get: () => Promise.reject(new Error('quota')), put: () => Promise.reject(new Error('quota')) };
    const w = countingVq();
    expect((await cachedAtlas(w.vq, 10, broken, 'k')).codes).toBe(10);
    expect(w.calls.runs).toBe(1);
  });
});
