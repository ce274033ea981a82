import { useId } from 'react';
import { formActions, useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { parseSeed } from '../settings/validate';
import { buttonClass, inputClass, InlineError, Segmented } from './ui';

/** Seed: random for every job, or locked to the typed value; "Reuse last" locks the last job's seed. */
export function SeedControl() {
  const mode = useForm((s) => s.seedMode);
  const seedText = useForm((s) => s.seedText);
  const lastSeed = useStudio((s) => s.lastSeed);
  const id = useId();
  const parsed = mode === 'locked' ? parseSeed(seedText) : undefined;
  const error = parsed && !parsed.ok ? parsed.message : undefined;
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-2 text-sm font-medium text-zinc-200">Seed</legend>
      <div role="radiogroup" aria-label="Seed mode" className="flex gap-1 rounded-md bg-zinc-900 p-1 text-sm">
        <Segmented
          name={`${id}-mode`}
          options={['random', 'locked'] as const}
          value={mode}
          onChange={formActions.setSeedMode}
          label={(m) => (m === 'random' ? 'Random' : 'Locked')}
        />
      </div>
      <div className="flex gap-2">
        <label htmlFor={`${id}-seed`} className="sr-only">
          Seed value
        </label>
        <input
          id={`${id}-seed`}
          className={`${inputClass} font-mono`}
          inputMode="numeric"
          placeholder={mode === 'random' ? 'new each time' : '0 – 4294967295'}
          value={seedText}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
          onChange={(e) => formActions.setSeedText(e.target.value)}
        />
        <button
          type="button"
          className={`${buttonClass} shrink-0`}
          disabled={lastSeed === undefined}
          onClick={() => lastSeed !== undefined && formActions.reuseSeed(lastSeed)}
          title={lastSeed !== undefined ? `Lock seed ${lastSeed}` : 'No image generated yet'}
        >
          Reuse last
        </button>
      </div>
      {error && <InlineError id={`${id}-err`}>{error}</InlineError>}
    </fieldset>
  );
}
