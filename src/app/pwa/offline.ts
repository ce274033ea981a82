/** What the header says about working offline (pure, so it is tested without a browser). */
export interface OfflineFacts {
  /** navigator.onLine: false means surely offline (true can be wrong, so it is never claimed). */
  online: boolean;
  /** A service worker controls the page: the app shell is cached and reloads work offline. */
  controlled: boolean;
  /** The service worker has just finished precaching on this first visit. */
  offlineReady: boolean;
}

export interface OfflineLabel {
  text: string;
  tone: 'ok' | 'warn';
  title: string;
}

export function offlineLabel(f: OfflineFacts): OfflineLabel | undefined {
  const cached = f.controlled || f.offlineReady;
  if (!f.online)
    return cached
      ? { text: 'Offline', tone: 'ok', title: 'No network: the studio and stored models work from this browser.' }
      : { text: 'Offline', tone: 'warn', title: 'No network, and the studio is not stored for offline use yet: a reload will fail.' };
  return cached
    ? { text: 'Ready for offline use', tone: 'ok', title: 'The studio is stored in this browser; it works without a network, with the models stored here.' }
    : undefined;
}
