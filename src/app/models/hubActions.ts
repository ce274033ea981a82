/**
 * The Model panel's diffusers-snapshot actions: look a Hugging Face id up, or open a snapshot
 * folder from this device (summary before anything large is read), then store it through the
 * same install as every package (runInstall), or give it up. The prepared package (graphs
 * built, weights not read) is kept between the two.
 */
import { addFromFolder, modelStore, runInstall } from './actions';
import type { PickedFolder } from './folder';
import { prepareFolderSnapshot, snapshotRoot, type PreparedFolderSnapshot } from './folderSnapshot';
import { HubError, hubIdOf, prepareHubModel, type PreparedHubModel } from './hub';
import { hubToken } from './hubToken';
import { computesFp16, type FilesPreference, type WeightsVariant } from './snapshotModel';
import { useModels } from './useModels';
import { useStudio } from '../store/studio';
import { modelOrigin } from '../../sw/csp';

let prepared: { id: string; model: PreparedHubModel } | { id: string; folder: PickedFolder; model: PreparedFolderSnapshot } | undefined;
let lookup: AbortController | undefined;

const estimate = async () => (await globalThis.navigator?.storage?.estimate?.()) ?? {};

/**
 * Which weights files to read: `wanted` (the user's pick, or an earlier download's files) when
 * given, else what suits the worker's backend as it last announced it (snapshotModel.ts
 * `chooseVariant`). Before the first announcement the device counts as float32.
 */
function filesFor(wanted?: WeightsVariant, kept = false): FilesPreference {
  const { active, shaderF16 } = useStudio.getState().backend;
  return { ...(wanted ? { wanted } : {}), ...(kept ? { kept } : {}), fp16Compute: computesFp16(active, shaderF16) };
}

/**
 * The Hub to ask: huggingface.co, or — in test builds' pages only (`?testHooks`) — a local
 * stand-in named by `?hubEndpoint=` (the e2e's fake Hub; with Playwright's request routing the
 * model never finished loading, see docs/DIFFUSERS.md). Its origin must still be an allowed
 * model site for the page's policy.
 */
function hubEndpoint(): string | undefined {
  const q = new URLSearchParams(globalThis.location?.search ?? '');
  return q.has('testHooks') ? (modelOrigin(q.get('hubEndpoint') ?? '') ?? undefined) : undefined;
}

/**
 * Looks `input` (owner/name, optional revision) up on the Hub and shows what it is, or why not.
 * `files`: the user's pick of weights files; by default those that suit this device.
 */
export async function checkHubModel(input: string, revision = '', files: FilesPreference = filesFor()): Promise<void> {
  lookup?.abort();
  prepared = undefined;
  let id: string;
  try {
    id = hubIdOf(input, revision);
  } catch (e) {
    useModels.setState({ hub: { id: input.trim(), status: 'failed', error: (e as Error).message } });
    return;
  }
  const controller = (lookup = new AbortController());
  useModels.setState({ hub: { id, status: 'checking' } });
  try {
    const hub = hubEndpoint();
    const token = hubToken();
    const model = await prepareHubModel(id, { files, ...(hub ? { hub } : {}), ...(token ? { token } : {}), estimate, signal: controller.signal });
    if (lookup !== controller) return;
    prepared = { id, model };
    useModels.setState({ hub: { id, status: 'ready', summary: model.summary } });
  } catch (e) {
    if (lookup !== controller) return;
    const message = e instanceof HubError || e instanceof Error ? e.message : String(e);
    useModels.setState({ hub: e instanceof HubError && e.kind === 'cancelled' ? undefined : { id, status: 'failed', error: message } });
  } finally {
    if (lookup === controller) lookup = undefined;
  }
}

/** Downloads (or, for a folder, copies) and stores the model the panel describes, then uses it. */
export async function downloadHubModel(): Promise<void> {
  const hub = useModels.getState().hub;
  if (!prepared || hub?.status !== 'ready' || prepared.id !== hub.id) return;
  let record;
  if ('folder' in prepared) {
    const { model } = prepared;
    record = await runInstall(`the folder "${model.summary.id}"`, () => model.source(), { kind: 'folder', name: model.summary.id }, { use: true });
  } else {
    const { model } = prepared;
    const { summary } = model;
    const origin = { kind: 'hub', id: summary.id, ...(summary.variant === 'fp16' ? { variant: 'fp16' as const } : {}), ...(summary.commit ? { commit: summary.commit } : {}) } as const;
    record = await runInstall(summary.displayName, (signal) => model.source(signal), origin, { use: true });
  }
  if (record) {
    prepared = undefined;
    useModels.setState({ hub: undefined });
  }
}

/**
 * Opens a diffusers snapshot folder (model_index.json, no manifest; already re-rooted by
 * `snapshotRoot`) and shows the same summary as a Hub model, or why it cannot be used.
 */
export async function checkFolderSnapshot(folder: PickedFolder, files: FilesPreference = filesFor()): Promise<void> {
  lookup?.abort();
  lookup = undefined;
  prepared = undefined;
  const id = folder.name;
  useModels.setState({ hub: { id, from: 'folder', status: 'checking' } });
  try {
    const model = await prepareFolderSnapshot(folder, { files, estimate });
    if (useModels.getState().hub?.id !== id) return;
    prepared = { id, folder, model };
    useModels.setState({ hub: { id, from: 'folder', status: 'ready', summary: model.summary } });
  } catch (e) {
    const message = `The folder "${id}" cannot run in this studio: ${e instanceof Error ? e.message : String(e)}`;
    useModels.setState({ hub: { id, from: 'folder', status: 'failed', error: message } });
  }
}

/**
 * A folder the user picked or dropped: a diffusers snapshot (model_index.json, no manifest) is
 * opened and summarised like a Hub model; anything else is added as a package folder.
 */
export async function openFolder(picked: PickedFolder): Promise<void> {
  const snapshot = snapshotRoot(picked);
  if (snapshot) await checkFolderSnapshot(snapshot);
  else await addFromFolder(picked);
}

/** The summary's "use the other files" button: the same source, the other variant (the user's pick wins over the device's). */
export function switchVariant(): void {
  const hub = useModels.getState().hub;
  const s = hub?.summary;
  if (!s || !prepared) return;
  const other = filesFor(s.variant === 'fp16' ? 'fp32' : 'fp16');
  if ('folder' in prepared) void checkFolderSnapshot(prepared.folder, other);
  else void checkHubModel(s.id, '', other);
}

/** Closes the summary (or the error) without downloading. */
export function dismissHub(): void {
  lookup?.abort();
  lookup = undefined;
  prepared = undefined;
  useModels.setState({ hub: undefined });
}

/**
 * Adds a Hub model in one go (Resume of an interrupted download, Download again of an evicted
 * one): looked up again, then installed; files already saved are verified, not fetched again.
 * `variant` is the stored origin's (`origin.variant`: fp16, or absent for fp32): the same files
 * as before whatever this device would pick now, so the package, and its id, stay the same.
 */
export async function addFromHub(id: string, variant?: 'fp16'): Promise<void> {
  if (!modelStore()) return;
  await checkHubModel(id, '', filesFor(variant ?? 'fp32', true));
  const hub = useModels.getState().hub;
  if (hub?.status !== 'ready') {
    useModels.setState({ download: { label: `Hugging Face ${id}`, files: [], status: 'failed', resumable: false, error: `Could not load ${id}: ${hub?.error ?? 'it was not found'}` }, hub: undefined });
    return;
  }
  await downloadHubModel();
}
