// Turns a generated image into a PNG Blob carrying its A1111 "parameters" chunk.
//
// Why the JS encoder comes first, ahead of canvas: browsers with fingerprinting protection
// (Safari private windows, Brave, Firefox resistFingerprinting) add noise to canvas
// read-backs, toBlob included, and canvas premultiplies alpha. encodePng with the browser's
// own zlib (CompressionStream) writes the exact pixels and is fast enough for our sizes.
// Canvas is the fallback where CompressionStream is missing; storedDeflate the last resort.
import { encodePng, formatA1111, insertPngText, PARAMETERS_KEY, storedDeflate, type GenerationParams } from '../engine/png';
import type { RgbaImage } from '../engine/types';

/** zlib-compresses bytes with the platform's CompressionStream('deflate') (browser and Node ≥ 18). */
export async function compressionStreamDeflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function canvasPng(img: RgbaImage): Promise<Uint8Array | null> {
  const pixels = new ImageData(new Uint8ClampedArray(img.data), img.width, img.height);
  let blob: Blob | null = null;
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(img.width, img.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.putImageData(pixels, 0, 0);
    blob = await canvas.convertToBlob({ type: 'image/png' });
  } else if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.putImageData(pixels, 0, 0);
    blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  }
  return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
}

/**
 * Encodes `img` as a PNG with `parameters` = formatA1111(params).
 * @throws ParametersError when params are invalid (checked before any encoding work).
 */
export async function toPngBlob(img: RgbaImage, params: GenerationParams): Promise<Blob> {
  const text = { [PARAMETERS_KEY]: formatA1111(params) };
  let png: Uint8Array<ArrayBuffer>;
  if (typeof CompressionStream !== 'undefined') {
    png = await encodePng(img, text, compressionStreamDeflate);
  } else {
    const fromCanvas = await canvasPng(img);
    png = fromCanvas ? insertPngText(fromCanvas, text) : await encodePng(img, text, storedDeflate);
  }
  return new Blob([png], { type: 'image/png' });
}
