import { useStudio } from '../store/studio';
import { setBackend } from '../commands';
import { parseBackendParam } from '../backendParam';
import { useWide } from '../layout/useWide';

const names = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

/** The active backend and the override select (its notes are BackendNotes, below). */
export function BackendControl() {
  const backend = useStudio((s) => s.backend);
  const active = backend.active
    ? backend.active === 'wasm'
      ? `WASM · ${backend.wasmThreads ?? 1} thread${backend.wasmThreads === 1 ? '' : 's'}`
      : 'WebGPU'
    : '…';
  return (
    <div className="flex items-center justify-end gap-x-2 text-sm sm:gap-x-3">
      <span role="status" aria-label="Active backend" className="whitespace-nowrap text-xs text-zinc-300 sm:text-sm" data-backend={backend.active ?? ''}>
        <span className="hidden text-zinc-400 sm:inline">Running on </span>
        {backend.switching ? 'switching…' : active}
      </span>
      <label className="flex items-center gap-2 text-zinc-400">
        <span className="sr-only sm:not-sr-only">Backend</span>
        <select
          className="w-[5.25rem] rounded-md border border-zinc-700 bg-zinc-900 px-1.5 py-1 text-xs text-zinc-100 sm:w-auto sm:px-2 sm:text-sm focus:outline-none focus:ring-2 focus:ring-violet-400"
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
    </div>
  );
}

/**
 * What the user should know about the backend: WebGPU on a slow software adapter (with the way
 * back), why WASM was chosen, or what failed. Nothing when all is as asked.
 */
export function BackendNotes({ className = '' }: { className?: string }) {
  const backend = useStudio((s) => s.backend);
  const wide = useWide();
  const slow = backend.active === 'webgpu' && backend.softwareAdapter !== undefined && !backend.switching;
  const why = backend.reason || backend.error;
  if (!slow && !why) return null;
  return (
    <>
      {slow && <SlowAdapterNote adapter={backend.softwareAdapter!} className={`${className} w-full`} />}
      {why &&
        (wide ? (
          <p className={`${className} w-full text-right text-xs text-amber-300`} data-testid="backend-reason">
            {backend.error ?? `Using WASM: ${backend.reason}`}
          </p>
        ) : (
          // On a phone the explanation folds into a few words beside the model status, so the
          // header keeps to two lines and the prompt stays near the top.
          <details className={`${className} text-xs text-amber-300 open:w-full`} data-testid="backend-reason">
            <summary className="cursor-pointer whitespace-nowrap">{backend.error ? 'Backend problem' : 'Why WASM?'}</summary>
            {backend.error ?? `Using WASM: ${backend.reason}`}
          </details>
        ))}
    </>
  );
}

/**
 * WebGPU on a software adapter runs on the CPU, far slower than WASM (over 150 s per image where
 * WASM takes seconds). The user chose it by name, so it stays, but this says so for as long as it
 * is active and offers the way back in one click.
 */
function SlowAdapterNote({ adapter, className }: { adapter: string; className: string }) {
  return (
    <p
      role="note"
      aria-label="Slow backend"
      className={`${className} flex flex-wrap items-center justify-end gap-x-2 gap-y-1 text-right text-xs text-amber-200`}
    >
      <span>
        WebGPU here is a software adapter ({adapter}) that runs on the CPU: expect minutes per image, far slower than
        WASM.
      </span>
      <button
        type="button"
        className="rounded-md border border-amber-400/50 px-2 py-0.5 text-amber-100 hover:bg-amber-500/10 focus:outline-none focus:ring-2 focus:ring-violet-400"
        onClick={() => setBackend('wasm')}
      >
        Switch to WASM
      </button>
    </p>
  );
}
