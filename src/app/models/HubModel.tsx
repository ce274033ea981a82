import { useId, useState, type KeyboardEvent } from 'react';
import { useStudio } from '../store/studio';
import { checkHubModel, dismissHub, downloadHubModel, switchVariant } from './hubActions';
import { hubHasRoom, hubSummaryLines } from './hubSummary';
import { hubToken, hubTokenRemembered, setHubToken } from './hubToken';
import { useModels } from './useModels';
import { buttonClass, InlineError, inputClass } from '../components/ui';

/**
 * What the looked-up model (or the opened snapshot folder) is, before anything large is read,
 * with Download / Cancel. Exported: the Model panel shows it for folders too.
 */
export function HubSummaryCard() {
  const hub = useModels((s) => s.hub);
  const backend = useStudio((s) => s.backend.active);
  const shaderF16 = useStudio((s) => s.backend.shaderF16 === true);
  const busy = useModels((s) => s.download?.status === 'running');
  if (!hub) return null;
  const folder = hub.from === 'folder';
  const what = folder ? 'Diffusers folder' : 'Hugging Face';
  if (hub.status === 'checking') {
    return (
      <p role="status" aria-label={`${what} lookup`} className="text-xs text-zinc-400">
        {folder ? `Reading the folder "${hub.id}"…` : `Looking up ${hub.id} on Hugging Face…`}
      </p>
    );
  }
  if (hub.status === 'failed' || !hub.summary) {
    return (
      <div aria-label={`${what} lookup`} className="flex items-start gap-2">
        <InlineError>{hub.error}</InlineError>
        <button type="button" className={buttonClass} onClick={dismissHub}>
          Dismiss
        </button>
      </div>
    );
  }
  const s = hub.summary;
  const room = hubHasRoom(s);
  return (
    <div role="group" aria-label={`${folder ? 'Diffusers folder' : 'Hugging Face model'} summary`} className="flex flex-col gap-2 rounded-md border border-zinc-700 p-2 text-xs">
      <p className="text-zinc-200">
        {s.displayName}
        {s.from === 'hub' && s.commit && <span className="ml-2 font-mono text-zinc-400">{s.commit.slice(0, 10)}</span>}
      </p>
      <dl className="grid grid-cols-[auto_1fr] gap-x-2 gap-y-1">
        {hubSummaryLines(s, backend, shaderF16).map((l) => (
          <div key={l.label} className="contents">
            <dt className="text-zinc-400">{l.label}</dt>
            <dd data-label={l.label} className={l.warn ? 'text-amber-300' : 'text-zinc-200'}>
              {l.text}
            </dd>
          </div>
        ))}
      </dl>
      <div className="flex flex-wrap gap-2">
        <button type="button" className={buttonClass} disabled={busy || !room} onClick={() => void downloadHubModel()}>
          {folder ? 'Add and use' : 'Download and use'}
        </button>
        {s.otherVariant && (
          <button type="button" className={buttonClass} disabled={busy} onClick={switchVariant}>
            {s.variant === 'fp16' ? 'Use the fp32 files instead' : `Use the fp16 files instead (half the ${folder ? 'size' : 'download'})`}
          </button>
        )}
        <button type="button" className={buttonClass} onClick={dismissHub}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** "Hugging Face model": an id (and optional revision) looked up, summarised, then downloaded. */
export function HubModel() {
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('');
  const [token, setToken] = useState(hubToken);
  const [remember, setRemember] = useState(hubTokenRemembered);
  const checking = useModels((s) => s.hub?.status === 'checking');
  const busy = useModels((s) => s.download?.status === 'running');
  const id = useId();
  const submit = () => {
    if (!repo.trim()) return;
    setHubToken(token, remember);
    void checkHubModel(repo, revision);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <div className="flex flex-col gap-2">
      <div className="flex gap-2">
        <label htmlFor={`${id}-repo`} className="sr-only">
          Hugging Face model
        </label>
        <input
          id={`${id}-repo`}
          className={`${inputClass} py-1.5 font-mono text-xs`}
          placeholder="Hugging Face: amused/amused-256"
          value={repo}
          onChange={(e) => setRepo(e.target.value)}
          onKeyDown={onKey}
        />
        <label htmlFor={`${id}-rev`} className="sr-only">
          Revision
        </label>
        <input
          id={`${id}-rev`}
          className={`${inputClass} w-24 py-1.5 font-mono text-xs`}
          placeholder="main"
          value={revision}
          onChange={(e) => setRevision(e.target.value)}
          onKeyDown={onKey}
        />
        <button type="button" className={buttonClass} disabled={!repo.trim() || checking || busy} onClick={submit}>
          Look up
        </button>
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-400">
        <label htmlFor={`${id}-token`}>Token (gated or private repos, optional)</label>
        <input
          id={`${id}-token`}
          type="password"
          autoComplete="off"
          className={`${inputClass} w-48 py-1 font-mono text-xs`}
          placeholder="hf_…"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          onKeyDown={onKey}
        />
        <label className="flex items-center gap-1">
          <input
            type="checkbox"
            checked={remember}
            onChange={(e) => {
              setRemember(e.target.checked);
              setHubToken(token, e.target.checked);
            }}
          />
          remember on this device
        </label>
      </div>
      <HubSummaryCard />
    </div>
  );
}
