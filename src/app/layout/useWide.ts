import { useSyncExternalStore } from 'react';

/** Tailwind's `lg` breakpoint: from here on the studio shows two columns. */
export const WIDE_QUERY = '(min-width: 1024px)';

function subscribe(onChange: () => void): () => void {
  const mq = globalThis.matchMedia?.(WIDE_QUERY);
  mq?.addEventListener('change', onChange);
  return () => mq?.removeEventListener('change', onChange);
}

/** Whether the window is wide enough for two columns (false where matchMedia is missing). */
export function isWide(): boolean {
  return globalThis.matchMedia?.(WIDE_QUERY).matches ?? false;
}

/**
 * The two-column layout as state, for what CSS alone cannot do: a panel placed once in the
 * DOM (the gallery listens for dropped files, so it must not be mounted twice) and panels
 * that start folded on a phone.
 */
export function useWide(): boolean {
  return useSyncExternalStore(subscribe, isWide, () => true);
}
