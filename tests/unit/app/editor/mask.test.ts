import { describe, expect, it } from 'vitest';
import { EMPTY_HISTORY, pushOp, redo, undo } from '../../../../src/app/editor/mask/history';
import { isEmptyMask, paintSegment, rasterize, type MaskOp, type StrokeOp } from '../../../../src/app/editor/mask/ops';
import { MaskRaster } from '../../../../src/app/editor/mask/raster';

const W = 12;
const H = 8;
const stroke = (tool: 'brush' | 'eraser', radius: number, ...points: number[]): StrokeOp => ({ kind: 'stroke', tool, radius, points });
const count = (d: Uint8Array) => d.reduce((n, v) => n + (v ? 1 : 0), 0);

/** Rows of the mask as strings of # and . for readable expectations. */
function picture(d: Uint8Array, w = W): string[] {
  const rows: string[] = [];
  for (let y = 0; y < d.length / w; y++) rows.push([...d.subarray(y * w, (y + 1) * w)].map((v) => (v ? '#' : '.')).join(''));
  return rows;
}

describe('mask operations', () => {
  it('a dot paints the pixels whose centres are within the radius', () => {
    const d = new Uint8Array(5 * 5);
    expect(paintSegment(d, 5, 5, 2.5, 2.5, 2.5, 2.5, 1, 255)).toEqual({ x0: 1, y0: 1, x1: 4, y1: 4 });
    expect(picture(d, 5)).toEqual(['.....', '..#..', '.###.', '..#..', '.....']);
  });

  it('a size-1 brush paints exactly the pixel under the point', () => {
    expect(picture(rasterize([stroke('brush', 0.5, 3.2, 1.7)], W, H))[1]).toBe('...#........');
    expect(count(rasterize([stroke('brush', 0.5, 3.2, 1.7)], W, H))).toBe(1);
  });

  it('a stroke paints a capsule along its segments; the eraser clears; invert and clear apply to all', () => {
    const line = stroke('brush', 1, 1.5, 3.5, 10.5, 3.5);
    const d = rasterize([line], W, H);
    expect(picture(d)).toEqual([
      '............',
      '............',
      '.##########.',
      '############',
      '.##########.',
      '............',
      '............',
      '............',
    ]);
    const erased = rasterize([line, stroke('eraser', 0.5, 5.5, 3.5, 5.5, 3.5)], W, H);
    expect(picture(erased)[3]).toBe('#####.######');
    const ops: MaskOp[] = [line, { kind: 'invert' }];
    expect(count(rasterize(ops, W, H))).toBe(W * H - count(d));
    expect(isEmptyMask(rasterize([...ops, { kind: 'clear' }], W, H))).toBe(true);
  });

  it('points outside the image are clipped, not wrapped', () => {
    const d = rasterize([stroke('brush', 2, -5, -5, -1, 3)], W, H);
    expect(count(d)).toBeGreaterThan(0);
    expect(picture(d).every((row) => row.slice(2) === '..........')).toBe(true);
    expect(count(rasterize([stroke('brush', 2, 50, 50)], W, H))).toBe(0);
  });
});

describe('undo history', () => {
  it('one operation per step; a new step forgets the undone ones', () => {
    const a = stroke('brush', 1, 1, 1);
    const b = stroke('brush', 1, 5, 5);
    const c = stroke('eraser', 1, 5, 5);
    let h = pushOp(pushOp(EMPTY_HISTORY, a), b);
    h = undo(h);
    expect(h.ops).toEqual([a]);
    expect(h.undone).toEqual([b]);
    expect(redo(h).ops).toEqual([a, b]);
    expect(redo(h).ops[1]).toBe(b);
    h = pushOp(h, c);
    expect(h).toEqual({ ops: [a, c], undone: [] });
    expect(undo(undo(undo(h)))).toEqual({ ops: [], undone: [c, a] });
    expect(redo(EMPTY_HISTORY)).toBe(EMPTY_HISTORY);
  });
});

describe('MaskRaster', () => {
  it('follows the operation list lazily, incrementally for new strokes, from scratch after undo', () => {
    const r = new MaskRaster(W, H);
    const a = stroke('brush', 1.5, 2, 2);
    const b = stroke('brush', 1.5, 9, 5);
    expect(r.sync([a])).toEqual({ x0: 0, y0: 0, x1: 4, y1: 4 });
    expect(r.sync([a, b])).toEqual({ x0: 7, y0: 3, x1: 11, y1: 7 });
    expect(r.data).toEqual(rasterize([a, b], W, H));
    expect(r.sync([a, b])).toBeNull();
    expect(r.sync([a])).toEqual({ x0: 0, y0: 0, x1: W, y1: H });
    expect(r.data).toEqual(rasterize([a], W, H));
  });

  it('a draft is painted as it grows and is not painted twice when committed; a dropped draft disappears', () => {
    const r = new MaskRaster(W, H);
    const base = [stroke('brush', 1, 1, 1)];
    r.sync(base);
    const draft = stroke('brush', 1, 4, 4);
    r.beginDraft(draft);
    draft.points.push(8, 4);
    expect(r.extendDraft()).toEqual({ x0: 3, y0: 3, x1: 9, y1: 5 }); // the segment (4,4)–(8,4) only
    expect(r.extendDraft()).toBeNull();
    expect(r.data).toEqual(rasterize([...base, draft], W, H));
    expect(r.sync([...base, draft])).toBeNull();
    expect(r.data).toEqual(rasterize([...base, draft], W, H));

    for (const other of [stroke('eraser', 1, 1, 1), stroke('brush', 2, 10, 6)]) {
      r.beginDraft(other);
      expect(r.data).not.toEqual(rasterize([...base, draft], W, H));
      r.dropDraft();
      expect(r.data).toEqual(rasterize([...base, draft], W, H));
    }
  });

  it('accumulates what changed for the view, whoever synced', () => {
    const r = new MaskRaster(W, H);
    const a = stroke('brush', 1, 2, 2);
    r.sync([a]); // e.g. the Edit button asking whether the mask is empty
    r.isEmpty([a]);
    expect(r.takeDirty()).toEqual({ x0: 1, y0: 1, x1: 3, y1: 3 });
    expect(r.takeDirty()).toBeNull();
    r.sync([]); // undo
    expect(r.takeDirty()).toEqual({ x0: 0, y0: 0, x1: W, y1: H });
    r.invalidate();
    expect(r.takeDirty()).toEqual({ x0: 0, y0: 0, x1: W, y1: H });
  });

  it('an eraser draft reveals the pixels again, and isEmpty is exact', () => {
    const r = new MaskRaster(W, H);
    expect(r.isEmpty([])).toBe(true);
    const ops = [stroke('brush', 1, 3, 3)];
    expect(r.isEmpty(ops)).toBe(false);
    const erase = stroke('eraser', 3, 3, 3);
    r.beginDraft(erase);
    expect(r.isEmpty([...ops, erase])).toBe(true);
  });
});
