/** Messages between the bench page and its worker (bench-only, not the app's protocol). */
import type { BackendResult, CachedVisit, RunnerConfig, StartPath } from '../shared/types';

export type Backend = 'wasm' | 'webgpu';

export type ToWorker =
  | { type: 'run'; backend: Backend; pkgUrl: string; cfg: RunnerConfig; againstUrl?: string }
  | { type: 'load'; backend: Backend; pkgUrl: string }
  | { type: 'visit'; backend: Backend; pkgUrl: string; path: StartPath; sessionOptions?: Record<string, unknown> }
  | { type: 'markDone' };

export type FromWorker =
  | { type: 'log'; line: string }
  | { type: 'mark'; phase: string }
  | { type: 'result'; result: BackendResult }
  | { type: 'loaded'; ms: number }
  | { type: 'visited'; visit: CachedVisit }
  | { type: 'error'; message: string };
