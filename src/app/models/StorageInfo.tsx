import { keepOffline } from './actions';
import { formatBytes } from './install';
import { useModels } from './useModels';
import { buttonClass } from '../components/ui';

/** Storage used and available, and "Keep models offline" (persistent storage). */
export function StorageInfo() {
  const storage = useModels((s) => s.storage);
  const persisted = useModels((s) => s.persisted);
  const note = useModels((s) => s.persistNote);
  return (
    <div className="flex flex-col gap-1.5 text-xs text-zinc-400" aria-label="Storage" role="group">
      {storage && (
        <p data-testid="storage-estimate">
          Storage: {formatBytes(storage.usage)} used of {formatBytes(storage.quota)} available to this site
        </p>
      )}
      <div className="flex items-center gap-2">
        <button type="button" className={buttonClass} disabled={persisted === true} onClick={() => void keepOffline()}>
          Keep models offline
        </button>
        {persisted === true && !note && <span className="text-emerald-400">Storage is persistent.</span>}
      </div>
      {note && (
        <p role="status" aria-label="Persistent storage" className={persisted ? 'text-emerald-400' : 'text-amber-300'}>
          {note}
        </p>
      )}
    </div>
  );
}
