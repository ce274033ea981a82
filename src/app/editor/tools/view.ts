/**
 * Zoom and pan of the editing canvas. `zoom` is relative to "fit" (1 = the whole canvas fits
 * the viewport, centred); `pan` moves it in screen pixels. Pure, so zooming about the cursor is
 * unit-tested.
 */
import type { Point } from './machine';

export interface View {
  zoom: number;
  panX: number;
  panY: number;
}

export interface Size {
  width: number;
  height: number;
}

export const FIT_VIEW: View = { zoom: 1, panX: 0, panY: 0 };
export const MIN_ZOOM = 0.25;
/** Largest scale in screen pixels per image pixel. */
export const MAX_SCALE = 32;
/** One zoom step of the buttons and keys. */
export const ZOOM_STEP = 1.25;

export interface Placement {
  /** Screen pixels per image pixel. */
  scale: number;
  /** Where the canvas's top-left corner is, in viewport pixels. */
  x: number;
  y: number;
}

function fitScale(viewport: Size, content: Size): number {
  return Math.min(viewport.width / content.width, viewport.height / content.height);
}

/** Where the content lands in the viewport for a view. */
export function place(view: View, viewport: Size, content: Size): Placement {
  const scale = fitScale(viewport, content) * view.zoom;
  return {
    scale,
    x: (viewport.width - content.width * scale) / 2 + view.panX,
    y: (viewport.height - content.height * scale) / 2 + view.panY,
  };
}

/** The zoom limits for this content and viewport (at most MAX_SCALE screen px per image px). */
export function zoomLimits(viewport: Size, content: Size): { min: number; max: number } {
  const fit = fitScale(viewport, content);
  return { min: MIN_ZOOM, max: Math.max(1, MAX_SCALE / fit) };
}

/**
 * Zooms by `factor` keeping the content point under `at` (viewport pixels) where it is
 * (the viewport's centre when `at` is omitted), within the limits.
 */
export function zoomAt(view: View, viewport: Size, content: Size, factor: number, at?: Point): View {
  const { min, max } = zoomLimits(viewport, content);
  const zoom = Math.min(max, Math.max(min, view.zoom * factor));
  if (zoom === view.zoom) return view;
  const c = at ?? { x: viewport.width / 2, y: viewport.height / 2 };
  const before = place(view, viewport, content);
  // The content point under the cursor stays under it.
  const px = (c.x - before.x) / before.scale;
  const py = (c.y - before.y) / before.scale;
  const scale = fitScale(viewport, content) * zoom;
  const x = c.x - px * scale;
  const y = c.y - py * scale;
  return {
    zoom,
    panX: x - (viewport.width - content.width * scale) / 2,
    panY: y - (viewport.height - content.height * scale) / 2,
  };
}

/** The content point (image pixels, fractional) under a viewport point. */
export function toContent(view: View, viewport: Size, content: Size, at: Point): Point {
  const p = place(view, viewport, content);
  return { x: (at.x - p.x) / p.scale, y: (at.y - p.y) / p.scale };
}
