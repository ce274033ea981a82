import { useId } from 'react';
import { useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { availability, cancel, generate } from '../commands';
import { Kbd, modKey } from './ui';

/** Generate and Cancel, with the reason Generate is disabled and the queue-of-one note. */
export function GenerateBar() {
  const form = useForm();
  const studio = useStudio();
  const avail = availability(form, studio);
  const busy = studio.job !== undefined;
  const id = useId();
  const note = !avail.canGenerate
    ? avail.reason
    : avail.willQueue
      ? 'An image job is running: Generate now queues one more (the queue holds one).'
      : undefined;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex gap-2">
        <button
          type="button"
          className="inline-flex flex-1 items-center justify-center gap-2 rounded-md bg-violet-600 px-4 py-2.5 text-sm font-semibold text-white shadow hover:bg-violet-500 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-300 disabled:cursor-not-allowed disabled:bg-zinc-700 disabled:text-zinc-400"
          disabled={!avail.canGenerate}
          aria-describedby={note ? `${id}-note` : undefined}
          aria-keyshortcuts="Control+Enter Meta+Enter"
          onClick={generate}
        >
          Generate
          <span aria-hidden className="flex gap-0.5">
            <Kbd>{modKey}</Kbd>
            <Kbd>↵</Kbd>
          </span>
        </button>
        <button
          type="button"
          className="inline-flex items-center gap-2 rounded-md border border-zinc-700 px-3 py-2.5 text-sm text-zinc-200 hover:bg-zinc-800 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 disabled:cursor-not-allowed disabled:opacity-40"
          disabled={!busy}
          aria-keyshortcuts="Escape"
          onClick={cancel}
        >
          Cancel
          <span aria-hidden>
            <Kbd>Esc</Kbd>
          </span>
        </button>
      </div>
      {note && (
        <p
          id={`${id}-note`}
          data-testid="generate-note"
          className={`text-xs ${avail.canGenerate ? 'text-zinc-400' : 'text-amber-300'}`}
        >
          {note}
        </p>
      )}
      {studio.queued && <p className="text-xs text-violet-300">1 job queued.</p>}
    </div>
  );
}
