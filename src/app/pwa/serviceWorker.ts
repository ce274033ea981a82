/// <reference types="vite-plugin-pwa/client" />
/**
 * Registers the service worker (production builds only) and tracks whether a new version waits
 * ("Update available — Reload"). The service worker itself: src/sw/sw.ts.
 */
import { create } from 'zustand';
import { registerSW } from 'virtual:pwa-register';

export interface PwaState {
  /** A new version is installed and waiting for the page to let it take over. */
  needRefresh: boolean;
  /** The app shell is cached: the studio opens without network from now on. */
  offlineReady: boolean;
  /** Why registration failed, if it did. */
  error?: string;
}

export const usePwa = create<PwaState>()(() => ({ needRefresh: false, offlineReady: false }));

let update: ((reload?: boolean) => Promise<void>) | undefined;
let reloading = false;
function reloadOnce(): void {
  if (reloading) return;
  reloading = true;
  location.reload();
}

/** Lets the waiting version take over; the page reloads when it does. */
export function applyUpdate(): void {
  // workbox-window reloads only for updates it saw start in this page; a version found by a
  // check from elsewhere ("external") takes over silently, so reload on any controller change.
  navigator.serviceWorker.addEventListener('controllerchange', reloadOnce, { once: true });
  void update?.(true);
}

export function dismissUpdate(): void {
  usePwa.setState({ needRefresh: false });
}

/**
 * Registers the service worker and, on a first visit, waits (at most `maxWaitMs`) until it
 * controls the page. The engine worker must start after that: a dedicated worker is controlled
 * only if its page was when it started, and only then does ONNX Runtime's 26 MB wasm pass
 * through the service worker into the runtime cache, on that very first visit.
 */
export async function startServiceWorker(maxWaitMs = 10_000): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  update = registerSW({
    immediate: true,
    onNeedReload: reloadOnce,
    onNeedRefresh: () => usePwa.setState({ needRefresh: true }),
    onOfflineReady: () => usePwa.setState({ offlineReady: true }),
    onRegisterError: (e: unknown) => usePwa.setState({ error: e instanceof Error ? e.message : String(e) }),
  });
  if (navigator.serviceWorker.controller) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stopWatchingErrors();
      navigator.serviceWorker.removeEventListener('controllerchange', done);
      resolve();
    };
    const timer = setTimeout(done, maxWaitMs);
    navigator.serviceWorker.addEventListener('controllerchange', done);
    // Registration refused (private windows of some browsers): start without it.
    const stopWatchingErrors = usePwa.subscribe((s) => {
      if (s.error) done();
    });
  });
}
