import { useId, useRef, useState, type DragEvent } from 'react';
import { addFromUrl, allowOriginAndReload, cancelAsk, forbidOrigin } from './actions';
import { openFolder } from './hubActions';
import { folderFromDrop, folderFromFileList, hasDirectoryPicker, pickDirectory } from './folder';
import { useModels } from './useModels';
import { buttonClass, inputClass } from '../components/ui';

/** Asks before a model site is added to the page's Content-Security-Policy. */
function AllowSite() {
  const ask = useModels((s) => s.askOrigin);
  if (!ask) return null;
  return (
    <div role="alertdialog" aria-label="Allow model site" className="flex flex-col gap-2 rounded-md border border-amber-500/40 bg-amber-500/10 p-2 text-xs text-amber-100">
      {ask.canApply ? (
        <p>
          Allow downloading models from <strong className="font-mono">{ask.origin}</strong>? The studio only fetches package
          files from it; your prompts and images are never sent. The page reloads once to apply this.
        </p>
      ) : (
        <p>
          Models from other sites need the studio&apos;s service worker, which this browser does not offer here. Serve the
          package from this site instead.
        </p>
      )}
      <div className="flex gap-2">
        {ask.canApply && (
          <button type="button" className={buttonClass} onClick={() => void allowOriginAndReload()}>
            Allow and reload
          </button>
        )}
        <button type="button" className={buttonClass} onClick={cancelAsk}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Add a package: from a URL (downloaded, verified, stored) or from a local folder. */
export function AddModel() {
  const [url, setUrl] = useState('');
  const [dragging, setDragging] = useState(false);
  const busy = useModels((s) => s.download?.status === 'running');
  const allowed = useModels((s) => s.allowedOrigins);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const submit = () => {
    if (url.trim()) void addFromUrl(url);
  };
  const chooseFolder = async () => {
    if (!hasDirectoryPicker()) {
      input.current?.click();
      return;
    }
    try {
      const folder = await pickDirectory();
      if (folder) await openFolder(folder);
    } catch (e) {
      useModels.setState({ info: `Could not read the folder: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
  const onDrop = (e: DragEvent) => {
    // Taken here, so the gallery's page-wide PNG drop leaves it alone (it skips handled drops).
    e.preventDefault();
    setDragging(false);
    const reading = folderFromDrop(e.dataTransfer);
    if (!reading) {
      useModels.setState({
        download: {
          label: 'the drop',
          files: [],
          status: 'failed',
          resumable: false,
          error: 'Could not load the drop: it holds no folder. Drop the model package folder itself (the one holding manifest.json), or a diffusers snapshot folder (model_index.json).',
        },
      });
      return;
    }
    void reading.then(openFolder).catch((err: unknown) => useModels.setState({ info: `Could not read the dropped folder: ${String(err)}` }));
  };
  return (
    <div className="flex flex-col gap-2">
      <div className="flex gap-2">
        <label htmlFor={`${id}-url`} className="sr-only">
          Model package URL
        </label>
        <input
          id={`${id}-url`}
          className={`${inputClass} py-1.5 font-mono text-xs`}
          placeholder="https://…/package/"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="button" className={buttonClass} disabled={!url.trim() || busy} onClick={submit}>
          Load
        </button>
      </div>
      <AllowSite />
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="model-drop"
        className={`flex items-center gap-2 rounded-md border border-dashed px-2 py-2 text-xs ${dragging ? 'border-violet-400 bg-violet-500/10' : 'border-zinc-700'} text-zinc-400`}
      >
        <button type="button" className={buttonClass} disabled={busy} onClick={() => void chooseFolder()}>
          Add folder…
        </button>
        <span>or drop a package or diffusers snapshot folder here</span>
        <input
          ref={input}
          type="file"
          aria-label="Model package folder"
          className="hidden"
          // @ts-expect-error webkitdirectory is not in React's types; every current browser supports it
          webkitdirectory=""
          multiple
          onChange={(e) => {
            const files = e.target.files;
            if (files && files.length > 0) void openFolder(folderFromFileList(files));
            e.target.value = '';
          }}
        />
      </div>
      {allowed.length > 0 && (
        <div className="text-[11px] text-zinc-400">
          Model sites allowed:{' '}
          {allowed.map((o) => (
            <span key={o} className="mr-2 inline-flex items-center gap-1 font-mono">
              {o}
              <button type="button" className="text-zinc-400 underline hover:text-zinc-200" aria-label={`Remove ${o}`} onClick={() => void forbidOrigin(o)}>
                remove
              </button>
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
