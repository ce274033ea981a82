import { useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { availability, generate } from '../commands';
import { RunBar } from './RunBar';

/** Generate and Cancel, with the reason Generate is disabled and the queue-of-one note. */
export function GenerateBar() {
  const avail = availability(useForm(), useStudio());
  return (
    <RunBar
      label="Generate"
      canRun={avail.canGenerate}
      reason={avail.reason}
      willQueue={avail.willQueue}
      onRun={generate}
      noteTestId="generate-note"
    />
  );
}
