import { useLayoutEffect, useState, type RefObject } from 'react';

/**
 * The height that lets an element end `bottomGap` px above the bottom of the window when the
 * page is scrolled to the top, clamped to [min, max] — so the editing canvas and what sits
 * around it fit on one screen whatever banners appear above it. Undefined until measured or
 * when `enabled` is false (narrow screens scroll anyway and keep their CSS height).
 */
export function useFitHeight(
  ref: RefObject<HTMLElement | null>,
  { enabled, min, max, bottomGap }: { enabled: boolean; min: number; max: number; bottomGap: number },
): number | undefined {
  const [height, setHeight] = useState<number>();
  useLayoutEffect(() => {
    const el = ref.current;
    if (!enabled || !el) {
      setHeight(undefined);
      return;
    }
    const update = () => {
      // Distance from the top of the document: independent of the element's own height.
      const top = el.getBoundingClientRect().top + window.scrollY;
      setHeight(Math.round(Math.min(max, Math.max(min, window.innerHeight - top - bottomGap))));
    };
    update();
    window.addEventListener('resize', update);
    // Banners and notices above the element move it down without resizing the window: watch
    // what grows when they appear (its own container, and the app root for page-wide banners;
    // the body itself may be pinned to the window's height).
    const ro = new ResizeObserver(update);
    for (const box of [el.parentElement, document.body.firstElementChild, document.body]) if (box) ro.observe(box);
    return () => {
      window.removeEventListener('resize', update);
      ro.disconnect();
    };
  }, [ref, enabled, min, max, bottomGap]);
  return height;
}
