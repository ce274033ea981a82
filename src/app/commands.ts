/**
 * User commands, each defined once and used by buttons and keyboard shortcuts alike.
 * They read the stores, send requests through the one EngineClient, and record what they
 * sent; the worker's answers come back through `applyEvent`.
 */
import { EngineClient, type RequestWithoutId } from './engineClient';
import { useForm, type FormState } from './store/form';
import { applyEvent, useStudio, type Job, type JobParams, type StudioState } from './store/studio';
import { parseSeed, randomSeed, validateAdvanced, type StageName } from './settings/validate';
import type { EditRequest, GenerateRequest } from '../engine';
import type { BackendPreference, WorkerEvent } from '../worker/protocol';

let client: EngineClient | undefined;

/** Starts the worker (once) and wires its events into the store. */
export function connectEngine(factory?: () => Worker): EngineClient {
  if (client) return client;
  const c = new EngineClient(factory);
  c.onEvent(applyEvent);
  c.onRestart((reason) => {
    useStudio.setState({ crashNotice: `The engine worker crashed (${reason}) and was restarted; the model is being reloaded.` });
    // A fresh worker has no model: restore the backend choice and the last good model.
    const { backend, model } = useStudio.getState();
    sendBackend(backend.preference);
    const url = model.url ?? model.loadingUrl;
    if (url) loadModel(url, model.notice);
  });
  client = c;
  return c;
}

function engine(): EngineClient {
  if (!client) throw new Error('connectEngine() was not called');
  return client;
}

export function stagesOf(state: StudioState): StageName[] {
  const stages = state.model.manifest?.stages;
  if (!stages) return [];
  return stages.superRes ? ['base', 'superRes'] : ['base'];
}

export interface Availability {
  canGenerate: boolean;
  /** Why Generate is disabled, in words a user can act on. */
  reason?: string;
  /** True when pressing Generate now queues behind the running job. */
  willQueue: boolean;
}

/** Whether Generate can be pressed now, and why not. */
export function availability(form: FormState, studio: StudioState): Availability {
  const willQueue = studio.job !== undefined;
  const no = (reason: string): Availability => ({ canGenerate: false, reason, willQueue });
  if (!studio.model.manifest) {
    if (studio.model.status === 'error') return no('The model failed to load.');
    return no('The model is loading…');
  }
  if (studio.job && studio.queued) return no('One image job is running and one is queued.');
  const advanced = validateAdvanced(stagesOf(studio), form.overrides);
  const firstError = Object.values(advanced.errors)[0];
  if (firstError) return no(firstError);
  if (form.seedMode === 'locked') {
    const seed = parseSeed(form.seedText);
    if (!seed.ok) return no(seed.message);
  }
  return { canGenerate: true, willQueue };
}

/**
 * The form's prompt, seed and stage settings as a request, with the parameters kept for the
 * result; undefined when `availability` says no. In random mode it picks (and shows) a new seed.
 * Used by Generate and by the editor, so both read the form the same way.
 */
export function formRequest(): { request: GenerateRequest; params: JobParams } | undefined {
  const form = useForm.getState();
  const studio = useStudio.getState();
  const avail = availability(form, studio);
  if (!avail.canGenerate || !studio.model.manifest || !studio.model.url) return undefined;
  let seed: number;
  if (form.seedMode === 'locked') {
    const parsed = parseSeed(form.seedText);
    if (!parsed.ok) return undefined;
    seed = parsed.value;
  } else {
    seed = randomSeed();
    useForm.setState({ seedText: String(seed) });
  }
  const { values } = validateAdvanced(stagesOf(studio), form.overrides);
  const request: GenerateRequest = {
    prompt: form.prompt,
    seed,
    count: form.count,
    ...(form.negativePrompt.trim() ? { negativePrompt: form.negativePrompt } : {}),
    ...(values.base ? { base: values.base } : {}),
    ...(values.superRes ? { superRes: values.superRes } : {}),
  };
  const params: JobParams = {
    prompt: form.prompt,
    negativePrompt: form.negativePrompt.trim(),
    seed,
    count: form.count,
    modelName: studio.model.manifest.name,
    modelUrl: studio.model.url,
  };
  return { request, params };
}

/** Records a job just sent: it runs now, or waits behind the running one (queue of one). */
function trackJob(job: Job): void {
  if (useStudio.getState().job) useStudio.setState({ queued: job, jobError: undefined });
  else useStudio.setState({ job: { ...job, startedAt: performance.now() }, jobError: undefined, jobNote: undefined });
}

/** Generate (Mod+Enter): runs now, or queues behind the running job (queue of one). */
export function generate(): void {
  const built = formRequest();
  if (!built) return;
  const id = engine().send({ type: 'generate', request: built.request });
  trackJob({ id, params: built.params, status: 'queued', overallStep: 0, overallTotal: 0 });
}

/**
 * Sends an edit built by the editor (src/app/editor); like Generate it runs now or waits in the
 * queue of one. `transfer` moves the image and mask buffers. Returns the job id.
 */
export function sendEdit(request: EditRequest, params: JobParams, transfer: Transferable[]): string {
  const id = engine().send({ type: 'edit', request }, transfer);
  trackJob({ id, kind: 'edit', params, status: 'queued', overallStep: 0, overallTotal: 0 });
  return id;
}

/** Cancel (Esc): stops the running job and drops the queued one. */
export function cancel(): void {
  const { job, queued } = useStudio.getState();
  if (queued) engine().cancel(queued.id);
  if (job) engine().cancel(job.id);
}

/** Loads a model package; the current model stays in use until the new one is ready. */
export function loadModel(url: string, notice?: string): void {
  const id = engine().send({ type: 'load', modelUrl: url });
  const { model } = useStudio.getState();
  useStudio.setState({
    loadJobId: id,
    model: { ...model, status: model.manifest ? model.status : 'loading', loadingUrl: url, pendingNotice: notice, loadProgress: undefined },
  });
}

function sendBackend(preference: BackendPreference): void {
  const id = engine().send({ type: 'setBackend', preference });
  const { backend } = useStudio.getState();
  useStudio.setState({ backendJobId: id, backend: { ...backend, preference, switching: true, error: undefined } });
}

/** Backend override (Auto / WebGPU / WASM); reloads the current model on the new backend. */
export function setBackend(preference: BackendPreference): void {
  sendBackend(preference);
}

/** Test hook: makes the worker throw so crash recovery can be exercised. */
export function crashWorkerForTest(): void {
  engine().send({ type: 'crashForTest' });
}

/** The built-in default package and its fallback; models/boot.ts picks, stores and loads them. */
export const DEFAULT_MODEL_URL = '/models/scenes/';
export const FIXTURE_MODEL_URL = '/tests/fixtures/tiny/';

/**
 * How well the loaded model's VQ reproduces `image` (PSNR of encode → decode, in the worker);
 * undefined when it could not be measured (no model, the worker restarted).
 */
export function measurePhoto(image: { width: number; height: number; data: Uint8ClampedArray }): Promise<{ psnr: number; poor: boolean } | undefined> {
  const rgba = image.data.slice().buffer;
  return ask({ type: 'vqCheck', image: { width: image.width, height: image.height, rgba } }, [rgba], (e) => (e.type === 'vqChecked' ? { psnr: e.psnr, poor: e.poor } : undefined), undefined);
}

/**
 * The words of `prompt` the loaded model's tokenizer maps to `<unk>` (asked of the worker, which
 * holds the tokenizer); [] when there are none, no model is loaded or the worker restarted.
 */
export function unreadableWords(prompt: string): Promise<string[]> {
  return ask({ type: 'unknownWords', prompt }, [], (e) => (e.type === 'unknownWords' ? e.words : undefined), []);
}

/**
 * Sends one request whose answer is read here rather than through the store: resolves with
 * `answer(event)` for the first of its events that gives one, or `otherwise` when the job ends
 * with an error or is cancelled (no model, the worker restarted).
 */
function ask<T>(request: RequestWithoutId, transfer: Transferable[], answer: (e: WorkerEvent) => T | undefined, otherwise: T): Promise<T> {
  const c = engine();
  return new Promise((resolve) => {
    let id = '';
    const stop = c.onEvent((e) => {
      if (!('jobId' in e) || e.jobId !== id) return;
      const value = answer(e);
      if (value !== undefined) resolve(value);
      else if (e.type === 'error' || e.type === 'cancelled') resolve(otherwise);
      else return;
      stop();
    });
    id = c.send(request, transfer);
  });
}
