import { useStudio, type Job } from '../store/studio';
import { InlineError } from '../components/ui';
import { JobProgress } from '../components/JobProgress';
import { RgbaCanvas } from '../components/RgbaCanvas';
import { EditCanvas } from './canvas/EditCanvas';
import { modelSize } from './commands';
import type { SizeChoice } from './image/size';
import { planSize } from './image/size';
import { MaskToolbar } from './MaskToolbar';
import { OpenImageButton } from './OpenImageButton';
import { StagedResult } from './StagedResult';
import { editorActions, useEditor } from './store';
import { useImageIntake } from './useImageIntake';
import { useEditorShortcuts } from './useEditorShortcuts';
import { PhotoFidelityNote } from './PhotoFidelityNote';

function EditProgress({ job }: { job: Job }) {
  const preview = job.previews?.[0];
  return (
    <div className="flex items-center gap-3">
      {preview && <RgbaCanvas image={preview} label="Preview of the window being edited" className="!w-16 shrink-0 opacity-80" />}
      <div className="flex flex-1 flex-col gap-1.5">
        <JobProgress
          job={job}
          label="Edit"
          queuedText="Waiting for the running job…"
          extra={job.window && job.window.count > 1 && <span className="text-zinc-400"> · window {job.window.index}/{job.window.count}</span>}
        />
      </div>
    </div>
  );
}

/** "Keep original size / Fit to the model / Crop to the model", with the sizes each gives. */
function SizeSelect() {
  const source = useEditor((s) => s.source);
  const sizing = useEditor((s) => s.sizing);
  const manifest = useStudio((s) => s.model.manifest);
  const model = modelSize(manifest);
  if (!source) return null;
  const label = (c: SizeChoice) => {
    if (!model && c !== 'original') return '(needs the model)';
    const p = planSize(c, source.image, model ?? source.image);
    return `${p.width}×${p.height}`;
  };
  return (
    <label className="flex items-center gap-2 text-xs text-zinc-400">
      Size
      <select
        aria-label="Image size"
        className="rounded-md border border-zinc-700 bg-zinc-900 px-2 py-1 text-xs text-zinc-100 focus:outline-none focus:ring-2 focus:ring-violet-400"
        value={sizing}
        onChange={(e) => model && editorActions.setSizing(e.target.value as SizeChoice, model)}
      >
        <option value="original">Keep original size ({label('original')})</option>
        <option value="fit" disabled={!model}>
          Fit to the model ({label('fit')})
        </option>
        <option value="crop" disabled={!model}>
          Crop to the model ({label('crop')})
        </option>
      </select>
    </label>
  );
}

/** The Edit mode's stage: open a photo, paint its mask, watch the edit, compare and accept. */
export function EditorPanel() {
  const photo = useEditor((s) => s.photo);
  const notices = useEditor((s) => s.notices);
  const openError = useEditor((s) => s.openError);
  const staged = useEditor((s) => s.staged);
  const note = useEditor((s) => s.note);
  const job = useStudio((s) => s.job);
  const queued = useStudio((s) => s.queued);
  const jobError = useStudio((s) => s.jobError);
  const jobNote = useStudio((s) => s.jobNote);
  const editJob = job?.kind === 'edit' ? job : queued?.kind === 'edit' ? queued : undefined;
  const { dragging } = useImageIntake();
  useEditorShortcuts();
  return (
    <section aria-label="Editor" className="flex flex-col gap-3 rounded-xl border border-zinc-800 bg-zinc-900/30 p-4">
      <div className="flex flex-wrap items-center gap-3">
        <OpenImageButton />
        <SizeSelect />
        {photo && (
          <p className="min-w-0 truncate text-xs text-zinc-400" data-testid="photo-info">
            <span className="text-zinc-200">{photo.name}</span> · {photo.image.width}×{photo.image.height} px
          </p>
        )}
      </div>
      {openError && (
        <div className="flex items-start gap-2">
          <InlineError>{openError}</InlineError>
          <button type="button" className="text-xs text-zinc-400 underline hover:text-zinc-200" onClick={editorActions.dismissOpenError}>
            Dismiss
          </button>
        </div>
      )}
      {notices.map((n) => (
        <p key={n} role="note" className="rounded-md border border-sky-500/30 bg-sky-500/10 px-2 py-1 text-xs text-sky-200">
          {n}
        </p>
      ))}
      {photo && <PhotoFidelityNote />}
      {editJob && <EditProgress job={editJob} />}
      {jobError && !job && <InlineError>{jobError}</InlineError>}
      {!job && jobNote && (
        <p role="status" className="text-xs text-zinc-400">
          {jobNote}
        </p>
      )}
      {note && !staged && (
        <p role="status" className="text-xs text-emerald-300">
          {note}
        </p>
      )}
      {staged ? (
        <StagedResult staged={staged} />
      ) : (
        <>
          <MaskToolbar />
          <EditCanvas />
        </>
      )}
      {dragging && (
        <div
          aria-hidden
          className="pointer-events-none fixed inset-0 z-[60] flex items-center justify-center border-2 border-dashed border-violet-400 bg-zinc-950/90"
        >
          <p className="rounded-md bg-zinc-900 px-4 py-2 text-sm text-zinc-100">Drop an image to edit it</p>
        </div>
      )}
    </section>
  );
}
