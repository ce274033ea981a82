import { useStudio } from '../store/studio';
import { useModelLabel } from '../models/useModels';

const dot: Record<string, string> = {
  idle: 'bg-zinc-500',
  loading: 'bg-amber-400 animate-pulse',
  ready: 'bg-emerald-400',
  error: 'bg-rose-500',
};

/** "Model: <name> — ready / loading / error" as a live status. */
export function ModelStatus() {
  const model = useStudio((s) => s.model);
  const loadingLabel = useModelLabel(model.loadingUrl);
  const loading = model.loadingUrl !== undefined;
  const state = loading ? 'loading' : model.status;
  const name = model.manifest?.displayName ?? loadingLabel ?? 'no model';
  const files = model.loadProgress;
  const text =
    state === 'loading'
      ? `Loading ${loadingLabel}${files ? `: ${files.done}/${files.total} files` : ''}…`
      : state === 'ready'
        ? 'Ready'
        : state === 'error'
          ? 'Failed to load'
          : 'Starting the engine…';
  return (
    <div role="status" aria-label="Model status" className="flex min-w-0 items-center gap-2 text-sm">
      <span className={`h-2 w-2 shrink-0 rounded-full ${dot[state]}`} aria-hidden />
      {/* A narrow header cuts the name before the state. */}
      <span className="shrink-[10] truncate text-zinc-300">{name}</span>
      <span className="text-zinc-400">·</span>
      <span className={`${state === 'loading' ? 'min-w-0 truncate' : 'shrink-0'} text-zinc-400`} data-model-state={state}>
        {text}
      </span>
    </div>
  );
}
