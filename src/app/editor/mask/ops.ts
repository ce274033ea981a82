/**
 * The mask as the user made it: a list of operations (strokes, invert, clear), each one undo
 * step. Pixels are derived from it on demand (`rasterize`, and incrementally by MaskRaster):
 * one byte per image pixel, 255 = regenerate, 0 = keep. Brush edges are hard; the soft edge
 * is the engine's feather, applied at blend time.
 */

export type Tool = 'brush' | 'eraser';

export interface StrokeOp {
  kind: 'stroke';
  tool: Tool;
  /** Half the brush size, in image pixels. */
  radius: number;
  /** x0, y0, x1, y1, … in image pixels (fractions allowed; points may lie outside the image). */
  points: number[];
}

export type MaskOp = StrokeOp | { kind: 'invert' } | { kind: 'clear' };

/** A pixel rectangle [x0, x1) × [y0, y1). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

/**
 * Sets to `value` every pixel whose centre lies within `radius` of the segment a–b (a capsule;
 * a = b gives a disc). Returns the rectangle it may have changed, or null when that is outside.
 */
export function paintSegment(
  data: Uint8Array,
  width: number,
  height: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  radius: number,
  value: number,
): Rect | null {
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius));
  const x1 = Math.min(width, Math.ceil(Math.max(ax, bx) + radius));
  const y1 = Math.min(height, Math.ceil(Math.max(ay, by) + radius));
  if (x0 >= x1 || y0 >= y1) return null;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const r2 = radius * radius;
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    const row = y * width;
    for (let x = x0; x < x1; x++) {
      const px = x + 0.5;
      // Distance from the pixel centre to the closest point of the segment.
      let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (ax + t * dx);
      const ey = py - (ay + t * dy);
      if (ex * ex + ey * ey <= r2) data[row + x] = value;
    }
  }
  return { x0, y0, x1, y1 };
}

/**
 * Paints a stroke's segments from point `from` on (0 = the whole stroke; k > 0 = the segments
 * that end at points k, k+1, …, for a stroke that grew since points 0…k−1 were painted).
 */
export function paintStroke(data: Uint8Array, width: number, height: number, op: StrokeOp, from = 0): Rect | null {
  const p = op.points;
  const n = p.length / 2;
  const value = op.tool === 'brush' ? 255 : 0;
  let dirty: Rect | null = null;
  if (n === 0) return null;
  if (from === 0) dirty = paintSegment(data, width, height, p[0], p[1], p[0], p[1], op.radius, value);
  for (let k = Math.max(1, from); k < n; k++) {
    dirty = unionRect(dirty, paintSegment(data, width, height, p[2 * k - 2], p[2 * k - 1], p[2 * k], p[2 * k + 1], op.radius, value));
  }
  return dirty;
}

/** Applies one operation in place; returns the rectangle it may have changed. */
export function applyOp(data: Uint8Array, width: number, height: number, op: MaskOp): Rect | null {
  switch (op.kind) {
    case 'stroke':
      return paintStroke(data, width, height, op);
    case 'invert':
      for (let i = 0; i < data.length; i++) data[i] = 255 - data[i];
      return { x0: 0, y0: 0, x1: width, y1: height };
    case 'clear':
      data.fill(0);
      return { x0: 0, y0: 0, x1: width, y1: height };
  }
}

/** The mask bytes of a list of operations, from scratch. */
export function rasterize(ops: readonly MaskOp[], width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (const op of ops) applyOp(data, width, height, op);
  return data;
}

/** True when no byte is set (nothing to regenerate). */
export function isEmptyMask(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
