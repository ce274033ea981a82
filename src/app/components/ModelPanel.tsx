import { useId, useState } from 'react';
import { useStudio } from '../store/studio';
import { loadModel } from '../commands';
import { buttonClass, inputClass, InlineError, SectionTitle } from './ui';

/** Ends a message with a full stop so another sentence can follow. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/** The loaded model, its status, and a field to load another package by URL. */
export function ModelPanel() {
  const model = useStudio((s) => s.model);
  const [url, setUrl] = useState('');
  const id = useId();
  const m = model.manifest;
  const submit = () => {
    const u = url.trim();
    if (u) loadModel(u);
  };
  return (
    <section aria-label="Model" className="flex flex-col gap-2 border-t border-zinc-800 pt-4">
      <SectionTitle>Model</SectionTitle>
      {m ? (
        <div className="text-sm">
          <p className="text-zinc-200">{m.displayName}</p>
          <p className="text-xs text-zinc-500">
            {m.stages.superRes
              ? `${m.stages.superRes.imageSize[1]}×${m.stages.superRes.imageSize[0]} px`
              : `${m.stages.base.imageSize[1]}×${m.stages.base.imageSize[0]} px`}
            {' · '}
            {model.url}
            {model.loadMs !== undefined && ` · loaded in ${(model.loadMs / 1000).toFixed(1)} s`}
          </p>
        </div>
      ) : (
        <p className="text-sm text-zinc-400">{model.status === 'error' ? 'No model loaded.' : 'Loading…'}</p>
      )}
      {model.loadError && (
        <InlineError>
          Could not load {model.failedUrl}: {sentence(model.loadError)}
          {m ? ` Still using ${m.displayName}.` : ''}
        </InlineError>
      )}
      <div className="flex gap-2">
        <label htmlFor={`${id}-url`} className="sr-only">
          Model package URL
        </label>
        <input
          id={`${id}-url`}
          className={`${inputClass} py-1.5 font-mono text-xs`}
          placeholder="/models/scenes/"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="button" className={buttonClass} disabled={!url.trim() || model.loadingUrl !== undefined} onClick={submit}>
          Load
        </button>
      </div>
    </section>
  );
}
