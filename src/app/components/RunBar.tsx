import { useId } from 'react';
import { cancel } from '../commands';
import { useStudio } from '../store/studio';
import { Kbd, modKey } from './ui';

export interface RunBarProps {
  /** The action's name on its button: "Generate" or "Edit". */
  label: string;
  /** Whether the action can start now (or be queued behind the running job). */
  canRun: boolean;
  /** Why it cannot, shown under the buttons in amber. */
  reason: string | undefined;
  /** True when starting now would queue behind a running job. */
  willQueue: boolean;
  onRun: () => void;
  /** Test id of the note line, so each bar's note can be found on a page that shows both. */
  noteTestId: string;
}

/**
 * The run button (Mod+Enter) with Cancel (Esc), and one line under them saying why the action is
 * disabled or that it will queue. Generate and Edit share it so both behave the same.
 */
export function RunBar({ label, canRun, reason, willQueue, onRun, noteTestId }: RunBarProps) {
  const studio = useStudio();
  const id = useId();
  const note = !canRun
    ? reason
    : willQueue
      ? `An image job is running: ${label} now queues one more (the queue holds one).`
      : undefined;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex gap-2">
        <button
          type="button"
          className="inline-flex flex-1 items-center justify-center gap-2 rounded-md bg-violet-600 px-4 py-2.5 text-sm font-semibold text-white shadow hover:bg-violet-500 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-300 disabled:cursor-not-allowed disabled:bg-zinc-700 disabled:text-zinc-400"
          disabled={!canRun}
          aria-describedby={note ? `${id}-note` : undefined}
          aria-keyshortcuts="Control+Enter Meta+Enter"
          title={`${label} (${modKey}+Enter)`}
          onClick={onRun}
        >
          {label}
          <span aria-hidden className="flex gap-0.5">
            <Kbd>{modKey}</Kbd>
            <Kbd>↵</Kbd>
          </span>
        </button>
        <button
          type="button"
          className="inline-flex items-center gap-2 rounded-md border border-zinc-700 px-3 py-2.5 text-sm text-zinc-200 hover:bg-zinc-800 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 disabled:cursor-not-allowed disabled:opacity-40"
          disabled={studio.job === undefined}
          aria-keyshortcuts="Escape"
          title="Cancel the running job (Esc)"
          onClick={cancel}
        >
          Cancel
          <span aria-hidden>
            <Kbd>Esc</Kbd>
          </span>
        </button>
      </div>
      {note && (
        <p id={`${id}-note`} data-testid={noteTestId} className={`text-xs ${canRun ? 'text-zinc-400' : 'text-amber-300'}`}>
          {note}
        </p>
      )}
      {studio.queued && <p className="text-xs text-violet-300">1 job queued.</p>}
    </div>
  );
}
