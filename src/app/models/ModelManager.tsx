import { useEffect, useState } from 'react';
import { isWide } from '../layout/useWide';
import { useStudio } from '../store/studio';
import { storedIdOf } from '../../storage/layout';
import { dismissMissing, redownloadMissing, refreshStorage } from './actions';
import { useModels } from './useModels';
import { AddModel } from './AddModel';
import { HubModel } from './HubModel';
import { DownloadProgress } from './DownloadProgress';
import { StoredList } from './StoredList';
import { StorageInfo } from './StorageInfo';
import { buttonClass, InlineError, SectionTitle } from '../components/ui';

/** Ends a message with a full stop so another sentence can follow. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/** The loaded model in one line, and why the last load failed (the previous model stays). */
function CurrentModel() {
  const model = useStudio((s) => s.model);
  const packages = useModels((s) => s.packages);
  const m = model.manifest;
  const nameOf = (url?: string) => {
    const id = url ? storedIdOf(url) : null;
    return (id && packages.find((p) => p.id === id)?.displayName) || url;
  };
  return (
    <>
      {m ? (
        <div className="text-sm">
          <p className="text-zinc-200">{m.displayName}</p>
          <p className="text-xs text-zinc-400">
            {m.stages.superRes
              ? `${m.stages.superRes.imageSize[1]}×${m.stages.superRes.imageSize[0]} px`
              : `${m.stages.base.imageSize[1]}×${m.stages.base.imageSize[0]} px`}
            {model.url && storedIdOf(model.url) === null && ` · ${model.url}`}
            {model.loadMs !== undefined && ` · loaded in ${(model.loadMs / 1000).toFixed(1)} s`}
          </p>
        </div>
      ) : (
        <p className="text-sm text-zinc-400">{model.status === 'error' ? 'No model loaded.' : 'Loading…'}</p>
      )}
      {model.loadError && (
        <InlineError>
          {model.failedUrl ? `Could not load ${nameOf(model.failedUrl)}: ` : ''}
          {sentence(model.loadError)}
          {m ? ` Still using ${m.displayName}.` : ''}
        </InlineError>
      )}
    </>
  );
}

/** The chosen model is gone from storage: offer to fetch it again. */
function MissingModel() {
  const missing = useModels((s) => s.missing);
  if (!missing) return null;
  const url = missing.origin.kind === 'url' ? missing.origin.url : missing.origin.kind === 'hub' ? `Hugging Face (${missing.origin.id})` : undefined;
  return (
    <div role="alert" aria-label="Model missing" className="flex flex-col gap-2 rounded-md border border-amber-500/40 bg-amber-500/10 p-2 text-xs text-amber-100">
      <p>
        {missing.displayName} is no longer stored in this browser (it may have cleared storage to free space), so the built-in
        model is in use.{' '}
        {url ? `Download it again from ${url}?` : `Add the folder "${missing.origin.kind === 'folder' ? missing.origin.name : ''}" again to use it.`}
      </p>
      <div className="flex gap-2">
        {url && (
          <button type="button" className={buttonClass} onClick={() => void redownloadMissing()}>
            Download again
          </button>
        )}
        <button type="button" className={buttonClass} onClick={dismissMissing}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

/**
 * The model manager: the model in use, stored packages (switch, delete), adding one from a URL
 * or a folder with per-file progress, and storage use. Logic: actions.ts, boot.ts.
 */
export function ModelManager() {
  const download = useModels((s) => s.download);
  const info = useModels((s) => s.info);
  const unavailable = useModels((s) => s.unavailable);
  const missing = useModels((s) => s.missing);
  const loadError = useStudio((s) => s.model.loadError);
  const name = useStudio((s) => s.model.manifest?.displayName);
  // Folded on a phone so the output stays near the prompt; open on wide screens, and whenever
  // it has something the user must see (a download, a failed load, a missing model).
  const [open, setOpen] = useState(isWide);
  const mustShow = download !== undefined || loadError !== undefined || missing !== undefined;
  useEffect(() => {
    void refreshStorage();
  }, []);
  // A link to #model-panel (e.g. the photo-fidelity note) unfolds it.
  useEffect(() => {
    const onHash = () => {
      if (location.hash === '#model-panel') setOpen(true);
    };
    onHash();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return (
    <section id="model-panel" aria-label="Model" className="border-t border-zinc-800 pt-4">
      <details
        data-testid="model-panel"
        open={open || mustShow}
        onToggle={(e) => {
          // Only the user's own toggles count: React opening it for `mustShow` fires this too.
          if (e.currentTarget.open !== (open || mustShow)) setOpen(e.currentTarget.open);
        }}
        className="group"
      >
        <summary className="flex cursor-pointer list-none items-baseline gap-2 rounded focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400">
          <span aria-hidden className="text-xs text-zinc-400 transition-transform group-open:rotate-90">
            ▶
          </span>
          <SectionTitle>Model</SectionTitle>
          {!open && name && <span className="truncate text-xs text-zinc-400">{name}</span>}
        </summary>
        <div className="mt-3 flex flex-col gap-3">
          <CurrentModel />
          <MissingModel />
          <StoredList />
          {download && <DownloadProgress download={download} />}
          {info && (
            <p role="status" aria-label="Model manager" className="text-xs text-zinc-400">
              {info}
            </p>
          )}
          {unavailable ? (
            <p className="text-xs text-amber-300">Models cannot be stored here: {unavailable}</p>
          ) : (
            <>
              <AddModel />
              <HubModel />
            </>
          )}
          <StorageInfo />
        </div>
      </details>
    </section>
  );
}
