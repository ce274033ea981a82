/**
 * The pixels of a mask, kept in step with its operation list lazily and incrementally: a new
 * stroke at the end of the list paints only that stroke; anything else (undo, redo after undo,
 * a different list) re-rasterises from scratch. A stroke being painted (the draft) is drawn on
 * top as it grows, and recognised — not painted twice — when it is committed to the list.
 *
 * Anyone may bring the raster up to date (the Edit button asks whether it is empty, tests read
 * it), so what changed is also accumulated for the one view that draws it: `takeDirty()`.
 */
import { applyOp, isEmptyMask, paintStroke, unionRect, type MaskOp, type Rect, type StrokeOp } from './ops';

export class MaskRaster {
  readonly data: Uint8Array;
  /** The operations whose effect is in `data` (besides the draft). */
  private applied: readonly MaskOp[] = [];
  /** A stroke painted on top of `applied`: being drawn, or finished and about to be committed. */
  private draft: StrokeOp | null = null;
  private draftPoints = 0;
  private emptyFor: { ops: readonly MaskOp[]; empty: boolean } | null = null;
  /** Changed since the view last drew (see takeDirty). */
  private pending: Rect | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height);
  }

  private get whole(): Rect {
    return { x0: 0, y0: 0, x1: this.width, y1: this.height };
  }

  private changed(rect: Rect | null): Rect | null {
    this.pending = unionRect(this.pending, rect);
    return rect;
  }

  /** What changed since the last call (by whichever method changed it), for the view to redraw. */
  takeDirty(): Rect | null {
    const r = this.pending;
    this.pending = null;
    return r;
  }

  /** Marks everything as changed (a new view must draw it all). */
  invalidate(): void {
    this.pending = this.whole;
  }

  /** Brings `data` to `ops` (plus a draft still being drawn); returns what changed, or null. */
  sync(ops: readonly MaskOp[]): Rect | null {
    const prefix = ops.length >= this.applied.length && this.applied.every((op, i) => ops[i] === op);
    if (prefix && this.draft && ops.length === this.applied.length + 1 && ops[ops.length - 1] === this.draft) {
      // The finished draft was committed: it is already painted.
      this.applied = ops;
      this.draft = null;
      return null;
    }
    if (prefix && (!this.draft || ops.length === this.applied.length)) {
      let dirty: Rect | null = null;
      for (let i = this.applied.length; i < ops.length; i++) dirty = unionRect(dirty, applyOp(this.data, this.width, this.height, ops[i]));
      this.applied = ops;
      return this.changed(dirty);
    }
    return this.rebuild(ops);
  }

  /** From scratch: `ops`, then the draft being drawn. */
  private rebuild(ops: readonly MaskOp[]): Rect {
    this.data.fill(0);
    for (const op of ops) applyOp(this.data, this.width, this.height, op);
    this.applied = ops;
    if (this.draft) paintStroke(this.data, this.width, this.height, this.draft);
    this.changed(this.whole);
    return this.whole;
  }

  /** Starts drawing `stroke` on top (its points so far are painted). */
  beginDraft(stroke: StrokeOp): Rect | null {
    this.emptyFor = null;
    this.draft = stroke;
    this.draftPoints = stroke.points.length / 2;
    return this.changed(paintStroke(this.data, this.width, this.height, stroke));
  }

  /** Paints the points added to the draft since the last call. */
  extendDraft(): Rect | null {
    if (!this.draft) return null;
    const n = this.draft.points.length / 2;
    const dirty = n > this.draftPoints ? paintStroke(this.data, this.width, this.height, this.draft, this.draftPoints) : null;
    this.draftPoints = n;
    return this.changed(dirty);
  }

  /** Forgets a draft that was not committed (Esc, pointer cancelled): repaints without it. */
  dropDraft(): Rect | null {
    if (!this.draft) return null;
    this.draft = null;
    this.emptyFor = null;
    return this.rebuild(this.applied);
  }

  /** Whether `ops` regenerate nothing (cached per list). */
  isEmpty(ops: readonly MaskOp[]): boolean {
    if (this.emptyFor?.ops !== ops) {
      this.sync(ops);
      this.emptyFor = { ops, empty: isEmptyMask(this.data) };
    }
    return this.emptyFor.empty;
  }
}
