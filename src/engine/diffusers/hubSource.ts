/**
 * A diffusers snapshot on the Hugging Face Hub (or a server that answers like it), read over
 * HTTP: the file list from `GET {hub}/api/models/{repo}/tree/{revision}?recursive=true` (sizes,
 * and the sha256 of LFS files), files from `{hub}/{repo}/resolve/{revision}/{path}` (the Hub
 * redirects LFS files to a CDN origin; `fetch` follows), weights in byte ranges (`Range`), so a
 * header is two small requests and nothing here holds a whole weights file unless asked to
 * (`read`; `stream` hands the body on as it arrives).
 * Nothing is cached: that belongs to the caller (the studio's storage).
 */
import { PackageError } from '../errors';
import { pathProblem } from '../manifest/paths';
import { bodyStream, readBody } from '../package/readBody';
import type { SnapshotSource } from './source';

export interface HubFile {
  path: string;
  size: number;
  /** sha256 of an LFS file's content (the Hub's LFS oid); absent for small git files. */
  sha256?: string;
}

export interface HubSnapshotSource extends SnapshotSource {
  /** Every file of the snapshot, from the Hub's listing. */
  readonly files: ReadonlyMap<string, HubFile>;
  /** Reads a whole file, reporting the bytes received so far as they arrive (downloads with progress). */
  read(path: string, onBytes?: (received: number) => void): Promise<Uint8Array>;
  /**
   * A file's body as it arrives, for a caller that stores it chunk by chunk (a 2.4 GB weights
   * file never held whole). Its length is not checked here: the caller checks it, with the sha256.
   */
  stream(path: string): Promise<ReadableStream<Uint8Array>>;
}

/** "owner/name" or "owner/name@revision" (revision default "main"); null when it is not a repo id. */
export function parseHubId(id: string): { repo: string; revision: string } | null {
  const m = /^([A-Za-z0-9][\w.-]{0,95})\/([A-Za-z0-9][\w.-]{0,95})(?:@([\w./-]{1,200}))?$/.exec(id.trim());
  if (!m || m[3]?.split('/').includes('..')) return null;
  return { repo: `${m[1]}/${m[2]}`, revision: m[3] ?? 'main' };
}

type Fetch = (input: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

export interface HubOptions {
  /** The Hub's origin (default https://huggingface.co); tests and mirrors give their own. */
  hub?: string;
  fetch?: Fetch;
  token?: string;
  /** Aborts every request of this source (a cancelled download). */
  signal?: AbortSignal;
}

/** Lists `repo` at `revision` on `hub` (default https://huggingface.co) and returns a source for it. */
export async function openHubSnapshot(id: string, opts: HubOptions = {}): Promise<HubSnapshotSource> {
  const parsed = parseHubId(id);
  if (!parsed) throw new PackageError(`"${id}" is not a Hugging Face model id (owner/name, optionally @revision)`);
  const { repo, revision } = parsed;
  const hub = (opts.hub ?? 'https://huggingface.co').replace(/\/+$/, '');
  const fetchFn: Fetch = opts.fetch ?? ((u, i) => fetch(u, i));
  const doFetch: Fetch = (u, i) => fetchFn(u, { ...i, ...(opts.signal ? { signal: opts.signal } : {}) });
  const auth: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const label = `${hub === 'https://huggingface.co' ? '' : `${hub}/`}${repo}@${revision}`;
  const rev = encodeURIComponent(revision);

  const httpProblem = (status: number, what: string): PackageError => {
    if (status === 401 || status === 403) return new PackageError(`${label}: the Hub refused ${what} (HTTP ${status}): the repository is private or gated, or does not exist; sign in or use a token with access`);
    if (status === 404) return new PackageError(`${label}: ${what} not found (HTTP 404): check the model id and revision`);
    return new PackageError(`${label}: ${what} failed (HTTP ${status})`);
  };

  const files = new Map<string, HubFile>();
  let next: string | null = `${hub}/api/models/${repo}/tree/${rev}?recursive=true`;
  while (next) {
    const res = await doFetch(next, { headers: auth });
    if (!res.ok) throw httpProblem(res.status, 'the file listing');
    const entries = (await res.json()) as { type?: string; path?: string; size?: number; lfs?: { oid?: string } }[];
    if (!Array.isArray(entries)) throw new PackageError(`${label}: the file listing is not a list`);
    for (const e of entries) {
      if (e.type !== 'file' || typeof e.path !== 'string' || typeof e.size !== 'number' || pathProblem(e.path)) continue;
      files.set(e.path, { path: e.path, size: e.size, ...(e.lfs?.oid ? { sha256: e.lfs.oid } : {}) });
    }
    // The Hub pages long listings with a Link header.
    const link = res.headers.get('link');
    const m = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
    next = m ? new URL(m[1], hub).toString() : null;
  }

  const url = (path: string): string => `${hub}/${repo}/resolve/${rev}/${path.split('/').map(encodeURIComponent).join('/')}`;
  const known = (path: string): HubFile => {
    const f = files.get(path);
    if (!f) throw new PackageError(`not in ${label}`, path);
    return f;
  };
  return {
    label,
    files,
    exists: (path) => Promise.resolve(files.has(path)),
    expectedSha256: (path) => files.get(path)?.sha256,
    list(folder) {
      const prefix = folder === '' ? '' : `${folder}/`;
      return Promise.resolve([...files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length)).sort());
    },
    async read(path, onBytes) {
      const f = known(path);
      const res = await doFetch(url(path), { headers: auth });
      if (!res.ok) throw httpProblem(res.status, path);
      const bytes = await readBody(res, onBytes);
      if (bytes.length !== f.size) throw new PackageError(`${label} lists ${f.size} bytes, the download had ${bytes.length}`, path);
      return bytes;
    },
    async stream(path) {
      known(path);
      const res = await doFetch(url(path), { headers: auth });
      if (!res.ok) throw httpProblem(res.status, path);
      return bodyStream(res);
    },
    async readRange(path, start, end) {
      const f = known(path);
      if (start < 0 || end > f.size || start > end) throw new PackageError(`is ${f.size} bytes long; bytes ${start}–${end} are not there (truncated file?)`, path);
      if (start === end) return new Uint8Array(0);
      const res = await doFetch(url(path), { headers: { ...auth, Range: `bytes=${start}-${end - 1}` } });
      if (!res.ok) throw httpProblem(res.status, path);
      const body = new Uint8Array(await res.arrayBuffer());
      // A server that ignores Range answers 200 with the whole file: slice it (correct, but costly).
      const bytes = res.status === 206 ? body : body.subarray(start, end);
      if (bytes.length !== end - start) throw new PackageError(`asked for ${end - start} bytes at ${start}, got ${bytes.length}`, path);
      return bytes;
    },
  };
}

/**
 * The commit a revision points at and when it was made (`GET {hub}/api/models/{repo}/revision/{rev}`:
 * `sha`, `lastModified`). Optional knowledge: any failure gives {} (the listing reports access errors).
 */
export async function readHubRevision(id: string, opts: HubOptions = {}): Promise<{ sha?: string; lastModified?: string }> {
  const parsed = parseHubId(id);
  if (!parsed) return {};
  const hub = (opts.hub ?? 'https://huggingface.co').replace(/\/+$/, '');
  const fetchFn: Fetch = opts.fetch ?? ((u, i) => fetch(u, i));
  try {
    const res = await fetchFn(`${hub}/api/models/${parsed.repo}/revision/${encodeURIComponent(parsed.revision)}`, {
      headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!res.ok) return {};
    const info = (await res.json()) as { sha?: unknown; lastModified?: unknown } | null;
    return {
      ...(typeof info?.sha === 'string' && /^[0-9a-f]{40}$/.test(info.sha) ? { sha: info.sha } : {}),
      ...(typeof info?.lastModified === 'string' && !Number.isNaN(Date.parse(info.lastModified)) ? { lastModified: info.lastModified } : {}),
    };
  } catch {
    return {};
  }
}
