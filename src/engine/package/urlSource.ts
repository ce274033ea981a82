import { PackageError, describeError } from '../errors';
import { pathProblem } from '../manifest/paths';
import type { PackageSource } from './source';

/** The subset of `fetch` the URL source needs, so tests and callers can pass their own. */
export type FetchLike = (url: string) => Promise<Response>;

/** True when the first bytes look like an HTML page rather than a package file. */
function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/**
 * A package served under a URL prefix. Rejects, naming the file, when the response is not ok,
 * or when it is an HTML page: dev servers and SPA hosts answer missing files with index.html and
 * status 200, which would otherwise surface later as an unreadable ONNX or JSON error.
 */
export function createUrlSource(baseUrl: string, fetchFn: FetchLike = (u) => globalThis.fetch(u)): PackageSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    label: base,
    async read(path: string): Promise<Uint8Array> {
      const problem = pathProblem(path);
      if (problem) throw new PackageError(`path ${problem}`, path);
      const url = new URL(path, base).href;
      let res: Response;
      try {
        res = await fetchFn(url);
      } catch (err) {
        throw new PackageError(`could not be fetched from ${url} (${describeError(err)})`, path);
      }
      if (!res.ok) {
        const what = res.status === 404 ? 'not found' : `HTTP ${res.status} ${res.statusText}`.trim();
        throw new PackageError(`${what} at ${url}`, path);
      }
      const type = res.headers.get('content-type') ?? '';
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (type.toLowerCase().includes('text/html') || looksLikeHtml(bytes)) {
        throw new PackageError(`the server answered ${url} with an HTML page, not the file (is the package URL right?)`, path);
      }
      return bytes;
    },
  };
}
