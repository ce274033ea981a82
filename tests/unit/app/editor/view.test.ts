import { describe, expect, it } from 'vitest';
import { FIT_VIEW, MAX_SCALE, place, toContent, zoomAt, zoomLimits } from '../../../../src/app/editor/tools/view';

const viewport = { width: 800, height: 400 };
const content = { width: 320, height: 200 };

describe('view', () => {
  it('fit centres the content at the largest scale that fits', () => {
    expect(place(FIT_VIEW, viewport, content)).toEqual({ scale: 2, x: 80, y: 0 });
    expect(toContent(FIT_VIEW, viewport, content, { x: 80, y: 0 })).toEqual({ x: 0, y: 0 });
    expect(toContent(FIT_VIEW, viewport, content, { x: 400, y: 200 })).toEqual({ x: 160, y: 100 });
  });

  it('zooming keeps the content point under the cursor in place', () => {
    const at = { x: 123, y: 77 };
    const before = toContent(FIT_VIEW, viewport, content, at);
    const v = zoomAt(FIT_VIEW, viewport, content, 3, at);
    expect(v.zoom).toBe(3);
    const after = toContent(v, viewport, content, at);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    // Without a cursor it zooms about the centre: fit again after zooming back.
    const back = zoomAt(zoomAt(FIT_VIEW, viewport, content, 2), viewport, content, 0.5);
    expect(back.zoom).toBe(1);
    expect(back.panX).toBeCloseTo(0, 9);
  });

  it('zoom stays within its limits', () => {
    const { max } = zoomLimits(viewport, content);
    expect(max * 2).toBe(MAX_SCALE);
    expect(zoomAt(FIT_VIEW, viewport, content, 1000).zoom).toBe(max);
    expect(zoomAt(FIT_VIEW, viewport, content, 0.0001).zoom).toBe(0.25);
  });
});
