/**
 * The Hugging Face access token for gated or private repos: kept in memory for this page's
 * session, and in localStorage only when the user ticks "remember on this device". It is sent
 * only as `Authorization: Bearer` to the Hub's own origin (`hubAuthHeaders`), never to another
 * host: a request to the Hub that redirects to its CDN on another origin loses the header there
 * (the Fetch standard removes a script-set Authorization header on a cross-origin redirect).
 */

const KEY = 'muse-studio:hf-token';

let token = '';

const storage = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
};

/** The token in use: this session's, else the one remembered on this device, else ''. */
export function hubToken(): string {
  if (!token) token = storage()?.getItem(KEY) ?? '';
  return token;
}

/** Whether a token is remembered on this device. */
export function hubTokenRemembered(): boolean {
  return !!storage()?.getItem(KEY);
}

/** Sets the token for this session; `remember` keeps it on this device too, and unticked forgets a remembered one. */
export function setHubToken(value: string, remember: boolean): void {
  token = value.trim();
  const s = storage();
  if (remember && token) s?.setItem(KEY, token);
  else s?.removeItem(KEY);
}

/**
 * The `Authorization` header for a request to `url`: present only when `token` is set and `url`
 * is on `hubOrigin` itself (same scheme, host and port), so no other host ever receives it.
 */
export function hubAuthHeaders(url: string, hubOrigin: string, token: string): Record<string, string> {
  if (!token) return {};
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return {};
  }
  return origin === new URL(hubOrigin).origin ? { Authorization: `Bearer ${token}` } : {};
}
