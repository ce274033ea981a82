import { useStudio } from '../store/studio';
import { setBackend } from '../commands';
import { parseBackendParam } from '../backendParam';
import { useWide } from '../layout/useWide';

const names = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

/** Shows the active backend (and why it is not the preferred one) with the override select. */
export function BackendControl() {
  const backend = useStudio((s) => s.backend);
  const wide = useWide();
  const active = backend.active
    ? backend.active === 'wasm'
      ? `WASM · ${backend.wasmThreads ?? 1} thread${backend.wasmThreads === 1 ? '' : 's'}`
      : 'WebGPU'
    : '…';
  return (
    <div className="flex flex-wrap items-center justify-end gap-x-3 gap-y-1 text-sm">
      <span role="status" aria-label="Active backend" className="text-zinc-300" data-backend={backend.active ?? ''}>
        <span className="text-zinc-400">Running on </span>
        {backend.switching ? 'switching…' : active}
      </span>
      <label className="flex items-center gap-2 text-zinc-400">
        Backend
        <select
          className="rounded-md border border-zinc-700 bg-zinc-900 px-2 py-1 text-zinc-100 focus:outline-none focus:ring-2 focus:ring-violet-400"
          value={backend.preference}
          onChange={(e) => {
            const pref = parseBackendParam(e.target.value);
            if (pref) setBackend(pref);
          }}
        >
          <option value="auto">Auto</option>
          <option value="webgpu">{names.webgpu}</option>
          <option value="wasm">{names.wasm}</option>
        </select>
      </label>
      {(backend.reason || backend.error) &&
        (wide ? (
          <p className="w-full text-right text-xs text-amber-300" data-testid="backend-reason">
            {backend.error ?? `Using WASM: ${backend.reason}`}
          </p>
        ) : (
          // On a phone the explanation folds into one line, so the prompt stays near the top.
          <details className="w-full text-right text-xs text-amber-300" data-testid="backend-reason">
            <summary className="cursor-pointer">{backend.error ? 'Backend problem' : 'Why WASM?'}</summary>
            {backend.error ?? `Using WASM: ${backend.reason}`}
          </details>
        ))}
    </div>
  );
}
