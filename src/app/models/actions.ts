/**
 * What the model manager does, one function per user action: add from a URL or a folder,
 * cancel / resume / discard a download (also one a reload interrupted), switch, delete, ask for
 * persistent storage, allow a model site, download an evicted model again. Each keeps the
 * previous state on failure and says why in `useModels`.
 */
import { loadModel } from '../commands';
import { useStudio } from '../store/studio';
import { modelChoice } from '../persist/settings';
import { formatBytes, InstallError, installPackage, type FileProgress } from './install';
import { createDownloadSource, createFolderSource, packageFolderUrl, type ProgressSource } from './sources';
import { ModelStore, type PackageOrigin, type StoredPackage, type Unfinished } from './store';
import { storedIdOf, storedUrl } from '../../storage/layout';
import { packageRoot, type PickedFolder } from './folder';
import { createStoredSource, MISSING_FROM_STORAGE } from '../../storage/storedSource';
import { checkPackageFiles, type FileProblem } from '../../engine';
import { useModels, type DownloadState } from './useModels';
// hubActions imports runInstall from here; the cycle is between functions called later only.
import { addFromHub } from './hubActions';

const PENDING_KEY = 'muse-studio:pending-model-url';

let store: ModelStore | undefined;
/** The model store, or undefined (with `unavailable` set) when this browser has no Cache Storage. */
export function modelStore(): ModelStore | undefined {
  if (store) return store;
  try {
    store = new ModelStore();
    return store;
  } catch (e) {
    useModels.setState({ unavailable: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/** Re-reads the stored packages and the storage estimate. */
export async function refreshModels(): Promise<void> {
  if (!modelStore()) return;
  await listModels();
  await refreshStorage();
}

/** The stored packages and the allowed model sites, without the storage estimate (the start reads these first). */
export async function listModels(): Promise<void> {
  const s = modelStore();
  if (!s) return;
  const [{ packages }, allowedOrigins] = await Promise.all([s.list(), s.allowedOrigins()]);
  useModels.setState({ ready: true, packages, allowedOrigins });
}

export async function refreshStorage(): Promise<void> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.estimate) return;
  const [est, persisted] = await Promise.all([storage.estimate().catch(() => undefined), storage.persisted?.().catch(() => undefined)]);
  useModels.setState({
    ...(est ? { storage: { usage: est.usage ?? 0, quota: est.quota ?? 0 } } : {}),
    ...(persisted !== undefined ? { persisted } : {}),
  });
}

let controller: AbortController | undefined;
/** What Resume runs: the failed install again, or the add of an interrupted download's URL. */
let retry: (() => Promise<unknown>) | undefined;

function onFile(path: string, change: Partial<FileProgress>): void {
  const d = useModels.getState().download;
  if (!d) return;
  useModels.setState({ download: { ...d, files: d.files.map((f) => (f.path === path ? { ...f, ...change } : f)) } });
}

/**
 * Runs one install with progress in `useModels.download`. On success the download disappears
 * and the package is listed (and, with `use`, loaded); on failure the message stays with a
 * Resume button when the network failed.
 */
export async function runInstall(
  label: string,
  source: (signal: AbortSignal) => ProgressSource,
  origin: PackageOrigin,
  opts: { use: boolean },
): Promise<StoredPackage | undefined> {
  const s = modelStore();
  if (!s) return undefined;
  if (useModels.getState().download?.status === 'running') {
    useModels.setState({ info: 'Another model is being added: wait for it or cancel it first.' });
    return undefined;
  }
  controller = new AbortController();
  const signal = controller.signal;
  retry = () => runInstall(label, source, origin, opts);
  useModels.setState({ download: { label, files: [], status: 'running', resumable: false }, info: undefined });
  try {
    const { record, reused } = await installPackage(source(signal), origin, s, {
      signal,
      estimate: async () => (await globalThis.navigator?.storage?.estimate?.()) ?? {},
      onPlan: ({ displayName, files }) => {
        const d = useModels.getState().download;
        if (d) useModels.setState({ download: { ...d, displayName, files } });
      },
      onFile,
    });
    retry = undefined;
    useModels.setState({ download: undefined, info: reused ? `${record.displayName} was already stored; nothing was downloaded.` : undefined });
    await refreshModels();
    if (opts.use) switchModel(record.id);
    return record;
  } catch (e) {
    const err = e instanceof InstallError ? e : new InstallError('package', e instanceof Error ? e.message : String(e));
    if (err.kind === 'cancelled') {
      useModels.setState({ download: undefined, info: err.message });
    } else {
      const d = useModels.getState().download ?? { label, files: [], resumable: false };
      const message = `Could not load ${label}: ${err.message}`;
      const resumable = err.kind === 'network';
      useModels.setState({ download: { ...d, status: 'failed', error: message, resumable, resumeId: resumable ? err.resumeId : undefined } });
    }
    await refreshStorage();
    return undefined;
  } finally {
    controller = undefined;
  }
}

export function cancelDownload(): void {
  controller?.abort();
}

/** After a network failure: runs the same install again; verified files are not fetched again. */
export async function resumeDownload(): Promise<void> {
  const again = retry;
  if (!again) return;
  useModels.setState({ download: undefined });
  await again();
}

/**
 * Closes a failed download's message. A resumable one is given up (Discard): the files it saved
 * are deleted now, then the next interrupted download, if any, is offered.
 */
export async function dismissDownload(): Promise<void> {
  const id = useModels.getState().download?.resumeId;
  retry = undefined;
  useModels.setState({ download: undefined });
  const s = modelStore();
  if (!id || !s) return;
  const gone = await s.abandon(id).catch(() => false);
  if (!gone) useModels.setState({ info: 'That download is going on in another tab or window; it was left to it.' });
  await refreshStorage();
  await offerUnfinished();
}

/** The stopped-download panel for an interrupted download found in storage (`url`: where it came from, as shown). */
function interruptedState({ staging, saved }: Unfinished, url: string): DownloadState {
  const files: FileProgress[] = staging.files.map(({ path, bytes }) =>
    saved.has(path) ? { path, bytes, received: bytes, state: 'stored' } : { path, bytes, received: 0, state: 'waiting' },
  );
  const savedBytes = files.reduce((n, f) => n + f.received, 0);
  const resume = saved.size < files.length ? 'Resume downloads the rest' : 'Resume checks them and finishes';
  // Why it stopped is not recorded (a closed page cannot say): name both causes.
  return {
    label: url,
    displayName: staging.displayName,
    files,
    status: 'failed',
    resumable: true,
    resumeId: staging.id,
    error: `Adding ${staging.displayName} from ${url} was interrupted (the page was closed or reloaded, or the connection failed). ${saved.size} of ${files.length} files (${formatBytes(savedBytes)}) are saved: ${resume}, Discard deletes them. It is not used until it is complete.`,
  };
}

/**
 * At start (after the first model is up): offers an interrupted download from a URL, one at a
 * time, as a stopped download with Resume (the files saved are verified again, the rest fetched)
 * and Discard. The built-in model's own download resumes by itself at start (boot.ts).
 */
export async function offerUnfinished(): Promise<void> {
  const s = modelStore();
  if (!s || useModels.getState().download) return;
  const next = (await s.unfinished().catch(() => [])).find((u) => u.staging.origin.kind === 'url' || u.staging.origin.kind === 'hub');
  if (!next || useModels.getState().download) return;
  const origin = next.staging.origin;
  if (origin.kind === 'hub') {
    // A Hub model: looked up again (the Hub must be reachable), the saved files re-verified.
    retry = () => addFromHub(origin.id, origin.variant);
    useModels.setState({ download: interruptedState(next, `Hugging Face ${origin.id}`) });
    return;
  }
  if (origin.kind !== 'url') return;
  retry = () => addFromUrl(origin.url);
  useModels.setState({ download: interruptedState(next, origin.url) });
}

/** Add a package from what the user typed: this site's paths, https, or a local http origin. */
export async function addFromUrl(input: string): Promise<void> {
  const parsed = packageFolderUrl(input, location.href);
  if ('error' in parsed) {
    useModels.setState({ download: { label: input.trim(), files: [], status: 'failed', error: parsed.error, resumable: false } });
    return;
  }
  const origin = new URL(parsed.url).origin;
  if (origin !== location.origin) {
    // The page's policy allows the site only if it was allowed when the page loaded and, in a
    // production build, the service worker (which applies it) served the page.
    const { pageOrigins } = useModels.getState();
    const applied = pageOrigins.includes(origin) && (!import.meta.env.PROD || !!globalThis.navigator?.serviceWorker?.controller);
    if (!applied) {
      const canApply = !import.meta.env.PROD || 'serviceWorker' in navigator;
      useModels.setState({ askOrigin: { input: input.trim(), origin, canApply }, download: undefined });
      return;
    }
  }
  await runInstall(
    input.trim(),
    (signal) => createDownloadSource(parsed.url, { signal, pageOrigin: location.origin }),
    { kind: 'url', url: parsed.url },
    { use: true },
  );
}

/** Allows the asked-for model site and reloads (a page's policy is fixed when it loads). */
export async function allowOriginAndReload(): Promise<void> {
  const ask = useModels.getState().askOrigin;
  const s = modelStore();
  if (!ask || !s) return;
  try {
    await s.setOriginAllowed(ask.origin, true);
  } catch (e) {
    useModels.setState({ askOrigin: undefined, info: `Could not save the allowed site: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  sessionStorage.setItem(PENDING_KEY, ask.input);
  location.reload();
}

export function cancelAsk(): void {
  useModels.setState({ askOrigin: undefined });
}

/** Removes a model site from the allowed list (applies from the next page load). */
export async function forbidOrigin(origin: string): Promise<void> {
  const s = modelStore();
  if (!s) return;
  useModels.setState({ allowedOrigins: await s.setOriginAllowed(origin, false) });
}

/** After "Allow and reload": the URL to add now that the page allows its site. */
export function takePendingUrl(): string | undefined {
  try {
    const url = sessionStorage.getItem(PENDING_KEY) ?? undefined;
    sessionStorage.removeItem(PENDING_KEY);
    return url;
  } catch {
    return undefined;
  }
}

/** Add the package in a folder the user picked or dropped. */
export async function addFromFolder(picked: PickedFolder): Promise<void> {
  let folder: PickedFolder;
  try {
    folder = packageRoot(picked);
  } catch (e) {
    const message = `Could not load the folder "${picked.name}": ${e instanceof Error ? e.message : String(e)}`;
    useModels.setState({ download: { label: picked.name, files: [], status: 'failed', error: message, resumable: false } });
    return;
  }
  await runInstall(`the folder "${folder.name}"`, () => createFolderSource(folder.name, folder.files), { kind: 'folder', name: folder.name }, { use: true });
}

/** The stored package the user asked to load; its choice is saved once it has loaded. */
let picked: string | undefined;

/** Switches to a stored package. */
export function switchModel(id: string): void {
  picked = storedUrl(id);
  loadModel(picked);
}

/**
 * Saves the model choice when a model the user picked has loaded (a broken one is never saved),
 * and notices a stored package whose files vanished while it was listed (evicted).
 */
export function rememberChoices(): () => void {
  return useStudio.subscribe((s, prev) => {
    if (s.model.loadError && s.model.loadError !== prev.model.loadError) noticeEvicted(s.model.failedUrl, s.model.loadError);
    if (s.model.url === prev.model.url || s.model.status !== 'ready' || s.model.url !== picked) return;
    picked = undefined;
    const id = storedIdOf(s.model.url ?? '');
    const rec = useModels.getState().packages.find((p) => p.id === id);
    if (!rec) return;
    modelChoice().set(
      rec.origin.kind === 'embedded' ? { kind: 'default' } : { kind: 'stored', id: rec.id, displayName: rec.displayName, origin: rec.origin },
    );
    useModels.setState({ missing: undefined });
  });
}

/** A stored package failed to load because its files are gone: offer it again, use the built-in. */
function noticeEvicted(failedUrl: string | undefined, message: string): void {
  const id = storedIdOf(failedUrl ?? '');
  if (id === null || !message.includes(MISSING_FROM_STORAGE)) return;
  const { packages, builtInId } = useModels.getState();
  const rec = packages.find((p) => p.id === id);
  void modelStore()?.remove(id).then(refreshModels);
  if (rec && rec.origin.kind !== 'embedded') useModels.setState({ missing: { id, displayName: rec.displayName, origin: rec.origin } });
  if (!useStudio.getState().model.manifest && builtInId && builtInId !== id) switchModel(builtInId);
}

/** Deletes a stored package; the one in use is replaced by the built-in default first. */
export async function deleteModel(id: string): Promise<void> {
  const s = modelStore();
  const { builtInId } = useModels.getState();
  if (!s || id === builtInId) return;
  const inUse = useStudio.getState().model.url === storedUrl(id);
  if (inUse && builtInId) switchModel(builtInId);
  const choice = modelChoice();
  const current = choice.get();
  if (current.kind === 'stored' && current.id === id) choice.set({ kind: 'default' });
  await s.remove(id);
  await refreshModels();
}

/**
 * "Check files": hashes every file of a stored package against its manifest (loads compare
 * sizes only, trusting the hashes install made) and says what it found in `info`.
 */
export async function checkModelFiles(id: string): Promise<void> {
  const rec = useModels.getState().packages.find((p) => p.id === id);
  if (!rec || useModels.getState().checking) return;
  useModels.setState({ checking: { id, done: 0, total: 0 }, info: undefined });
  try {
    const { files, problems } = await checkPackageFiles(createStoredSource(id), (_path, done, total) => useModels.setState({ checking: { id, done, total } }));
    useModels.setState({ info: checkSummary(rec.displayName, files, problems) });
  } catch (e) {
    useModels.setState({ info: `Could not check ${rec.displayName}: ${e instanceof Error ? e.message : String(e)}` });
  } finally {
    useModels.setState({ checking: undefined });
  }
}

/** What "Check files" found, as one sentence a user can act on. */
export function checkSummary(name: string, files: number, problems: FileProblem[]): string {
  if (problems.length === 0) return `All ${files} files of ${name} match their sha256: the stored copy is intact.`;
  const list = problems.map((p) => `${p.path} (${p.message})`).join('; ');
  return `${problems.length} of ${files} files of ${name} are damaged or missing: ${list}. Delete the model and add it again.`;
}

/** "Keep models offline": asks the browser not to evict our storage (needs a user action). */
export async function keepOffline(): Promise<void> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.persist) {
    useModels.setState({ persistNote: 'This browser cannot promise to keep storage; models stay until it needs the space.' });
    return;
  }
  const granted = await storage.persist().catch(() => false);
  useModels.setState({
    persisted: granted,
    persistNote: granted
      ? 'Models are kept: the browser will not clear them to free space.'
      : 'The browser did not grant persistent storage (browsers grant it to installed or often-used sites). Models stay stored unless it runs short of space.',
  });
}

/** The model chosen last time was evicted: fetch it again from where it came from. */
export async function redownloadMissing(): Promise<void> {
  const missing = useModels.getState().missing;
  if (!missing || (missing.origin.kind !== 'url' && missing.origin.kind !== 'hub')) return;
  useModels.setState({ missing: undefined });
  if (missing.origin.kind === 'hub') await addFromHub(missing.origin.id, missing.origin.variant);
  else await addFromUrl(missing.origin.url);
}

/** Forget the evicted model; the built-in default stays in use. */
export function dismissMissing(): void {
  modelChoice().set({ kind: 'default' });
  useModels.setState({ missing: undefined });
}
