import { useEffect, useState } from 'react';
import { measurePhoto } from '../commands';
import { useStudio } from '../store/studio';
import { useEditor } from './store';

interface Measured {
  image: unknown;
  modelUrl: string;
  /** Undefined when the worker could not measure it (no model, restarted). */
  result?: { psnr: number; poor: boolean };
}

/**
 * Next to the photo: when the loaded model's VQ reproduces it poorly (engine vqRoundTrip,
 * measured in the worker for each photo and model), says that edits will look painted and
 * points to the Model panel. Says nothing while measuring or when the round trip is good.
 */
export function PhotoFidelityNote() {
  const image = useEditor((s) => s.photo?.image);
  const modelUrl = useStudio((s) => (s.model.status === 'ready' ? s.model.url : undefined));
  const [measured, setMeasured] = useState<Measured>();
  useEffect(() => {
    if (!image || !modelUrl) return;
    let live = true;
    void measurePhoto(image).then((r) => {
      if (live) setMeasured({ image, modelUrl, result: r });
    });
    return () => {
      live = false;
    };
  }, [image, modelUrl]);
  const current = measured && measured.image === image && measured.modelUrl === modelUrl ? measured : undefined;
  const state = !current ? 'measuring' : !current.result ? 'unmeasured' : current.result.poor ? 'poor' : 'good';
  // `contents`: the wrapper adds no box (and no flex gap) while nothing is shown; its state tells
  // tests when the check has settled, since the note moves what is below it.
  return (
    <div className="contents" data-testid="photo-fidelity" data-state={state}>
      {current?.result?.poor && <PoorNote psnr={current.result.psnr} />}
    </div>
  );
}

function PoorNote({ psnr }: { psnr: number }) {
  return (
    <p role="note" aria-label="Photo and model" className="rounded-md border border-amber-500/40 bg-amber-500/10 px-2 py-1 text-xs text-amber-100">
      This model was trained on simple scenes; edits of photos will look painted —{' '}
      <a href="#model-panel" className="underline hover:text-white">
        load a real-photo model
      </a>{' '}
      (its VQ reproduces this photo at {psnr.toFixed(1)} dB PSNR).
    </p>
  );
}
