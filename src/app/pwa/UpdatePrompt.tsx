import { applyUpdate, dismissUpdate, usePwa } from './serviceWorker';
import { buttonClass } from '../components/ui';

/** "Update available — Reload": shown when a new version of the studio is waiting. */
export function UpdatePrompt() {
  const needRefresh = usePwa((s) => s.needRefresh);
  if (!needRefresh) return null;
  return (
    <div
      role="alertdialog"
      aria-label="Update available"
      className="fixed bottom-4 right-4 z-50 flex items-center gap-3 rounded-lg border border-violet-500/40 bg-zinc-900 px-4 py-3 text-sm text-zinc-100 shadow-lg"
    >
      <span>Update available — reload to use the new version.</span>
      <button type="button" className={`${buttonClass} border-violet-500 bg-violet-600 hover:bg-violet-500`} onClick={applyUpdate}>
        Reload
      </button>
      <button type="button" className={buttonClass} onClick={dismissUpdate}>
        Later
      </button>
    </div>
  );
}
