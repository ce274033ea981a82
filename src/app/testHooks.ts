/**
 * Hooks for the Playwright tests, installed only with `?testHooks` in the URL:
 * `window.__muse.lastResult` (tokens, seed, backend, timings of the last generation) and
 * `window.__muse.crashWorker()` (makes the worker throw, to exercise crash recovery).
 */
import { onGenerationResult, type GenerationResult } from './store/studio';
import { editorTestHooks, type EditorTestHooks } from './editor/testHooks';

export interface MuseTestHooks {
  lastResult?: {
    seed: number;
    prompt: string;
    backend: string;
    tokens: { base: number[][]; superRes?: number[][] };
    timings: Record<string, number>;
    ms: number;
  };
  results: number;
  crashWorker(): void;
  /** The editor's mask, photo and staged result (src/app/editor/testHooks.ts). */
  editor: EditorTestHooks;
}

declare global {
  interface Window {
    __muse?: MuseTestHooks;
  }
}

export function installTestHooks(crashWorker: () => void): void {
  const hooks: MuseTestHooks = { results: 0, crashWorker, editor: editorTestHooks() };
  window.__muse = hooks;
  onGenerationResult((r: GenerationResult) => {
    hooks.results++;
    hooks.lastResult = {
      seed: r.params.seed,
      prompt: r.params.prompt,
      backend: r.backend,
      tokens: { base: r.tokens.base.map((t) => [...t]), superRes: r.tokens.superRes?.map((t) => [...t]) },
      timings: r.timings,
      ms: r.ms,
    };
  });
}
