/** Drawing helpers for the editor's canvases (photo, mask overlay, results). */
import type { RgbaImage } from '../../../engine';
import type { Rect } from '../mask/ops';

/** Sizes `canvas` to the image and draws its exact pixels. */
export function drawImage(canvas: HTMLCanvasElement, image: RgbaImage): void {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  // putImageData writes the bytes as they are (no blending), so the canvas reads back exactly.
  ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

/** "#rrggbb" → [r, g, b]; anything else gives the default overlay colour. */
export function parseHexColor(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [255, 45, 117];
}

/**
 * Draws the part `rect` of a mask as an overlay: the colour where the mask is painted
 * (alpha = mask byte), transparent elsewhere. The layer's opacity is the canvas's CSS opacity.
 */
export function drawMask(canvas: HTMLCanvasElement, mask: Uint8Array, width: number, height: number, rect: Rect | null, color: string): void {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
    rect = { x0: 0, y0: 0, x1: width, y1: height };
  }
  if (!rect || rect.x1 <= rect.x0 || rect.y1 <= rect.y0) return;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const [r, g, b] = parseHexColor(color);
  const w = rect.x1 - rect.x0;
  const h = rect.y1 - rect.y0;
  const out = ctx.createImageData(w, h);
  const d = out.data;
  for (let y = 0; y < h; y++) {
    const src = (rect.y0 + y) * width + rect.x0;
    for (let x = 0; x < w; x++) {
      const m = mask[src + x];
      if (m === 0) continue;
      const o = (y * w + x) * 4;
      d[o] = r;
      d[o + 1] = g;
      d[o + 2] = b;
      d[o + 3] = m;
    }
  }
  ctx.putImageData(out, rect.x0, rect.y0);
}
