/**
 * A fetch that answers like the Hugging Face Hub over the tiny diffusers fixture
 * (tests/fixtures/amused-tiny-diffusers): the tree listing (sizes, LFS sha256 of the weights),
 * the revision info (main → a commit; branches can move), `resolve/` files by branch or commit with byte ranges, 401 for a private repo, 404 for an
 * unknown one. `repos` maps a repo to its files, so tests can add broken variants.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chunkedBody } from './helpers';

export const HUB = 'https://huggingface.co';
const DIR = path.resolve(__dirname, '../../../fixtures/amused-tiny-diffusers');

export const CARD = '---\nlicense: openrail++\ntags:\n- text-to-image\n---\n# tiny aMUSEd\n';

/** The fixture snapshot as path → bytes, with a model card declaring a licence. */
export function tinySnapshot(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(DIR, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(DIR, p)).isDirectory()) walk(p);
      else out.set(p, new Uint8Array(readFileSync(path.join(DIR, p))));
    }
  };
  walk('');
  out.set('README.md', new TextEncoder().encode(CARD));
  return out;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface FakeHub {
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** Every request: URL, its Range header and its Authorization header (if any). */
  requests: Array<{ url: string; range?: string; auth?: string }>;
  /** While set, any request throws like a dropped connection (offline). */
  offline: boolean;
  /** Paths whose LFS oid the listing gives wrong (a damaged upload / download). */
  wrongOid: Set<string>;
  /** A `resolve/` download of one of these paths fails mid-way (the network drops). */
  dropOnce: Set<string>;
  /** When set, whole downloads are served in chunks of this many bytes, each made only when read. */
  chunk?: number;
  /** Bytes of whole downloads handed out so far (with `chunk`). */
  served: number;
  /** Moves `repo`'s main branch to a new commit `sha` with `files` (the old commit stays reachable by its sha). */
  move(repo: string, files: Map<string, Uint8Array>, sha: string): void;
}

/** The commit `main` points at in a fresh fake Hub. */
export const MAIN_SHA = 'a'.repeat(40);

/** `private`: repos that answer 401 to everyone; `gated`: repo → the token that opens it (401 without it). */
export function fakeHub(repos: Record<string, Map<string, Uint8Array>>, opts: { private?: string[]; gated?: Record<string, string> } = {}): FakeHub {
  // Every repo's commits (sha → files) and the commit `main` points at.
  const commits = new Map(Object.entries(repos).map(([repo, files]) => [repo, new Map([[MAIN_SHA, files]])]));
  const heads = new Map(Object.keys(repos).map((repo) => [repo, MAIN_SHA]));
  const hub: FakeHub = {
    requests: [],
    offline: false,
    wrongOid: new Set(),
    dropOnce: new Set(),
    served: 0,
    move(repo, files, sha) {
      commits.get(repo)!.set(sha, files);
      heads.set(repo, sha);
    },
    async fetch(url, init) {
      const range = new Headers(init?.headers).get('Range') ?? undefined;
      const auth = new Headers(init?.headers).get('Authorization') ?? undefined;
      hub.requests.push({ url, ...(range ? { range } : {}), ...(auth ? { auth } : {}) });
      if (hub.offline) throw new TypeError('Failed to fetch');
      const u = new URL(url);
      const api = /^\/api\/models\/([^/]+\/[^/]+)\/(tree|revision)\/([^/]+)$/.exec(u.pathname);
      const res = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname);
      const repo = api?.[1] ?? res?.[1];
      if (repo && opts.private?.includes(repo)) return new Response('', { status: 401 });
      const gate = repo ? opts.gated?.[repo] : undefined;
      if (gate !== undefined && auth !== `Bearer ${gate}`) return new Response('', { status: 401 });
      const rev = decodeURIComponent(api?.[3] ?? res?.[2] ?? '');
      const sha = rev === 'main' ? heads.get(repo ?? '') : rev;
      const files = repo && sha ? commits.get(repo)?.get(sha) : undefined;
      if (!files) return new Response('', { status: 404 });
      if (api?.[2] === 'tree') {
        const list = [...files].map(([p, b]) => ({
          type: 'file',
          path: p,
          size: b.length,
          ...(p.endsWith('.safetensors') ? { lfs: { oid: hub.wrongOid.has(p) ? '0'.repeat(64) : sha256(b), size: b.length } } : {}),
        }));
        return Response.json(list);
      }
      if (api?.[2] === 'revision') return Response.json({ sha, lastModified: '2024-01-02T03:04:05.000Z' });
      const p = decodeURIComponent(res![3]);
      const body = files.get(p);
      if (!body) return new Response('', { status: 404 });
      const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
      if (m) return new Response(body.slice(Number(m[1]), Number(m[2]) + 1) as Uint8Array<ArrayBuffer>, { status: 206 });
      if (hub.dropOnce.delete(p)) {
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(body.slice(0, 1000));
            c.error(new TypeError('network error'));
          },
        });
        return new Response(stream);
      }
      if (hub.chunk) {
        return new Response(
          chunkedBody(body, hub.chunk, {
            broken: () => hub.offline,
            served: (n) => (hub.served += n),
          }),
        );
      }
      return new Response(body.slice() as Uint8Array<ArrayBuffer>);
    },
  };
  return hub;
}
