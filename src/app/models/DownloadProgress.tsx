import { formatBytes, type FileProgress } from './install';
import { cancelDownload, dismissDownload, resumeDownload } from './actions';
import type { DownloadState } from './useModels';
import { useStudio } from '../store/studio';
import { buttonClass, InlineError } from '../components/ui';

const stateText: Record<FileProgress['state'], string> = {
  waiting: 'waiting',
  reading: 'downloading',
  verifying: 'checking sha256',
  stored: 'verified',
  failed: 'failed',
};

function Bar({ label, value, max, tone }: { label: string; value: number; max: number; tone: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      className="h-1.5 w-full overflow-hidden rounded bg-zinc-800"
    >
      <div className={`h-full ${tone} transition-[width]`} style={{ width: `${pct}%` }} />
    </div>
  );
}

/** The download (or folder read) in progress: one bar per file with its size, then the total. */
export function DownloadProgress({ download }: { download: DownloadState }) {
  const total = download.files.reduce((n, f) => n + f.bytes, 0);
  const received = download.files.reduce((n, f) => n + Math.min(f.received, f.bytes), 0);
  const running = download.status === 'running';
  const current = useStudio((s) => s.model.manifest?.displayName);
  return (
    <div aria-label="Model download" role="group" className="flex flex-col gap-2 rounded-md border border-zinc-800 bg-zinc-900/40 p-2">
      <p className="text-xs text-zinc-300">
        {running ? 'Adding' : 'Stopped'} {download.displayName ?? download.label}
        {total > 0 && (
          <span className="text-zinc-400">
            {' '}
            · {formatBytes(received)} of {formatBytes(total)}
          </span>
        )}
      </p>
      {total > 0 && <Bar label="Total" value={received} max={total} tone="bg-violet-500" />}
      {download.files.length > 0 && (
        <ul aria-label="Files" className="flex max-h-48 flex-col gap-1.5 overflow-auto pr-1">
          {download.files.map((f) => (
            <li key={f.path} aria-label={f.path} className="flex flex-col gap-0.5" data-state={f.state}>
              <div className="flex justify-between gap-2 font-mono text-[11px] text-zinc-400">
                <span className="truncate" title={f.path}>
                  {f.path}
                </span>
                <span className="shrink-0 text-zinc-400">
                  {formatBytes(Math.min(f.received, f.bytes))} / {formatBytes(f.bytes)} · {stateText[f.state]}
                </span>
              </div>
              <Bar
                label={f.path}
                value={Math.min(f.received, f.bytes)}
                max={f.bytes}
                tone={f.state === 'failed' ? 'bg-rose-500' : f.state === 'stored' ? 'bg-emerald-500' : 'bg-violet-400'}
              />
            </li>
          ))}
        </ul>
      )}
      {download.error && (
        // Hashes are long unbroken words: let them wrap anywhere.
        <div className="[overflow-wrap:anywhere]">
          <InlineError>
            {download.error}
            {current ? ` Still using ${current}.` : ''}
          </InlineError>
        </div>
      )}
      <div className="flex gap-2">
        {running && (
          <button type="button" className={buttonClass} onClick={cancelDownload}>
            Cancel download
          </button>
        )}
        {!running && download.resumable && (
          <button type="button" className={buttonClass} onClick={() => void resumeDownload()}>
            Resume
          </button>
        )}
        {!running && (
          // A resumable download has saved files: closing it deletes them, and says so.
          <button type="button" className={buttonClass} onClick={() => void dismissDownload()}>
            {download.resumeId ? 'Discard' : 'Dismiss'}
          </button>
        )}
      </div>
    </div>
  );
}
