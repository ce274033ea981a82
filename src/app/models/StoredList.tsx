import { useStudio } from '../store/studio';
import { checkModelFiles, deleteModel, switchModel } from './actions';
import { formatBytes } from './install';
import { storedUrl } from '../../storage/layout';
import type { StoredPackage } from './store';
import { useModels } from './useModels';
import { buttonClass } from '../components/ui';

function originText(p: StoredPackage): string {
  switch (p.origin.kind) {
    case 'embedded':
      return 'built in';
    case 'url':
      return p.origin.url;
    case 'folder':
      return `folder "${p.origin.name}"`;
    case 'hub':
      return `Hugging Face ${p.origin.id}${p.origin.commit ? ` (commit ${p.origin.commit.slice(0, 7)})` : ''}`;
  }
}

/** Stored packages with their sizes: switch to one, check its files again, or delete it. */
export function StoredList() {
  const packages = useModels((s) => s.packages);
  const builtInId = useModels((s) => s.builtInId);
  const current = useStudio((s) => s.model.url);
  const loading = useStudio((s) => s.model.loadingUrl);
  const checking = useModels((s) => s.checking);
  if (packages.length === 0) return null;
  return (
    <ul aria-label="Stored models" className="flex flex-col divide-y divide-zinc-800 rounded-md border border-zinc-800">
      {packages.map((p) => {
        const inUse = current === storedUrl(p.id);
        return (
          <li key={p.id} aria-label={p.displayName} className="flex items-center gap-2 px-2 py-1.5 text-xs">
            <div className="min-w-0 flex-1">
              <p className="truncate text-zinc-200">
                {p.displayName}
                {inUse && <span className="ml-2 text-emerald-400">in use</span>}
              </p>
              <p className="truncate text-zinc-400" title={originText(p)}>
                {formatBytes(p.bytes)} · {originText(p)}
                {p.license && ` · licence: ${p.license}`}
              </p>
            </div>
            {!inUse && (
              <button type="button" className={buttonClass} disabled={loading !== undefined} onClick={() => switchModel(p.id)}>
                Use
              </button>
            )}
            <button
              type="button"
              className={buttonClass}
              aria-label={`Check files of ${p.displayName}`}
              title="Hash every file again and compare it with the package's manifest"
              disabled={checking !== undefined}
              onClick={() => void checkModelFiles(p.id)}
            >
              {checking?.id === p.id ? `Checking ${checking.done}/${checking.total || '…'}` : 'Check files'}
            </button>
            {p.id !== builtInId && (
              <button
                type="button"
                className={buttonClass}
                aria-label={`Delete ${p.displayName}`}
                onClick={() => void deleteModel(p.id)}
              >
                Delete
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
