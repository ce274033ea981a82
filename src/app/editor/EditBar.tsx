import { useId } from 'react';
import { cancel } from '../commands';
import { Kbd, modKey } from '../components/ui';
import { useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { editAvailability, startEdit } from './commands';
import { useEditor } from './store';

/** Edit and Cancel, with the reason Edit is disabled (e.g. the empty mask) and the queue note. */
export function EditBar() {
  const form = useForm();
  const studio = useStudio();
  const editor = useEditor();
  const avail = editAvailability(form, studio, editor);
  const id = useId();
  const note = !avail.canEdit
    ? avail.reason
    : avail.willQueue
      ? 'An image job is running: Edit now queues one more (the queue holds one).'
      : undefined;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex gap-2">
        <button
          type="button"
          className="inline-flex flex-1 items-center justify-center gap-2 rounded-md bg-violet-600 px-4 py-2.5 text-sm font-semibold text-white shadow hover:bg-violet-500 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-300 disabled:cursor-not-allowed disabled:bg-zinc-700 disabled:text-zinc-400"
          disabled={!avail.canEdit}
          aria-describedby={note ? `${id}-note` : undefined}
          aria-keyshortcuts="Control+Enter Meta+Enter"
          title={`Edit (${modKey}+Enter)`}
          onClick={startEdit}
        >
          Edit
          <span aria-hidden className="flex gap-0.5">
            <Kbd>{modKey}</Kbd>
            <Kbd>↵</Kbd>
          </span>
        </button>
        <button
          type="button"
          className="inline-flex items-center gap-2 rounded-md border border-zinc-700 px-3 py-2.5 text-sm text-zinc-200 hover:bg-zinc-800 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 disabled:cursor-not-allowed disabled:opacity-40"
          disabled={!studio.job}
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
        <p id={`${id}-note`} data-testid="edit-note" className={`text-xs ${avail.canEdit ? 'text-zinc-400' : 'text-amber-300'}`}>
          {note}
        </p>
      )}
      {studio.queued && <p className="text-xs text-violet-300">1 job queued.</p>}
    </div>
  );
}
