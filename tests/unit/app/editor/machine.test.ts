import { describe, expect, it } from 'vitest';
import { IDLE, transition, type ToolEvent, type ToolState } from '../../../../src/app/editor/tools/machine';

const down = (x: number, y: number, extra: Partial<Extract<ToolEvent, { type: 'down' }>> = {}): ToolEvent => ({
  type: 'down',
  pointerId: 1,
  button: 0,
  image: { x, y },
  screen: { x: x * 2, y: y * 2 },
  spaceHeld: false,
  ...extra,
});
const move = (x: number, y: number, pointerId = 1): ToolEvent => ({ type: 'move', pointerId, image: { x, y }, screen: { x: x * 2, y: y * 2 } });
const up = (x: number, y: number): ToolEvent => ({ type: 'up', pointerId: 1, image: { x, y } });

function run(events: ToolEvent[], canPaint = true, from: ToolState = IDLE) {
  let state = from;
  const effects: unknown[] = [];
  const states: string[] = [];
  for (const e of events) {
    const t = transition(state, e, canPaint);
    state = t.state;
    states.push(state.name);
    effects.push(...t.effects);
  }
  return { state, effects, states };
}

describe('tool state machine', () => {
  it('idle → pointing → painting → idle: one stroke begun, extended and committed once', () => {
    const r = run([down(10, 10), move(11, 10), move(20, 10), move(30, 12), up(31, 12)]);
    expect(r.states).toEqual(['pointing', 'pointing', 'painting', 'painting', 'idle']);
    expect(r.effects).toEqual([
      { type: 'begin', at: { x: 10, y: 10 } },
      { type: 'extend', to: { x: 20, y: 10 } },
      { type: 'extend', to: { x: 30, y: 12 } },
      { type: 'extend', to: { x: 31, y: 12 } },
      { type: 'commit' },
    ]);
  });

  it('a click paints a dot', () => {
    expect(run([down(5, 5), up(5, 5)]).effects).toEqual([{ type: 'begin', at: { x: 5, y: 5 } }, { type: 'commit' }]);
  });

  it('cancel rolls the stroke back (Esc, pointer cancelled)', () => {
    const r = run([down(5, 5), move(20, 20), { type: 'cancel' }, up(20, 20)]);
    expect(r.effects.at(-1)).toEqual({ type: 'rollback' });
    expect(r.effects.filter((e) => (e as { type: string }).type === 'commit')).toHaveLength(0);
    expect(r.state).toBe(IDLE);
  });

  it('Space + drag and the middle button pan instead of painting', () => {
    const space = run([down(0, 0, { spaceHeld: true }), move(5, 0), up(5, 0)]);
    expect(space.effects).toEqual([{ type: 'pan', dx: 10, dy: 0 }]);
    const middle = run([down(0, 0, { button: 1 }), move(0, 3), move(1, 3), up(1, 3)]);
    expect(middle.effects).toEqual([
      { type: 'pan', dx: 0, dy: 6 },
      { type: 'pan', dx: 2, dy: 0 },
    ]);
  });

  it('ignores other pointers, the right button, and painting when it is off', () => {
    expect(run([down(0, 0), move(50, 50, 2), up(0, 0)]).effects).toEqual([{ type: 'begin', at: { x: 0, y: 0 } }, { type: 'commit' }]);
    expect(run([down(0, 0, { button: 2 }), move(9, 9)]).effects).toEqual([]);
    expect(run([down(0, 0), move(9, 9)], false).effects).toEqual([]);
    expect(run([down(0, 0, { button: 1 }), move(1, 0)], false).effects).toHaveLength(1);
  });
});
