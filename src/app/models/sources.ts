/**
 * Package sources for adding models, with byte progress: a URL (through the engine's
 * createUrlSource, so HTTP errors and HTML-instead-of-file answers read the same everywhere)
 * and a local folder (files the user picked or dropped).
 */
import { createUrlSource, PackageError, type PackageSource } from '../../engine';
import { describeError } from '../../engine/errors';
import { readBody } from '../../engine/package';
import { modelOrigin } from '../../sw/csp';

/** A PackageSource that reports bytes as they arrive. */
export interface ProgressSource extends PackageSource {
  read(path: string, onBytes?: (received: number) => void): Promise<Uint8Array>;
  /**
   * A file's body as it arrives, when this source can stream it: the installer then hashes it
   * chunk by chunk and writes it to storage as it comes, never holding it whole (large weights).
   * The stream's errors are already what `read` would throw (NetworkError for the network).
   */
  stream?(path: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /**
   * True for a file whose bytes this source already hashed against the sha256 its manifest lists
   * and that cannot change since: the installer then checks its size only (hash once). A picked
   * folder's files qualify: a File whose file changed on disk since it was picked fails to read
   * (the File API's snapshot state) instead of giving other bytes.
   */
  hashed?(path: string): boolean;
}

/** `body` with each error it raises replaced by `map(error)`; pulls one chunk at a time. */
export function mapStreamErrors(body: ReadableStream<Uint8Array>, map: (e: unknown) => unknown): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        try {
          const chunk = await reader.read();
          if (chunk.done) ctrl.close();
          else ctrl.enqueue(chunk.value);
        } catch (e) {
          ctrl.error(map(e));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** The network failed (offline, unreachable host, connection dropped); trying again may work. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export type FetchWithInit = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Checks what the user typed as a package URL and returns the folder URL (ending in "/"), or a
 * message. Allowed: this site's own paths, https, and http on localhost (a secure context).
 * A URL naming manifest.json is taken to mean its folder.
 */
export function packageFolderUrl(input: string, pageUrl: string): { url: string } | { error: string } {
  const text = input.trim();
  if (!text) return { error: 'Type the URL of a model package folder.' };
  let url: URL;
  try {
    url = new URL(text, pageUrl);
  } catch {
    return { error: `"${text}" is not a URL.` };
  }
  const page = new URL(pageUrl);
  if (url.username || url.password) return { error: 'A model URL must not contain a user name or password.' };
  if (url.origin !== page.origin && !modelOrigin(url.href)) {
    return { error: `Only https:// addresses (or this site's own paths) can be used for models, not ${url.protocol}//${url.host || text}.` };
  }
  url.hash = '';
  url.search = '';
  if (url.pathname.endsWith('/manifest.json')) url.pathname = url.pathname.slice(0, -'manifest.json'.length);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return { url: url.href };
}

/**
 * A package under `folderUrl`. Requests carry no cookies for other sites and no Referer, and a
 * file whose URL would resolve outside the folder (e.g. "%2e%2e" segments, which URL parsing
 * treats as "..") is refused before it is fetched. Every file streams (`stream`): the installer
 * hashes it chunk by chunk on its way into storage (engine `checkedStream`, store
 * `putFileStream`), as the Hub route does, so a large weights file is never held whole; `read`
 * (the manifest) collects the same stream.
 */
export function createDownloadSource(
  folderUrl: string,
  opts: { signal?: AbortSignal; fetch?: FetchWithInit; pageOrigin?: string } = {},
): ProgressSource {
  const fetchFn: FetchWithInit = opts.fetch ?? ((u, init) => globalThis.fetch(u, init));
  const sameOrigin = opts.pageOrigin !== undefined && new URL(folderUrl).origin === opts.pageOrigin;
  // createUrlSource words a failed fetch as a PackageError; this keeps the cause, to tell the network apart.
  let networkFailure: unknown;
  const inner = createUrlSource(folderUrl, async (url) => {
    if (!url.startsWith(folderUrl)) throw new PackageError('resolves to a URL outside the package folder');
    const init: RequestInit = {
      signal: opts.signal,
      cache: 'no-cache',
      credentials: sameOrigin ? 'same-origin' : 'omit',
      referrerPolicy: 'no-referrer',
    };
    try {
      return await fetchFn(url, init);
    } catch (e) {
      networkFailure = e;
      throw e;
    }
  });
  /** What a failure of `path` means to the installer: cancelled, the network (Resume may work), or the package. */
  const failure = (path: string, e: unknown, cause: unknown = e): unknown => {
    if (opts.signal?.aborted) return new DOMException('Download cancelled', 'AbortError');
    if (cause !== undefined && !(cause instanceof PackageError)) return new NetworkError(`${path}: the connection failed (${describeError(cause)})`);
    return e;
  };
  const stream = async (path: string): Promise<ReadableStream<Uint8Array>> => {
    networkFailure = undefined;
    let body: ReadableStream<Uint8Array>;
    try {
      body = await inner.stream(path);
    } catch (e) {
      throw failure(path, e, networkFailure);
    }
    // A body that breaks off mid-way is the network too.
    return mapStreamErrors(body, (e) => failure(path, e));
  };
  return {
    label: folderUrl,
    stream,
    async read(path, progress) {
      // Always with a progress callback: readBody then reads chunk by chunk, and the stream's own (mapped) error is what rejects.
      return readBody(new Response(await stream(path)), progress ?? (() => {}));
    },
  };
}

/** A package the user picked or dropped as a folder: manifest-relative path → File. */
export function createFolderSource(name: string, files: ReadonlyMap<string, Blob>): ProgressSource {
  return {
    label: name,
    async read(path, onBytes) {
      const file = files.get(path);
      if (!file) throw new PackageError(`is not in the folder "${name}"`, path);
      const bytes = new Uint8Array(await file.arrayBuffer());
      onBytes?.(bytes.byteLength);
      return bytes;
    },
    stream(path) {
      const file = files.get(path);
      if (!file) return Promise.reject(new PackageError(`is not in the folder "${name}"`, path));
      // A File whose file changed, moved or went away since it was picked fails to read (NotReadableError).
      const unreadable = (e: unknown) => new PackageError(`could not be read from the folder "${name}" (${describeError(e)}): it may have changed or been moved since the folder was picked; pick the folder again`, path);
      return Promise.resolve(mapStreamErrors(file.stream(), unreadable));
    },
  };
}
