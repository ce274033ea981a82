/**
 * The Model panel's "Hugging Face model" actions: look an id up (summary before any download),
 * then download and store it through the same install as every package (runInstall), or give
 * it up. The prepared package (graphs built, weights not fetched) is kept between the two.
 */
import { modelStore, runInstall } from './actions';
import { HubError, hubIdOf, prepareHubModel, type PreparedHubModel } from './hub';
import { useModels } from './useModels';
import { modelOrigin } from '../../sw/csp';

let prepared: { id: string; model: PreparedHubModel } | undefined;
let lookup: AbortController | undefined;

const estimate = async () => (await globalThis.navigator?.storage?.estimate?.()) ?? {};

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

/** Looks `input` (owner/name, optional revision) up on the Hub and shows what it is, or why not. */
export async function checkHubModel(input: string, revision = '', variant?: 'fp32' | 'fp16'): Promise<void> {
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
    const model = await prepareHubModel(id, { ...(variant ? { variant } : {}), ...(hub ? { hub } : {}), estimate, signal: controller.signal });
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

/** Downloads and stores the model the panel describes, then uses it. */
export async function downloadHubModel(): Promise<void> {
  const hub = useModels.getState().hub;
  if (!prepared || hub?.status !== 'ready' || prepared.id !== hub.id) return;
  const { model } = prepared;
  const { summary } = model;
  const origin = { kind: 'hub', id: summary.id, ...(summary.variant === 'fp16' ? { variant: 'fp16' as const } : {}), ...(summary.commit ? { commit: summary.commit } : {}) } as const;
  const record = await runInstall(summary.displayName, (signal) => model.source(signal), origin, { use: true });
  if (record) {
    prepared = undefined;
    useModels.setState({ hub: undefined });
  }
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
 */
export async function addFromHub(id: string, variant?: 'fp16'): Promise<void> {
  if (!modelStore()) return;
  await checkHubModel(id, '', variant);
  const hub = useModels.getState().hub;
  if (hub?.status !== 'ready') {
    useModels.setState({ download: { label: `Hugging Face ${id}`, files: [], status: 'failed', resumable: false, error: `Could not load ${id}: ${hub?.error ?? 'it was not found'}` }, hub: undefined });
    return;
  }
  await downloadHubModel();
}
