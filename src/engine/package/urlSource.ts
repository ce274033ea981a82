import { PackageError, describeError } from '../errors';
import { pathProblem } from '../manifest/paths';
import { bodyStream } from './readBody';
import type { PackageSource } from './source';

/** The subset of `fetch` the URL source needs, so tests and callers can pass their own. */
export type FetchLike = (url: string) => Promise<Response>;

/** How many leading bytes decide whether a body is an HTML page. */
const HTML_SNIFF_BYTES = 64;

/** True when the first bytes look like an HTML page rather than a package file. */
function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, HTML_SNIFF_BYTES)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/** A URL source: `read` as every PackageSource, and `stream`, the same checks on a body passed on as it arrives. */
export interface UrlSource extends PackageSource {
  /**
   * The file's body as it arrives (a large weights file is never held whole here): the same
   * refusals as `read`, the HTML one raised as the stream's error once the first bytes are in.
   * Its length and hash are the caller's to check (engine/package/verifyStream.ts).
   */
  stream(path: string): Promise<ReadableStream<Uint8Array>>;
}

/**
 * A package served under a URL prefix. Rejects, naming the file, when the response is not ok,
 * or when it is an HTML page: dev servers and SPA hosts answer missing files with index.html and
 * status 200, which would otherwise surface later as an unreadable ONNX or JSON error.
 */
export function createUrlSource(baseUrl: string, fetchFn: FetchLike = (u) => globalThis.fetch(u)): UrlSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const htmlPage = (url: string, path: string): PackageError =>
    new PackageError(`the server answered ${url} with an HTML page, not the file (is the package URL right?)`, path);
  /** The ok, non-HTML-typed response for `path`; what `read` and `stream` share. */
  const open = async (path: string): Promise<{ res: Response; url: string }> => {
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
    if ((res.headers.get('content-type') ?? '').toLowerCase().includes('text/html')) throw htmlPage(url, path);
    return { res, url };
  };
  return {
    label: base,
    async read(path: string): Promise<Uint8Array> {
      const { res, url } = await open(path);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (looksLikeHtml(bytes)) throw htmlPage(url, path);
      return bytes;
    },
    async stream(path: string): Promise<ReadableStream<Uint8Array>> {
      const { res, url } = await open(path);
      return sniffedStream(bodyStream(res), () => htmlPage(url, path));
    },
  };
}

/**
 * `body` passed on chunk by chunk, after its first HTML_SNIFF_BYTES (or all of it, when shorter)
 * were checked not to be an HTML page; when they are, the stream errors with `html()`.
 */
function sniffedStream(body: ReadableStream<Uint8Array>, html: () => PackageError): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sniffed = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        if (sniffed) {
          const chunk = await reader.read();
          if (chunk.done) ctrl.close();
          else ctrl.enqueue(chunk.value);
          return;
        }
        // The first bytes: held only until there are enough to tell (a few small chunks at most).
        const head: Uint8Array[] = [];
        let bytes = 0;
        let done = false;
        while (bytes < HTML_SNIFF_BYTES) {
          const chunk = await reader.read();
          if (chunk.done) {
            done = true;
            break;
          }
          head.push(chunk.value);
          bytes += chunk.value.byteLength;
        }
        const first = new Uint8Array(Math.min(bytes, HTML_SNIFF_BYTES));
        let at = 0;
        for (const c of head) {
          if (at >= first.length) break;
          first.set(c.subarray(0, first.length - at), at);
          at += Math.min(c.byteLength, first.length - at);
        }
        if (looksLikeHtml(first)) {
          const err = html();
          ctrl.error(err);
          await reader.cancel(err).catch(() => {});
          return;
        }
        sniffed = true;
        head.forEach((c) => ctrl.enqueue(c));
        if (done) ctrl.close();
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
