/**
 * The canvas tools as one small state machine (after tldraw's EraserTool):
 *
 *   idle ──press (brush/eraser)──▶ pointing ──moved ≥ DRAG_PX──▶ painting ──release──▶ idle
 *     │                               └──release: a dot──────────────▶ commit ─────────▶ idle
 *     └──press middle button, or with Space held──▶ panning ──release──▶ idle
 *
 * A stroke starts on press (so a click paints a dot), grows while painting, and is committed as
 * ONE operation (one undo step) on release; cancel (Esc, pointer cancelled, focus lost) rolls
 * it back. The machine is pure: it returns effects for the canvas component to carry out.
 */

export interface Point {
  x: number;
  y: number;
}

export type ToolState =
  | { name: 'idle' }
  | { name: 'pointing'; pointerId: number; screen: Point }
  | { name: 'painting'; pointerId: number }
  | { name: 'panning'; pointerId: number; screen: Point };

export type ToolEvent =
  | { type: 'down'; pointerId: number; button: number; image: Point; screen: Point; spaceHeld: boolean }
  | { type: 'move'; pointerId: number; image: Point; screen: Point }
  | { type: 'up'; pointerId: number; image: Point }
  | { type: 'cancel' };

export type ToolEffect =
  | { type: 'begin'; at: Point }
  | { type: 'extend'; to: Point }
  | { type: 'commit' }
  | { type: 'rollback' }
  | { type: 'pan'; dx: number; dy: number };

/** Screen pixels a press must travel before it counts as a drag rather than a click. */
export const DRAG_PX = 3;

export const IDLE: ToolState = { name: 'idle' };

export interface Transition {
  state: ToolState;
  effects: ToolEffect[];
}

const stay = (state: ToolState): Transition => ({ state, effects: [] });

/**
 * One step of the machine. `canPaint` is false when painting makes no sense (no image, edit by
 * text); panning still works then.
 */
export function transition(state: ToolState, event: ToolEvent, canPaint = true): Transition {
  switch (state.name) {
    case 'idle':
      if (event.type !== 'down') return stay(state);
      if (event.button === 1 || (event.button === 0 && event.spaceHeld)) {
        return stay({ name: 'panning', pointerId: event.pointerId, screen: event.screen });
      }
      if (event.button !== 0 || !canPaint) return stay(state);
      return {
        state: { name: 'pointing', pointerId: event.pointerId, screen: event.screen },
        effects: [{ type: 'begin', at: event.image }],
      };
    case 'pointing':
      if (event.type === 'cancel') return { state: IDLE, effects: [{ type: 'rollback' }] };
      if (event.type === 'down' || event.pointerId !== state.pointerId) return stay(state);
      if (event.type === 'up') return { state: IDLE, effects: [{ type: 'commit' }] };
      if (Math.hypot(event.screen.x - state.screen.x, event.screen.y - state.screen.y) < DRAG_PX) return stay(state);
      return { state: { name: 'painting', pointerId: state.pointerId }, effects: [{ type: 'extend', to: event.image }] };
    case 'painting':
      if (event.type === 'cancel') return { state: IDLE, effects: [{ type: 'rollback' }] };
      if (event.type === 'down' || event.pointerId !== state.pointerId) return stay(state);
      if (event.type === 'up') return { state: IDLE, effects: [{ type: 'extend', to: event.image }, { type: 'commit' }] };
      return { state, effects: [{ type: 'extend', to: event.image }] };
    case 'panning':
      if (event.type === 'cancel') return stay(IDLE);
      if (event.type === 'down' || event.pointerId !== state.pointerId) return stay(state);
      if (event.type === 'up') return stay(IDLE);
      return {
        state: { ...state, screen: event.screen },
        effects: [{ type: 'pan', dx: event.screen.x - state.screen.x, dy: event.screen.y - state.screen.y }],
      };
  }
}
