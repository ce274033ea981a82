import type { ReactNode } from 'react';
import type { QueueWait } from '../../worker/protocol';
import type { Job } from '../store/studio';

const stageNames: Record<string, string> = {
  text: 'encoding the prompt',
  base: 'base stage',
  superRes: 'super-resolution',
  decode: 'decoding pixels',
};

/** What a queued job says while it waits, by what it waits for (the worker's 'queued' event). */
export const waitTexts: Record<QueueWait, string> = {
  load: 'Waiting for the model to load…',
  backend: 'Waiting for the backend switch…',
  previews: 'Preparing previews…',
  image: 'Waiting for the image before it…',
  other: 'Waiting for the engine…',
};

export interface JobProgressProps {
  job: Job;
  /** The job's kind as screen readers hear it: "Generation" or "Edit". */
  label: string;
  /** What the status line says while the job waits in the queue and the worker has not said why. */
  queuedText: string;
  /** Added after "Step x/N" (e.g. the outpainting window). */
  extra?: ReactNode;
}

/** "Step x/N" with the stage's name, and the progress bar: the same for generation and editing. */
export function JobProgress({ job, label, queuedText, extra }: JobProgressProps) {
  const { overallStep: step, overallTotal: total } = job;
  return (
    <>
      <div role="status" aria-label={`${label} progress`} className="flex items-baseline justify-between text-sm">
        <span className="text-zinc-200">
          {job.status === 'queued' ? (job.waitingFor ? waitTexts[job.waitingFor] : queuedText) : total > 0 ? `Step ${step}/${total}` : 'Preparing…'}
          {extra}
        </span>
        <span className="text-xs text-zinc-400">{job.stage ? (stageNames[job.stage] ?? job.stage) : ''}</span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total || 1}
        aria-valuenow={step}
        className="h-1.5 overflow-hidden rounded-full bg-zinc-800"
      >
        <div className="h-full rounded-full bg-violet-500 transition-[width] duration-200" style={{ width: `${total ? (100 * step) / total : 0}%` }} />
      </div>
    </>
  );
}
