/**
 * Engine-side state as the UI sees it: model, backend, the running and queued job, the last
 * result. It changes only through `applyEvent` (worker events) and the small setters that the
 * commands in ../commands.ts call when they send a request.
 */
import { create } from 'zustand';
import type { Manifest } from '../../engine';
import { assertNever } from '../../worker/assertNever';
import type { BackendKind, BackendPreference, EditResultEvent, QueueWait, ResultEvent, WireImage, WorkerEvent } from '../../worker/protocol';

export interface ModelState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** URL of the loaded model (kept while another one loads or fails). */
  url?: string;
  manifest?: Manifest;
  loadingUrl?: string;
  /** Message of the last failed load; the model in `manifest` (if any) is still in use. */
  loadError?: string;
  failedUrl?: string;
  /** Plain-language note about which model was chosen and why. */
  notice?: string;
  /** The notice that goes with the model being loaded; becomes `notice` once it is ready. */
  pendingNotice?: string;
  loadMs?: number;
  /** The load in progress: files read and checked so far (worker 'loadProgress'). */
  loadProgress?: { done: number; total: number };
}

export interface BackendState {
  preference: BackendPreference;
  active?: BackendKind;
  reason?: string;
  wasmThreads?: number;
  /** WebGPU on a software (CPU-emulated) adapter: its name. Minutes per image; the UI says so. */
  softwareAdapter?: string;
  /** WebGPU with shader-f16: fp16 base transformers run (the worker's `backend` event). */
  shaderF16?: boolean;
  switching: boolean;
  error?: string;
}

/** What the user asked for, kept with the job and its result (gallery, "reuse seed"). */
export interface JobParams {
  prompt: string;
  negativePrompt: string;
  seed: number;
  count: number;
  modelName: string;
  modelUrl: string;
}

export interface Job {
  id: string;
  /** Absent for generations; 'edit' for jobs started by the editor (src/app/editor). */
  kind?: 'edit';
  params: JobParams;
  status: 'queued' | 'running';
  /** While queued: what the job waits for (the worker's 'queued' event). */
  waitingFor?: QueueWait;
  stage?: string;
  overallStep: number;
  overallTotal: number;
  previews?: WireImage[];
  /** Edits: the model window the current steps belong to. */
  window?: { index: number; count: number };
  backend?: BackendKind;
  startedAt?: number;
}

/** What a job adds to the worker's answer: its id, the parameters it ran with, its wall time. */
interface JobOutcome {
  id: string;
  params: JobParams;
  /** Wall time from Generate (or from leaving the queue) to the result, in ms. */
  ms: number;
}

export type GenerationResult = Omit<ResultEvent, 'type' | 'jobId'> & JobOutcome;

/** A finished job's result: the worker's answer without its envelope, plus what the job adds. */
function outcome<E extends { type: string; jobId: string }>(e: E, job: Job): Omit<E, 'type' | 'jobId'> & JobOutcome {
  const { type: _type, jobId, ...answer } = e;
  return { ...answer, id: jobId, params: job.params, ms: performance.now() - (job.startedAt ?? performance.now()) };
}

/** A finished edit (the editor stages it; nothing is saved until the user accepts it). */
export type EditJobResult = Omit<EditResultEvent, 'type' | 'jobId'> & JobOutcome;

export interface StudioState {
  model: ModelState;
  backend: BackendState;
  loadJobId?: string;
  backendJobId?: string;
  job?: Job;
  queued?: Job;
  result?: GenerationResult;
  /** Inline message about the last job that failed (or was refused). */
  jobError?: string;
  /** Neutral note about the last job, e.g. that it was cancelled. */
  jobNote?: string;
  /** Set after the worker crashed and was restarted. */
  crashNotice?: string;
  lastSeed?: number;
}

export const useStudio = create<StudioState>()(() => ({
  model: { status: 'idle' },
  backend: { preference: 'auto', switching: false },
}));

type ResultListener = (result: GenerationResult) => void;
const resultListeners = new Set<ResultListener>();

/** Subscribes to finished generations (the gallery stores them). */
export function onGenerationResult(listener: ResultListener): () => void {
  resultListeners.add(listener);
  return () => resultListeners.delete(listener);
}

type EditResultListener = (result: EditJobResult) => void;
const editResultListeners = new Set<EditResultListener>();

/** Subscribes to finished edits (the editor stages them). */
export function onEditResult(listener: EditResultListener): () => void {
  editResultListeners.add(listener);
  return () => editResultListeners.delete(listener);
}

/** Reduces one worker event into the store. */
export function applyEvent(e: WorkerEvent): void {
  const s = useStudio.getState();
  const set = useStudio.setState;
  switch (e.type) {
    case 'loaded':
      if (e.jobId !== s.loadJobId) return;
      set({
        loadJobId: undefined,
        model: { ...s.model, status: 'ready', url: e.modelUrl, manifest: e.manifest, loadingUrl: undefined, loadProgress: undefined,
          loadError: undefined, failedUrl: undefined, loadMs: e.ms, notice: s.model.pendingNotice, pendingNotice: undefined },
      });
      return;
    case 'loadProgress':
      if (e.jobId !== s.loadJobId) return;
      set({ model: { ...s.model, loadProgress: { done: e.done, total: e.total } } });
      return;
    case 'queued': {
      if (s.job?.id === e.jobId) set({ job: { ...s.job, waitingFor: e.behind } });
      else if (s.queued?.id === e.jobId) set({ queued: { ...s.queued, waitingFor: e.behind } });
      return;
    }
    case 'started': {
      const job = s.job?.id === e.jobId ? s.job : s.queued?.id === e.jobId ? s.queued : undefined;
      if (!job) return;
      set({
        job: { ...job, status: 'running', backend: e.backend, startedAt: job.startedAt ?? performance.now() },
        queued: s.queued?.id === e.jobId ? undefined : s.queued,
        jobError: undefined,
        jobNote: undefined,
        crashNotice: undefined,
      });
      return;
    }
    case 'progress':
      if (s.job?.id !== e.jobId) return;
      set({
        job: { ...s.job, stage: e.stage, overallStep: e.overallStep, overallTotal: e.overallTotal,
          previews: e.previews ?? s.job.previews, window: e.window ?? s.job.window },
      });
      return;
    case 'result': {
      if (s.job?.id !== e.jobId) return;
      const result: GenerationResult = outcome(e, s.job);
      set({ job: undefined, result, lastSeed: s.job.params.seed });
      for (const l of resultListeners) l(result);
      return;
    }
    case 'editResult': {
      if (s.job?.id !== e.jobId) return;
      const result: EditJobResult = outcome(e, s.job);
      set({ job: undefined, lastSeed: s.job.params.seed });
      for (const l of editResultListeners) l(result);
      return;
    }
    case 'vqChecked':
    case 'unknownWords':
      // Answered to whoever asked (commands.measurePhoto, unreadableWords); nothing in the studio's state.
      return;
    case 'cancelled':
      if (s.job?.id === e.jobId) set({ job: undefined, jobNote: 'Cancelled.' });
      else if (s.queued?.id === e.jobId) set({ queued: undefined });
      return;
    case 'backendSet':
      if (e.jobId === s.backendJobId) set({ backendJobId: undefined, backend: { ...s.backend, switching: false } });
      return;
    case 'error':
      if (e.jobId === s.loadJobId) {
        const hadModel = s.model.manifest !== undefined && e.code !== 'crashed';
        set({
          loadJobId: undefined,
          model: { ...s.model, status: hadModel ? 'ready' : 'error', loadingUrl: undefined, loadProgress: undefined,
            pendingNotice: undefined, loadError: e.message, failedUrl: s.model.loadingUrl },
        });
      } else if (e.jobId === s.backendJobId) {
        set({ backendJobId: undefined, backend: { ...s.backend, switching: false, error: e.message } });
      } else if (s.job?.id === e.jobId) {
        set({ job: undefined, jobError: e.message });
      } else if (s.queued?.id === e.jobId) {
        set({ queued: undefined, jobError: e.message });
      }
      return;
    case 'backend':
      set({
        backend: { ...s.backend, active: e.active, reason: e.reason, wasmThreads: e.wasmThreads, softwareAdapter: e.softwareAdapter, shaderF16: e.shaderF16, error: undefined },
      });
      return;
    default:
      assertNever(e, 'worker event');
  }
}
