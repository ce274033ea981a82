/**
 * The security headers of the studio, in one place: the dev and preview servers send them
 * (vite.config.ts), the service worker re-applies them to the pages it serves (adding the model
 * sites the user allowed to `connect-src`), and docs/DEPLOY.md lists them for static hosts.
 * Pure functions, no DOM or service-worker types, so Node, the page and the worker share them.
 */

/** Directive → sources. Order is kept when rendered, so headers are stable and diffable. */
export type Policy = Record<string, string[]>;

/**
 * The Hugging Face Hub, for model ids typed into the Model panel (src/app/models/hub.ts), in
 * `connect-src` only (fetches; never scripts, styles or frames). `huggingface.co` answers the
 * file listing (`/api/models/…/tree`), small files and the `resolve/` URLs; weights files are
 * redirected to storage/CDN hosts, and a policy checks every hop of a redirect. The hosts are
 * the ones the Hub documents that downloads "follow HTTP redirects from huggingface.co to"
 * (huggingface.co/docs/hub/models-downloading, "Downloading behind a proxy or firewall",
 * checked 2026-12): the US/EU CDN edges and LFS CDNs, and the Xet download hosts. The Xet
 * protocol's `cas-server` hosts are left out: a plain HTTP download never talks to them.
 * docs/DIFFUSERS.md lists the same hosts; if the Hub moves its storage, a download fails with
 * a CSP violation naming the new host, which goes here.
 */
export const HUB_ORIGINS = [
  'https://huggingface.co',
  'https://us.aws.cdn.hf.co',
  'https://us.gcp.cdn.hf.co',
  'https://cdn-lfs-us-1.hf.co',
  'https://cdn-lfs-eu-1.hf.co',
  'https://transfer.xethub.hf.co',
  'https://transfer.xethub-eu.hf.co',
];

/**
 * The policy every page of the studio runs under.
 * - No `unsafe-eval` and no inline script: only our own bundled files run.
 * - `'wasm-unsafe-eval'` lets WebAssembly compile (ONNX Runtime); without it Chromium refuses
 *   `WebAssembly.instantiate` ("Refused to compile or instantiate WebAssembly module"). It does
 *   not allow `eval()` or `new Function()` — measured in docs/DEPLOY.md.
 * - `connect-src 'self'` and the Hugging Face Hub's hosts (`HUB_ORIGINS`): fetches go to this
 *   origin and the Hub only; model sites the user allowed are added by the service worker (see
 *   `withModelOrigins`).
 * - `img-src blob: data:`: gallery thumbnails and downloads are object URLs of local blobs.
 */
export const BASE_POLICY: Policy = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'", ...HUB_ORIGINS],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** A CSP nonce: base64 or base64url only, so it cannot end a source list or a directive. */
const NONCE = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/**
 * What `connect-src` allows on the development server beyond 'self': every origin a model may
 * come from (`modelOrigin`: https, and http on localhost / 127.0.0.1). In production the service
 * worker adds only the sites the user allowed; the dev server runs no service worker, so it
 * allows all that the manager's "Allow" question could grant (the question is still asked).
 */
const DEV_MODEL_SOURCES = ['https:', 'http://localhost:*', 'http://127.0.0.1:*'];

/**
 * The policy of the development server (`npm run dev`): the production policy, plus one nonce on
 * `script-src` and `style-src`, plus the model sites above. Measured in Chromium (docs/DEPLOY.md):
 * under the production policy alone React Refresh's inline preamble and the `<style>` elements
 * Vite's client injects for every imported stylesheet are refused; Vite stamps both with the
 * nonce of `html.cspNonce` (vite.config.ts). The HMR websocket needs nothing (`'self'` matches
 * ws: on the page's own host and port). No `unsafe-eval`, no `unsafe-inline`.
 */
export function devPolicy(nonce: string): Policy {
  if (!NONCE.test(nonce)) throw new Error(`not a CSP nonce: ${JSON.stringify(nonce)}`);
  const withNonce = (sources: string[]) => [...sources, `'nonce-${nonce}'`];
  return {
    ...BASE_POLICY,
    'script-src': withNonce(BASE_POLICY['script-src']),
    'style-src': withNonce(BASE_POLICY['style-src']),
    'connect-src': [...BASE_POLICY['connect-src'], ...DEV_MODEL_SOURCES],
  };
}

/** Renders a policy as a header value. */
export function renderPolicy(policy: Policy): string {
  return Object.entries(policy)
    .map(([directive, sources]) => [directive, ...sources].join(' '))
    .join('; ');
}

/** Parses one policy (a repeated directive is ignored, as browsers do). */
export function parsePolicy(header: string): Policy {
  const policy: Policy = {};
  for (const part of header.split(';')) {
    const [directive, ...sources] = part.trim().split(/\s+/);
    if (!directive) continue;
    const name = directive.toLowerCase();
    if (!(name in policy)) policy[name] = sources;
  }
  return policy;
}

/**
 * The serialized origin of `value` when it is one a model may be downloaded from (https, or a
 * potentially trustworthy http origin: localhost, 127.0.0.1, [::1]); else null. Paths, users and
 * queries are dropped, so a stored value can never smuggle another directive into a policy.
 */
export function modelOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && local)) return url.origin;
  return null;
}

/** One policy with `extra` origins allowed to `connect-src` (a policy that restricts no fetches is kept). */
function addConnectOrigins(policy: Policy, extra: readonly string[]): Policy {
  const connect = policy['connect-src'] ?? policy['default-src'];
  if (!connect) return policy;
  const merged = connect.filter((s) => s !== "'none'");
  for (const o of extra) if (!merged.includes(o)) merged.push(o);
  return { ...policy, 'connect-src': merged };
}

/**
 * `header` (the page's Content-Security-Policy, or null when the host sent none: then the base
 * policy) with `origins` added to `connect-src`. Invalid origins are dropped. Several policies
 * joined by commas (several headers) each get the origins, since all of them are enforced.
 */
export function withModelOrigins(header: string | null, origins: readonly string[]): string {
  const extra = origins.map(modelOrigin).filter((o): o is string => o !== null);
  const policies = header ? header.split(',').map(parsePolicy) : [{ ...BASE_POLICY }];
  return policies.map((p) => renderPolicy(addConnectOrigins(p, extra))).join(', ');
}

/** Cross-origin isolation: multithreaded WASM needs SharedArrayBuffer (see PITFALLS.md). */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Every header a page of the studio is served with (servers and docs/DEPLOY.md); `policy` is
 * the production one except on the development server (`devPolicy`).
 */
export function pageHeaders(policy: Policy = BASE_POLICY): Record<string, string> {
  return {
    ...ISOLATION_HEADERS,
    'Content-Security-Policy': renderPolicy(policy),
    // The page URL never leaves the device in a Referer header (model downloads included).
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}
