/**
 * Undo and redo over mask operations: every stroke, invert or clear is one step. Values are
 * immutable (each change returns a new history), so the store can compare by reference.
 */
import type { MaskOp } from './ops';

export interface MaskHistory {
  /** Applied operations, oldest first. */
  readonly ops: readonly MaskOp[];
  /** Undone operations, the most recently undone last. */
  readonly undone: readonly MaskOp[];
}

export const EMPTY_HISTORY: MaskHistory = { ops: [], undone: [] };

/** Adds a step; a new step forgets what was undone. */
export function pushOp(h: MaskHistory, op: MaskOp): MaskHistory {
  return { ops: [...h.ops, op], undone: [] };
}

export function undo(h: MaskHistory): MaskHistory {
  if (h.ops.length === 0) return h;
  return { ops: h.ops.slice(0, -1), undone: [...h.undone, h.ops[h.ops.length - 1]] };
}

export function redo(h: MaskHistory): MaskHistory {
  if (h.undone.length === 0) return h;
  return { ops: [...h.ops, h.undone[h.undone.length - 1]], undone: h.undone.slice(0, -1) };
}
