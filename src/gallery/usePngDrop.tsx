import { useEffect, useRef, useState } from 'react';
import type { GenerationParams } from '../engine/png';
import { listenForPngDrops } from './pngDrop';

/**
 * Accepts a PNG dropped anywhere on the page and calls `onParams` with its settings, or
 * `onError` with a message (not a PNG, no parameters, damaged). Returns whether files are
 * being dragged over the page, for <PngDropOverlay>.
 */
export function usePngDrop(onParams: (params: GenerationParams) => void, onError: (message: string) => void): { dragging: boolean } {
  const [dragging, setDragging] = useState(false);
  // Latest callbacks without re-attaching listeners on every render.
  const latest = useRef({ onParams, onError });
  useEffect(() => {
    latest.current = { onParams, onError };
  });
  useEffect(
    () =>
      listenForPngDrops(window, {
        onParams: (p) => latest.current.onParams(p),
        onError: (m) => latest.current.onError(m),
        onDragging: setDragging,
      }),
    [],
  );
  return { dragging };
}

/** A full-window hint shown while a file is dragged over the studio. */
export function PngDropOverlay({ visible }: { visible: boolean }) {
  if (!visible) return null;
  return (
    <div
      aria-hidden="true"
      className="pointer-events-none fixed inset-0 z-50 flex items-center justify-center border-2 border-dashed border-violet-400/70 bg-neutral-950/80"
    >
      <p className="rounded-md bg-neutral-900 px-4 py-2 text-sm text-neutral-100">Drop a PNG to reuse its settings</p>
    </div>
  );
}
