/**
 * Which model the studio starts with, and keeping the built-in one offline.
 *
 * The built-in default is the package served at /models/scenes/ (or, before training produced
 * it, the fixture at /tests/fixtures/tiny/); `?model=<path on this site>` names another one for
 * the visit (tests, development). Online, its manifest is fetched: a package with the same
 * manifest hash already stored is used as is, otherwise it is downloaded into the store
 * (verified, then committed) and older versions from the same URL are deleted, so each is
 * stored once. Offline, the stored copy is used. Then the model chosen last time is loaded if it
 * is still stored; if the browser evicted it, the manager offers to download it again.
 *
 * Downloads an earlier visit left unfinished: the built-in one simply continues (its saved files
 * are verified again and kept); one the user added from a URL is offered with Resume and Discard
 * once the first model is up. Neither is ever loaded before it is committed.
 */
import { DEFAULT_MODEL_URL, FIXTURE_MODEL_URL, loadModel } from '../commands';
import { useStudio } from '../store/studio';
import { modelChoice } from '../persist/settings';
import { addFromUrl, modelStore, offerUnfinished, refreshModels, runInstall, takePendingUrl } from './actions';
import { packageId, parseManifestBytes } from './install';
import { createDownloadSource } from './sources';
import { storedUrl } from '../../storage/layout';
import type { ModelStore, StoredPackage } from './store';
import { useModels } from './useModels';

export const FIXTURE_NOTICE =
  'No trained default model yet (models/scenes is missing), so the studio loaded the test fixture from tests/fixtures/tiny.';

/** A built-in package's manifest bytes, 'absent' (not served), or 'offline' (no answer). */
async function probe(url: string): Promise<Uint8Array | 'absent' | 'offline'> {
  let res: Response;
  try {
    res = await fetch(`${url}manifest.json`, { cache: 'no-store', signal: AbortSignal.timeout(15_000) });
  } catch {
    return 'offline';
  }
  if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) return 'absent';
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    return 'offline';
  }
}

interface BuiltIn {
  /** modelUrl to load, if any. */
  url?: string;
  notice?: string;
  id?: string;
}

/**
 * Finds, stores or updates the built-in default (see the file comment). `candidates` are tried
 * in order; `fallbackNotice` is said when a later one was used because the first is not served.
 */
async function prepareBuiltIn(store: ModelStore | undefined, candidates: string[]): Promise<BuiltIn> {
  const embedded = (p: StoredPackage, url: string) => p.origin.kind === 'embedded' && p.origin.url === url;
  const stored = useModels.getState().packages.filter((p) => candidates.some((url) => embedded(p, url)));
  const noticeFor = (url: string) => (url === FIXTURE_MODEL_URL && candidates[0] === DEFAULT_MODEL_URL ? FIXTURE_NOTICE : undefined);
  let found: { url: string; bytes: Uint8Array } | undefined;
  let offline = false;
  for (const url of candidates) {
    const r = await probe(url);
    if (r === 'offline') {
      offline = true;
      break;
    }
    if (r !== 'absent') {
      found = { url, bytes: r };
      break;
    }
  }

  if (found) {
    const notice = noticeFor(found.url);
    if (!store) return { url: found.url, notice };
    let id: string;
    try {
      id = (await packageId(found.bytes, await parseManifestBytes(found.bytes))).id;
    } catch {
      return { url: found.url, notice }; // a broken built-in: the engine will say what is wrong
    }
    let rec: StoredPackage | undefined = stored.find((p) => p.id === id);
    if (!rec) {
      const folder = new URL(found.url, location.href).href;
      rec = await runInstall(
        'Built-in model',
        (signal) => createDownloadSource(folder, { signal, pageOrigin: location.origin }),
        { kind: 'embedded', url: found.url },
        { use: false },
      );
    }
    if (!rec) {
      const why = 'It could not be stored for offline use (see Models), so it is loaded from the network this time.';
      return { url: found.url, notice: notice ? `${notice} ${why}` : why };
    }
    // Older versions of the same built-in go (the fixture too, once the trained default is served).
    const outdated = stored.filter((p) => p.id !== rec.id && (embedded(p, found.url) || found.url === DEFAULT_MODEL_URL));
    for (const old of outdated) await store.remove(old.id).catch(() => {});
    if (outdated.length > 0) await refreshModels();
    return { url: storedUrl(rec.id), notice, id: rec.id };
  }

  for (const url of candidates) {
    const best = stored.filter((p) => embedded(p, url)).at(-1);
    if (best) return { url: storedUrl(best.id), id: best.id, notice: noticeFor(url) };
  }
  if (offline) return { notice: 'You are offline and the built-in model has not been stored yet: connect once to download it.' };
  return { url: candidates.at(-1), notice: noticeFor(candidates.at(-1)!) };
}

/**
 * Starts the first model: the stored choice, else the built-in default, as above. A `?model=`
 * path on this site replaces the built-in for the visit; one on another site is loaded straight
 * from its URL, unstored (when the page's policy allows that site at all).
 */
export async function bootModels(search: URLSearchParams): Promise<void> {
  const requested = search.get('model');
  let candidates = [DEFAULT_MODEL_URL, FIXTURE_MODEL_URL];
  if (requested) {
    let url: URL | undefined;
    try {
      url = new URL(requested, location.href);
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== location.origin) {
      loadModel(requested);
      return;
    }
    candidates = [url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`];
  }
  const store = modelStore();
  if (store) {
    await store.cleanup().catch(() => 0);
    await refreshModels().catch(() => {});
    useModels.setState((s) => ({ pageOrigins: s.allowedOrigins }));
  }

  const choice = modelChoice().get();
  const chosen = choice.kind === 'stored' ? useModels.getState().packages.find((p) => p.id === choice.id) : undefined;
  if (chosen) loadModel(storedUrl(chosen.id));
  else if (choice.kind === 'stored') useModels.setState({ missing: { id: choice.id, displayName: choice.displayName, origin: choice.origin } });

  const builtIn = await prepareBuiltIn(store, candidates);
  useModels.setState({ builtInId: builtIn.id });
  if (!chosen) {
    if (builtIn.url) loadModel(builtIn.url, builtIn.notice);
    else useStudio.setState((s) => ({ model: { ...s.model, status: 'error', loadError: builtIn.notice } }));
  }

  // After "Allow and reload": continue the add once the first model is up. Then offer a
  // download an earlier visit left unfinished (unless that add just resumed it).
  const pending = takePendingUrl();
  await modelSettled();
  if (pending) await addFromUrl(pending);
  await offerUnfinished();
}

/** Resolves when no model load is in flight (ready or failed). */
function modelSettled(): Promise<void> {
  const settled = () => useStudio.getState().model.loadingUrl === undefined;
  if (settled()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = useStudio.subscribe(() => {
      if (!settled()) return;
      stop();
      resolve();
    });
  });
}
