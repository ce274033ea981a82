import { useSyncExternalStore } from 'react';
import { usePwa } from './serviceWorker';
import { offlineLabel } from './offline';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  navigator.serviceWorker?.addEventListener('controllerchange', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
    navigator.serviceWorker?.removeEventListener('controllerchange', onChange);
  };
}

const online = () => navigator.onLine;
const controlled = () => !!navigator.serviceWorker?.controller;

/** "Offline" / "Ready for offline use" in the header, from the network and the service worker. */
export function OfflineStatus() {
  const label = offlineLabel({
    online: useSyncExternalStore(subscribe, online, () => true),
    controlled: useSyncExternalStore(subscribe, controlled, () => false),
    offlineReady: usePwa((s) => s.offlineReady),
  });
  if (!label) return null;
  return (
    <span
      role="status"
      aria-label="Offline status"
      title={label.title}
      className={`shrink-0 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs ${label.tone === 'ok' ? 'border-emerald-500/40 text-emerald-300' : 'border-amber-500/40 text-amber-300'}`}
    >
      {label.text}
    </span>
  );
}
