/**
 * Where the model looks. The model sees a fixed-size image (the last stage's imageSize), so an
 * edit of a photo of any size runs on windows of the photo, each scaled to the model's size and
 * back. The rule (also in src/engine/edit/README.md):
 *
 * - Windows have the model's aspect ratio (square for every current package) and lie inside the
 *   canvas (the photo, plus the extension when outpainting).
 * - Inpainting: ONE window around the mask. The bounding box of every pixel the edit may change
 *   (mask + feather) is grown to `CONTEXT`× its larger side, centred on the box, at least the
 *   model's size (so a small hole is not blown up into a blur), at most the largest window that
 *   fits, then shifted inside the canvas.
 * - When that box does not fit into one window (a mask wider than the photo is tall), and for
 *   outpainting: windows of the largest size that fits, placed greedily. Candidate positions
 *   step by 1/8 of the window and always include the canvas edges. Each round takes, among the
 *   windows that still hold unknown pixels and whose known part is at least half the window,
 *   the one with the most unknown pixels; when no window is half known (the canvas is too small
 *   for that, or the mask covers everything), the one with the most known context. Ties go to
 *   the topmost, then leftmost. Its pixels then count as known, and so on until none is
 *   unknown. Extending a 256² photo by 128 px on the right gives one window over the last 128
 *   original columns and the 128 new ones; by 256, two windows, the second sliding over the
 *   first one's new half.
 */
import type { PixelRect } from '../types';

/** How many times the mask's larger side an inpainting window spans (half of it context). */
export const CONTEXT = 2;

/** Window width for a window `height` pixels tall with the model's aspect (width / height). */
const widthFor = (height: number, aspect: number): number => Math.max(1, Math.round(height * aspect));

/** The largest window with the model's aspect that fits in the canvas. */
export function largestWindow(canvasWidth: number, canvasHeight: number, model: [number, number]): { width: number; height: number } {
  const aspect = model[1] / model[0];
  let height = Math.min(canvasHeight, Math.floor(canvasWidth / aspect));
  while (height > 1 && widthFor(height, aspect) > canvasWidth) height--;
  height = Math.max(1, height);
  return { width: Math.min(canvasWidth, widthFor(height, aspect)), height };
}

/**
 * The single inpainting window around `box` (the pixels the edit may change), or null when the
 * box does not fit in one window of the canvas. `model` = [height, width] of the model's image.
 */
export function inpaintWindow(box: PixelRect, canvasWidth: number, canvasHeight: number, model: [number, number]): PixelRect | null {
  const aspect = model[1] / model[0];
  const max = largestWindow(canvasWidth, canvasHeight, model);
  const need = Math.max(box.height, Math.ceil(box.width / aspect));
  const wanted = Math.ceil(need * CONTEXT);
  let height = Math.max(Math.min(wanted, max.height), Math.min(model[0], max.height));
  let width = widthFor(height, aspect);
  while (width > canvasWidth && height > 1) width = widthFor(--height, aspect);
  if (height < box.height || width < box.width) return null;
  // Centred on the box (floor keeps the box inside), then shifted into the canvas.
  const x = Math.min(Math.max(0, Math.floor(box.x + (box.width - width) / 2)), canvasWidth - width);
  const y = Math.min(Math.max(0, Math.floor(box.y + (box.height - height) / 2)), canvasHeight - height);
  return { x, y, width, height };
}

/** Positions 0, step, 2·step, … below `last`, and `last` itself. */
function positions(last: number, step: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < last; p += step) out.push(p);
  out.push(last);
  return out;
}

/**
 * Greedy windows of `size` covering every non-zero pixel of `unknown` (canvasWidth ×
 * canvasHeight), in the order they should run (see the rule above). `unknown` is not modified.
 */
export function tileWindows(unknown: Uint8Array, canvasWidth: number, canvasHeight: number, size: { width: number; height: number }): PixelRect[] {
  const { width: w, height: h } = size;
  const xs = positions(canvasWidth - w, Math.max(1, Math.round(w / 8)));
  const ys = positions(canvasHeight - h, Math.max(1, Math.round(h / 8)));
  // Every window edge is a breakpoint; between breakpoints lie cells, and each window is a
  // union of whole cells. Unknown pixels are counted per cell once; a chosen window zeroes its
  // cells, and a summed-area table over cells gives every candidate's count.
  const bx = [...new Set([...xs, ...xs.map((x) => x + w)])].sort((a, b) => a - b);
  const by = [...new Set([...ys, ...ys.map((y) => y + h)])].sort((a, b) => a - b);
  const cw = bx.length - 1;
  const ch = by.length - 1;
  const cellOfX = new Int32Array(canvasWidth);
  for (let i = 0; i < cw; i++) cellOfX.fill(i, bx[i], bx[i + 1]);
  const cells = new Float64Array(cw * ch);
  for (let j = 0; j < ch; j++) {
    for (let y = by[j]; y < by[j + 1]; y++) {
      const row = y * canvasWidth;
      for (let x = 0; x < canvasWidth; x++) if (unknown[row + x]) cells[j * cw + cellOfX[x]]++;
    }
  }
  const ix = new Map(bx.map((v, i) => [v, i]));
  const iy = new Map(by.map((v, i) => [v, i]));
  const area = w * h;
  const sat = new Float64Array((cw + 1) * (ch + 1));
  const out: PixelRect[] = [];
  for (;;) {
    for (let j = 0; j < ch; j++) {
      for (let i = 0; i < cw; i++) {
        sat[(j + 1) * (cw + 1) + i + 1] = cells[j * cw + i] + sat[j * (cw + 1) + i + 1] + sat[(j + 1) * (cw + 1) + i] - sat[j * (cw + 1) + i];
      }
    }
    let best: { x: number; y: number; unknown: number; halfKnown: boolean } | null = null;
    for (const y of ys) {
      const j0 = iy.get(y)!;
      const j1 = iy.get(y + h)!;
      for (const x of xs) {
        const i0 = ix.get(x)!;
        const i1 = ix.get(x + w)!;
        const n = sat[j1 * (cw + 1) + i1] - sat[j0 * (cw + 1) + i1] - sat[j1 * (cw + 1) + i0] + sat[j0 * (cw + 1) + i0];
        if (n <= 0) continue;
        const halfKnown = 2 * n <= area;
        // Half-known windows win, by most unknown; otherwise the most known wins. Strict
        // comparisons keep the first (topmost, then leftmost) among equals.
        const better =
          best === null ||
          (halfKnown && !best.halfKnown) ||
          (halfKnown && best.halfKnown && n > best.unknown) ||
          (!halfKnown && !best.halfKnown && n < best.unknown);
        if (better) best = { x, y, unknown: n, halfKnown };
      }
    }
    if (best === null) return out;
    out.push({ x: best.x, y: best.y, width: w, height: h });
    for (let j = iy.get(best.y)!; j < iy.get(best.y + h)!; j++) {
      for (let i = ix.get(best.x)!; i < ix.get(best.x + w)!; i++) cells[j * cw + i] = 0;
    }
  }
}

/**
 * The windows of an inpainting or outpainting edit over a canvas whose pixels to regenerate are
 * `hole`, the pixels it may change (hole + feather) lying in `changeBox`.
 */
export function planWindows(mode: 'inpaint' | 'outpaint', hole: Uint8Array, changeBox: PixelRect, canvasWidth: number, canvasHeight: number, model: [number, number]): PixelRect[] {
  if (mode === 'inpaint') {
    const one = inpaintWindow(changeBox, canvasWidth, canvasHeight, model);
    if (one) return [one];
  }
  return tileWindows(hole, canvasWidth, canvasHeight, largestWindow(canvasWidth, canvasHeight, model));
}
