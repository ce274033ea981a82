import { useState } from 'react';
import { Gallery, PngDropOverlay, usePngDrop } from '../../gallery';
import type { GenerationParams } from '../../engine/png';
import { recallParams } from '../galleryLink';
import { formActions } from '../store/form';

/** The gallery panel plus "drop a PNG anywhere to reuse its settings". */
export function GallerySection() {
  const [note, setNote] = useState<{ tone: 'info' | 'error'; text: string }>();
  const recall = (params: GenerationParams, from: string) => {
    const mismatch = recallParams(params);
    // Confirmed beside the prompt, which the recall just changed (and scrolls into view).
    formActions.setRecallNote(`Settings recalled from ${from}: seed ${params.seed}.${mismatch ? ` ${mismatch}` : ''}`);
    setNote(undefined);
  };
  const { dragging } = usePngDrop(
    (p) => recall(p, 'the dropped PNG'),
    (message) => setNote({ tone: 'error', text: message }),
  );
  return (
    <div className="flex flex-col gap-2">
      {note && (
        <p
          role={note.tone === 'error' ? 'alert' : 'status'}
          className={`text-xs ${note.tone === 'error' ? 'text-rose-400' : 'text-sky-300'}`}
        >
          {note.text}
        </p>
      )}
      <Gallery onRecall={(p) => recall(p, 'the gallery')} className="rounded-xl border border-zinc-800 bg-zinc-900/30 p-4" />
      <PngDropOverlay visible={dragging} />
    </div>
  );
}
