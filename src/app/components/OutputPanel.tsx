import { useStudio, type GenerationResult, type Job } from '../store/studio';
import { formActions } from '../store/form';
import { JobProgress } from './JobProgress';
import { RgbaCanvas } from './RgbaCanvas';
import { buttonClass, InlineError } from './ui';
import { tokenDigest } from '../tokenDigest';
import { editImage } from '../editor/commands';
import { useEffect, useRef, useState } from 'react';

function gridCols(n: number): string {
  return n === 1 ? 'grid-cols-1 max-w-xl' : 'grid-cols-2 max-w-3xl';
}

function Progress({ job }: { job: Job }) {
  return (
    <div className="flex flex-col gap-2">
      <JobProgress job={job} label="Generation" queuedText="Sending to the engine…" />
    </div>
  );
}

/** Which of several results the buttons act on: image n has seed `seed + n` (seeds run on). */
function ChooseImage({ count, chosen, onChoose }: { count: number; chosen: number; onChoose(i: number): void }) {
  return (
    <div role="radiogroup" aria-label="Chosen image" className="flex items-center gap-1">
      <span aria-hidden>Image</span>
      {Array.from({ length: count }, (_, i) => (
        <button
          key={i}
          type="button"
          role="radio"
          aria-checked={i === chosen}
          aria-label={`Image ${i + 1}`}
          className={`h-6 w-6 rounded border text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 ${
            i === chosen ? 'border-violet-400 bg-violet-600/30 text-violet-100' : 'border-zinc-700 text-zinc-300 hover:bg-zinc-800'
          }`}
          onClick={() => onChoose(i)}
        >
          {i + 1}
        </button>
      ))}
    </div>
  );
}

function ResultInfo({ result, chosen, onChoose }: { result: GenerationResult; chosen: number; onChoose(i: number): void }) {
  const img = result.images[chosen];
  const seed = result.params.seed + chosen;
  const seconds = (result.ms / 1000).toFixed(1);
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-400">
      <span>
        Seed <span className="font-mono text-zinc-200">{result.params.seed}</span>
        {result.images.length > 1 && ` … ${result.params.seed + result.images.length - 1}`}
      </span>
      {img && (
        <span>
          {img.width}×{img.height}
        </span>
      )}
      <span>{result.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</span>
      <span>
        {seconds} s{result.images.length > 1 ? ` for ${result.images.length}` : ''}
      </span>
      <span>{result.params.prompt.trim() === '' ? 'unconditional' : ''}</span>
      <div className="ml-auto flex flex-wrap items-center gap-2">
        {result.images.length > 1 && <ChooseImage count={result.images.length} chosen={chosen} onChoose={onChoose} />}
        <button type="button" className={`${buttonClass} py-1 text-xs`} title={`Lock the seed to ${seed}`} onClick={() => formActions.reuseSeed(seed)}>
          Reuse this seed
        </button>
        {img && (
          <button
            type="button"
            className={`${buttonClass} py-1 text-xs`}
            title="Open this image in the editor"
            onClick={() => editImage(img, `generated image (seed ${seed})`)}
          >
            Edit image
          </button>
        )}
      </div>
    </div>
  );
}

/** The stage: live previews with "step x/N" while a job runs, the final grid after. */
export function OutputPanel() {
  // Edits show their progress in the editor; here they only keep Generate queued (GenerateBar).
  const job = useStudio((s) => (s.job?.kind === 'edit' ? undefined : s.job));
  const result = useStudio((s) => s.result);
  const jobError = useStudio((s) => s.jobError);
  const jobNote = useStudio((s) => s.jobNote);
  const maxLength = useStudio((s) => s.model.manifest?.textEncoder.maxLength);
  const showing = job?.previews ?? (job ? undefined : result?.images);
  const stage = useRef<HTMLElement>(null);
  // The image "Reuse this seed" and "Edit image" act on; a new result starts at its first.
  const [chosen, setChosen] = useState({ result, index: 0 });
  const chosenIndex = chosen.result === result ? chosen.index : 0;
  const choose = (index: number) => setChosen({ result, index });
  // A job started from a button far above the stage (a phone): bring the stage into view, so
  // pressing Generate visibly does something. Left alone when the stage is already on screen.
  const jobId = job?.id;
  useEffect(() => {
    const el = stage.current;
    if (jobId === undefined || !el) return;
    const top = el.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) el.scrollIntoView({ block: 'start' });
  }, [jobId]);
  return (
    <section ref={stage} aria-label="Output" className="flex flex-col gap-4 rounded-xl border border-zinc-800 bg-zinc-900/30 p-4">
      {job && <Progress job={job} />}
      {jobError && <InlineError>{jobError}</InlineError>}
      {!job && jobNote && (
        <p role="status" className="text-xs text-zinc-400">
          {jobNote}
        </p>
      )}
      {showing && showing.length > 0 ? (
        <div
          data-testid={job ? 'previews' : 'result'}
          data-seed={!job && result ? result.params.seed : undefined}
          data-backend={!job && result ? result.backend : undefined}
          data-tokens={!job && result ? tokenDigest(result.tokens) : undefined}
          className={`grid gap-3 ${gridCols(showing.length)}`}
        >
          {showing.map((img, i) => (
            // A click picks the image the buttons below act on (the radio group does it by keyboard).
            <div key={i} onClick={job || showing.length === 1 ? undefined : () => choose(i)} className={job || showing.length === 1 ? '' : 'cursor-pointer'}>
              <RgbaCanvas
                image={img}
                label={job ? `Preview ${i + 1} of ${showing.length}` : `Generated image ${i + 1} of ${showing.length}`}
                className={job ? 'opacity-80' : showing.length > 1 && i === chosenIndex ? 'ring-2 ring-violet-400' : ''}
              />
            </div>
          ))}
        </div>
      ) : (
        !job && (
          <div className="flex aspect-[2/1] max-w-3xl items-center justify-center rounded-md border border-dashed border-zinc-800 text-sm text-zinc-400">
            Your images appear here.
          </div>
        )
      )}
      {job && !job.previews && (
        <div className="flex aspect-[2/1] max-w-3xl animate-pulse items-center justify-center rounded-md bg-zinc-900 text-sm text-zinc-400">
          Waiting for the first preview…
        </div>
      )}
      {!job && result && <ResultInfo result={result} chosen={chosenIndex} onChoose={choose} />}
      {!job && result?.promptTruncated && (
        <p role="note" className="text-xs text-amber-300">
          The prompt was longer than the model reads ({maxLength ?? '?'} tokens) and was truncated; the end was ignored.
        </p>
      )}
    </section>
  );
}
