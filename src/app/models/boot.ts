/**
 * Which model the studio starts with, and keeping the built-in one offline.
 *
 * The built-in default is the package served at /models/scenes/ (or, before training produced
 * it, the fixture at /tests/fixtures/tiny/); `?model=<path on this site>` names another one for
 * the visit (tests, development). A stored copy starts loading at once, before the site is asked
 * (stale-while-revalidate: a cached visit does not wait for the network). Online, its manifest is
 * then fetched: a package with the same manifest hash already stored is used as is, otherwise it
 * is downloaded into the store (verified, then committed), the studio switches to it (unless the
 * user picked another model meanwhile), and older versions from the same URL are deleted once no
 * load reads them, so each is stored once. Offline, the stored copy is used. The model chosen
 * last time is loaded instead if it is still stored; if the browser evicted it, the manager
 * offers to download it again.
 *
 * Downloads an earlier visit left unfinished: the built-in one simply continues (its saved files
 * are verified again and kept); one the user added from a URL is offered with Resume and Discard
 * once the first model is up. Neither is ever loaded before it is committed.
 */
import { DEFAULT_MODEL_URL, FIXTURE_MODEL_URL, loadModel } from '../commands';
import { useStudio } from '../store/studio';
import { modelChoice } from '../persist/settings';
import { addFromUrl, listModels, modelStore, offerUnfinished, refreshModels, refreshStorage, runInstall, takePendingUrl } from './actions';
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
 * in order; a notice is said when a later one was used because the first is not served. Older
 * stored versions are returned in `outdated`, not deleted: the start may be running one of them.
 */
async function prepareBuiltIn(store: ModelStore | undefined, candidates: string[]): Promise<BuiltIn & { outdated: StoredPackage[] }> {
  const stored = useModels.getState().packages.filter((p) => candidates.some((url) => embedded(p, url)));
  const noticeFor = (url: string) => builtInNotice(candidates, url);
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
    if (!store) return { url: found.url, notice, outdated: [] };
    let id: string;
    try {
      id = (await packageId(found.bytes, await parseManifestBytes(found.bytes))).id;
    } catch {
      return { url: found.url, notice, outdated: [] }; // a broken built-in: the engine will say what is wrong
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
      return { url: found.url, notice: notice ? `${notice} ${why}` : why, outdated: [] };
    }
    // Older versions of the same built-in (the fixture too, once the trained default is served).
    const outdated = stored.filter((p) => p.id !== rec.id && (embedded(p, found.url) || found.url === DEFAULT_MODEL_URL));
    return { url: storedUrl(rec.id), notice, id: rec.id, outdated };
  }

  const best = storedBuiltIn(candidates);
  if (best) return { ...best, outdated: [] };
  if (offline) return { notice: 'You are offline and the built-in model has not been stored yet: connect once to download it.', outdated: [] };
  return { url: candidates.at(-1), notice: noticeFor(candidates.at(-1)!), outdated: [] };
}

const embedded = (p: StoredPackage, url: string): boolean => p.origin.kind === 'embedded' && p.origin.url === url;

const builtInNotice = (candidates: string[], url: string): string | undefined =>
  url === FIXTURE_MODEL_URL && candidates[0] === DEFAULT_MODEL_URL ? FIXTURE_NOTICE : undefined;

/** The newest stored copy of the first candidate that has one, as the start loads it. */
function storedBuiltIn(candidates: string[]): (BuiltIn & { url: string; id: string }) | undefined {
  const packages = useModels.getState().packages;
  for (const url of candidates) {
    const best = packages.filter((p) => embedded(p, url)).at(-1);
    if (best) return { url: storedUrl(best.id), id: best.id, notice: builtInNotice(candidates, url) };
  }
  return undefined;
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
  // The start waits for the list of stored packages only: the storage estimate, the clean-up of
  // abandoned downloads and the check for a newer built-in all come after the first load is sent
  // (a cached visit's engine worker otherwise sat idle for them; docs/BENCHMARKS.md).
  const store = modelStore();
  if (store) {
    await listModels().catch(() => {});
    useModels.setState((s) => ({ pageOrigins: s.allowedOrigins }));
    void refreshStorage();
  }

  const choice = modelChoice().get();
  const chosen = choice.kind === 'stored' ? useModels.getState().packages.find((p) => p.id === choice.id) : undefined;
  if (chosen) loadModel(storedUrl(chosen.id));
  else if (choice.kind === 'stored') useModels.setState({ missing: { id: choice.id, displayName: choice.displayName, origin: choice.origin } });
  // A stored built-in starts at once; whether the site now serves a newer one is asked below.
  const early = chosen ? undefined : storedBuiltIn(candidates);
  if (early) loadModel(early.url, early.notice);

  const builtIn = await prepareBuiltIn(store, candidates);
  useModels.setState({ builtInId: builtIn.id });
  if (!chosen && builtIn.url !== early?.url) {
    // A newer built-in was stored (or the stored one is no longer the right candidate): switch to
    // it, unless the user has meanwhile picked another model. The stored copy may also have failed.
    const current = useStudio.getState().model;
    const onEarly = early !== undefined && (current.loadingUrl ?? current.url ?? current.failedUrl) === early.url;
    if (builtIn.url && (!early || onEarly)) loadModel(builtIn.url, builtIn.notice);
    else if (!builtIn.url && !early) useStudio.setState((s) => ({ model: { ...s.model, status: 'error', loadError: builtIn.notice } }));
  }

  // After "Allow and reload": continue the add once the first model is up. Then offer a
  // download an earlier visit left unfinished (unless that add just resumed it).
  const pending = takePendingUrl();
  await modelSettled();
  if (store) {
    // Older built-ins go once no load reads them any more (and not one the user went back to).
    const inUse = useStudio.getState().model.url;
    for (const old of builtIn.outdated) if (storedUrl(old.id) !== inUse) await store.remove(old.id).catch(() => {});
    await store.cleanup().catch(() => 0);
    await refreshModels().catch(() => {});
  }
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
