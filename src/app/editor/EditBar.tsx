import { RunBar } from '../components/RunBar';
import { useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { editAvailability, startEdit } from './commands';
import { useEditor } from './store';

/** Edit and Cancel, with the reason Edit is disabled (e.g. the empty mask) and the queue note. */
export function EditBar() {
  const avail = editAvailability(useForm(), useStudio(), useEditor());
  return (
    <RunBar label="Edit" canRun={avail.canEdit} reason={avail.reason} willQueue={avail.willQueue} onRun={startEdit} noteTestId="edit-note" />
  );
}
