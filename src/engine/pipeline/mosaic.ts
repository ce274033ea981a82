/**
 * Mosaic previews for the super-resolution stage. A super-res preview decoded by the VQ decoder
 * costs as much as the final image (at 256×256 the costliest graph of the job after the
 * transformer), once per iteration. Instead, each code is decoded once to its f×f patch (the
 * atlas: built once per loaded model, or read from an AtlasCache, which the worker keeps in Cache
 * Storage), and a preview is the grid of its tokens' patches: a lookup, not a network. The final
 * image is always a true decode.
 */
import type { RgbaImage } from '../types';
import { decodeTokens, type VqDecoder } from './vq';

/** Every code's f×f RGBA patch, code-major: code c's pixels start at c·f·f·4. */
export interface TokenAtlas {
  patch: number;
  codes: number;
  rgba: Uint8ClampedArray;
}

/** Codes decoded per VQ run while building the atlas: bounds the batch's memory. */
const CHUNK = 64;

/**
 * Decodes each of the `codes` codes as a 3×3 grid of itself and keeps the centre patch. The
 * centre sees its own code on every side, as inside a region of that code; a code decoded alone
 * (1×1) picks up the decoder's zero padding as a dark rim on every patch, a visible tiling.
 */
export async function buildAtlas(vq: VqDecoder, codes: number): Promise<TokenAtlas> {
  const f = vq.downsample;
  const rgba = new Uint8ClampedArray(codes * f * f * 4);
  for (let first = 0; first < codes; first += CHUNK) {
    const grids = Array.from({ length: Math.min(CHUNK, codes - first) }, (_, i) => new Int32Array(9).fill(first + i));
    const decoded = await decodeTokens(vq, grids, [3, 3]);
    decoded.forEach((img, i) => {
      const at = (first + i) * f * f * 4;
      for (let y = 0; y < f; y++) {
        const src = ((f + y) * img.width + f) * 4;
        rgba.set(img.data.subarray(src, src + f * 4), at + y * f * 4);
      }
    });
  }
  return { patch: f, codes, rgba };
}

/** The preview of one token grid [rows, cols]: each token's atlas patch in its place. */
export function mosaic(atlas: TokenAtlas, tokens: Int32Array, grid: [number, number]): RgbaImage {
  const [rows, cols] = grid;
  const f = atlas.patch;
  if (tokens.length !== rows * cols) throw new RangeError(`mosaic: ${tokens.length} tokens for a ${rows}×${cols} grid`);
  const width = cols * f;
  const data = new Uint8ClampedArray(width * rows * f * 4);
  const rowBytes = f * 4;
  // Out-of-range ids (never produced by the sampler) would read another code's patch: show opaque black.
  const black = new Uint8ClampedArray(rowBytes);
  for (let i = 3; i < rowBytes; i += 4) black[i] = 255;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const code = tokens[r * cols + c];
      const src = code >= 0 && code < atlas.codes ? code * f * f * 4 : -1;
      for (let y = 0; y < f; y++) {
        const dst = ((r * f + y) * width + c * f) * 4;
        data.set(src < 0 ? black : atlas.rgba.subarray(src + y * rowBytes, src + (y + 1) * rowBytes), dst);
      }
    }
  }
  return { width, height: rows * f, data };
}

/**
 * Where atlases are kept between loads (the worker: Cache Storage), keyed by what the atlas is a
 * function of. Failures are the cache's problem: the atlas is rebuilt, never lost.
 */
export interface AtlasCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

/** The atlas depends on the decoder's bytes only (and on how it is built: the version). */
export const atlasKey = (decoderSha256: string): string => `atlas-v1-${decoderSha256}`;

/** The atlas `cache` holds under `key` when it has the right size, else undefined (never throws). */
export async function readCachedAtlas(vq: VqDecoder, codes: number, cache: AtlasCache | undefined, key: string): Promise<TokenAtlas | undefined> {
  const bytes = codes * vq.downsample * vq.downsample * 4;
  const hit = await cache?.get(key).catch(() => undefined);
  return hit && hit.byteLength === bytes ? atlasFromBytes(hit, codes, vq.downsample) : undefined;
}

/** The atlas from `cache` when it holds one of the right size, else built (and offered back). */
export async function cachedAtlas(vq: VqDecoder, codes: number, cache: AtlasCache | undefined, key: string): Promise<TokenAtlas> {
  const hit = await readCachedAtlas(vq, codes, cache, key);
  if (hit) return hit;
  const atlas = await buildAtlas(vq, codes);
  await cache?.put(key, new Uint8Array(atlas.rgba.buffer, atlas.rgba.byteOffset, atlas.rgba.byteLength)).catch(() => undefined);
  return atlas;
}

/**
 * A loaded model's atlas: previews take it only when it is ready (`now`), so a job never waits
 * for it; `get` reads it from the cache and, unless `cachedOnly`, builds it (about a dozen
 * decoder runs: seconds on WASM). Previews are a convenience: an atlas that cannot be read or
 * built leaves them true decodes.
 */
export interface PreviewAtlas {
  now(): TokenAtlas | undefined;
  get(cachedOnly?: boolean): Promise<TokenAtlas | undefined>;
}

/**
 * An atlas from its stored bytes, as they are: `codes` patches of `patch`×`patch` RGBA, code after
 * code. The same layout in Cache Storage (readCachedAtlas) and in a package (manifest
 * `vqgan.previewAtlas`, written by the export from the same decoder; the manifest's rules checked
 * its size, the load its bytes).
 */
export function atlasFromBytes(bytes: Uint8Array, codes: number, patch: number): TokenAtlas {
  return { patch, codes, rgba: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** `packaged`: the package's own atlas, ready from the start (nothing is read or built then). */
export function previewAtlas(vq: VqDecoder, codes: number, cache: AtlasCache | undefined, key: string, packaged?: TokenAtlas): PreviewAtlas {
  let ready: TokenAtlas | undefined = packaged;
  let reading: Promise<TokenAtlas | undefined> | undefined;
  let building: Promise<TokenAtlas | undefined> | undefined;
  return {
    now: () => ready,
    async get(cachedOnly = false) {
      ready ??= await (reading ??= readCachedAtlas(vq, codes, cache, key));
      if (ready || cachedOnly) return ready;
      ready ??= await (building ??= cachedAtlas(vq, codes, cache, key).catch(() => undefined));
      return ready;
    },
  };
}
