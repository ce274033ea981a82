/**
 * A Hugging Face model id typed into the Model panel (issue 12): resolve the Hub's file listing,
 * open the snapshot's configs and weights headers (small reads, nothing large), and say before
 * any download what it is — size, licence, backend and precision, memory, room in storage — or
 * why it cannot be used. The result is a ProgressSource that `installPackage` stores like any
 * package: graphs built here from the configs, weights downloaded with progress and checked
 * against the Hub's LFS sha256 once, at install (the manifest lists that sha256).
 */
import { isAbortError, PackageError } from '../../engine';
import { openHubSnapshot, parseHubId, readHubRevision, type HubSnapshotSource } from '../../engine/diffusers';
import { nameSlug } from '../../engine/manifest';
import { hubAuthHeaders } from './hubToken';
import { mapStreamErrors, NetworkError, type ProgressSource } from './sources';
import { describeSnapshot, type FilesPreference, type SnapshotSummary } from './snapshotModel';

/** Where model ids are resolved: the Hugging Face Hub (its hosts are in the CSP, src/sw/csp.ts). */
export const HUB_ORIGIN = 'https://huggingface.co';

/** What the Model panel shows before a Hub model is downloaded. */
export interface HubSummary extends SnapshotSummary {
  from: 'hub';
  /** `owner/name@revision` as resolved (revision "main" when none was given). */
  id: string;
  repo: string;
  revision: string;
  /** The commit the revision pointed at when it was looked up, when the Hub said: every file is read at it. */
  commit?: string;
}

export interface PreparedHubModel {
  summary: HubSummary;
  /** The package to install; `signal` aborts its downloads (Cancel). */
  source(signal: AbortSignal): ProgressSource;
}

export interface HubDeps {
  hub?: string;
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  signal?: AbortSignal;
  /** Today as an ISO date, when the Hub does not say when the revision was made. */
  today?: string;
  /** A Hugging Face access token (gated or private repos), sent to the Hub's own origin only (hubToken.ts). */
  token?: string;
}

/** Why a Hub model cannot be used, as one message a user can act on. */
export class HubError extends Error {
  constructor(
    readonly kind: 'id' | 'access' | 'not-amused' | 'network' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

const EXAMPLE = 'amused/amused-256';

/** "owner/name" plus an optional revision typed apart → the id the engine parses, or a HubError. */
export function hubIdOf(input: string, revision = ''): string {
  const text = input.trim().replace(/^https:\/\/huggingface\.co\//, '').replace(/\/+$/, '');
  const rev = revision.trim();
  const id = rev && !text.includes('@') ? `${text}@${rev}` : text;
  if (!text) throw new HubError('id', `Type a Hugging Face model id, e.g. ${EXAMPLE}.`);
  if (!parseHubId(id)) throw new HubError('id', `"${id}" is not a Hugging Face model id: type owner/name (e.g. ${EXAMPLE}), with a revision if you need one.`);
  return id;
}

/** manifest.name for a repo: lowercase letters, digits and dashes. */
function packageName(repo: string, revision: string): string {
  return nameSlug(`hf-${repo}${revision === 'main' ? '' : `-${revision}`}`);
}

const isNetworkFailure = (e: unknown): boolean => !(e instanceof PackageError) && !(e instanceof HubError) && !isAbortError(e) && e instanceof TypeError;

/**
 * Resolves `id` on the Hub and prepares its package without downloading the weights.
 * Throws HubError (bad id, private or missing repo, not an aMUSEd snapshot, no network).
 */
export async function prepareHubModel(id: string, opts: { files?: FilesPreference } & HubDeps = {}): Promise<PreparedHubModel> {
  const parsed = parseHubId(id);
  if (!parsed) throw new HubError('id', `"${id}" is not a Hugging Face model id: type owner/name (e.g. ${EXAMPLE}).`);
  const { repo, revision } = parsed;
  // One fetch for every request of this model: the summary's, and later the download's (whose
  // signal is set when it starts, so Cancel stops the request in flight).
  let downloadSignal: AbortSignal | undefined;
  const fetchFn = opts.fetch ?? ((u: string, i?: RequestInit) => globalThis.fetch(u, i));
  const hubOrigin = opts.hub ?? HUB_ORIGIN;
  const fetch = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) =>
    fetchFn(url, {
      ...init,
      headers: { ...init?.headers, ...hubAuthHeaders(url, hubOrigin, opts.token ?? '') },
      // The Hub is another site: no cookies, no Referer (the page's policy already says no-referrer).
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      ...(downloadSignal ?? opts.signal ? { signal: downloadSignal ?? opts.signal } : {}),
    });
  const hubOpts = { ...(opts.hub ? { hub: opts.hub } : {}), fetch };

  // Pin the revision: a branch or tag is resolved to its commit once, here, and every file
  // (listing, configs, weights) is read at that commit, so a branch that moves during the
  // download cannot mix two commits' files. The commit names the snapshot in the manifest too,
  // so a later lookup after the branch moved is another package (Resume starts it afresh).
  // Without a commit (the revision lookup failed), the listing below says why, or the name is used.
  let src: HubSnapshotSource;
  let rev: Awaited<ReturnType<typeof readHubRevision>>;
  try {
    rev = await readHubRevision(id, hubOpts);
    src = await openHubSnapshot(rev.sha ? `${repo}@${rev.sha}` : id, hubOpts);
  } catch (e) {
    throw classify(e, id, !!opts.token);
  }
  if (!src.files.has('model_index.json')) {
    throw new HubError('not-amused', `${id} has no model_index.json: it is not a diffusers pipeline, and the studio runs aMUSEd (diffusers AmusedPipeline) snapshots only.`);
  }
  try {
    const displayName = revision === 'main' ? repo : `${repo}@${revision}`;
    const described = await describeSnapshot(src, src.files.keys(), {
      name: packageName(repo, revision),
      displayName,
      ...(opts.files ? { files: opts.files } : {}),
      // The manifest must come out the same on a later visit (Resume keeps the package id).
      created: rev.lastModified?.slice(0, 10) ?? opts.today ?? new Date().toISOString().slice(0, 10),
      ...(opts.estimate ? { estimate: opts.estimate } : {}),
    });
    const { pkg } = described;
    const summary: HubSummary = { ...described.summary, from: 'hub', id: `${repo}@${revision}`, repo, revision, ...(rev.sha ? { commit: rev.sha } : {}) };
    const weightPaths = new Set(summary.weights.map((w) => w.path));
    return {
      summary,
      source(signal) {
        downloadSignal = signal;
        const failure = (path: string, e: unknown): unknown => {
          if (signal.aborted) return new DOMException('Download cancelled', 'AbortError');
          if (isNetworkFailure(e)) return new NetworkError(`${path}: the connection to the Hugging Face Hub failed (${(e as Error).message})`);
          return e;
        };
        return {
          label: id,
          async read(path, onBytes) {
            try {
              // Everything but the weights was made or read already.
              return weightPaths.has(path) ? await src.read(path, onBytes) : await pkg.source.read(path);
            } catch (e) {
              throw failure(path, e);
            }
          },
          // The weights stream from the Hub into storage, never whole in memory.
          async stream(path) {
            if (!weightPaths.has(path)) return undefined;
            try {
              return mapStreamErrors(await src.stream(path), (e) => failure(path, e));
            } catch (e) {
              throw failure(path, e);
            }
          },
        };
      },
    };
  } catch (e) {
    throw classify(e, id, !!opts.token);
  }
}

/** Any failure of the steps above as a HubError. */
function classify(e: unknown, id: string, withToken: boolean): HubError {
  if (e instanceof HubError) return e;
  if (isAbortError(e)) return new HubError('cancelled', 'Cancelled.');
  if (isNetworkFailure(e)) {
    return new HubError('network', `Could not reach the Hugging Face Hub to look up ${id}: this device seems to be offline, or the Hub is unreachable. Models already stored keep working offline.`);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (/HTTP 40[13]/.test(message)) {
    return new HubError(
      'access',
      withToken
        ? `The Hugging Face Hub refused ${id} with the access token given (${message.match(/HTTP 40[13]/)![0]}): check that the token is valid, has read access, and that you accepted the model's conditions on its page.`
        : `${id} needs a Hugging Face access token (${message.match(/HTTP 40[13]/)![0]}): the repository is private or gated, or does not exist. Paste a token with read access (huggingface.co → Settings → Access Tokens) into the Token field and look it up again.`,
    );
  }
  if (/HTTP 404/.test(message)) return new HubError('access', message);
  return new HubError('not-amused', `${id} cannot run in this studio: ${message}`);
}
