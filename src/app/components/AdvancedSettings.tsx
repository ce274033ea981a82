import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formActions, useForm } from '../store/form';
import { useStudio } from '../store/studio';
import { stagesOf } from '../commands';
import { fieldLabel, validateAdvanced, type FieldKey, type StageField, type StageName } from '../settings/validate';
import { buttonClass, inputClass, InlineError } from './ui';

const fields: StageField[] = ['steps', 'guidance', 'temperature'];

/** Steps, guidance and temperature per stage; defaults from the manifest, typed values validated. */
export function AdvancedSettings() {
  const manifest = useStudio((s) => s.model.manifest);
  const stages = useStudio(useShallow(stagesOf));
  const overrides = useForm((s) => s.overrides);
  const id = useId();
  const { errors } = validateAdvanced(stages, overrides);
  const changed = Object.keys(overrides).length > 0;
  return (
    <details className="group rounded-md border border-zinc-800 bg-zinc-900/40">
      <summary className="cursor-pointer select-none px-3 py-2 text-sm text-zinc-300 hover:text-zinc-100">
        <span className="mr-1 inline-block transition-transform group-open:rotate-90">›</span>
        Advanced
        {changed && <span className="ml-2 text-xs text-violet-300">· changed</span>}
      </summary>
      <div className="flex flex-col gap-4 px-3 pb-3">
        {!manifest && <p className="text-xs text-zinc-400">Defaults appear once the model has loaded.</p>}
        {manifest &&
          stages.map((stage) => {
            const spec = manifest.stages[stage]!;
            return (
              <fieldset key={stage} className="flex flex-col gap-2">
                <legend className="text-xs font-medium text-zinc-400">
                  {stage === 'base' ? 'Base stage' : 'Super-resolution stage'} · {spec.imageSize[1]}×{spec.imageSize[0]} px
                </legend>
                <div className="grid grid-cols-3 gap-2">
                  {fields.map((field) => {
                    const key: FieldKey = `${stage}.${field}`;
                    const label = fieldLabel(stage as StageName, field);
                    const value = overrides[key] ?? String(spec.defaults[field]);
                    return (
                      <label key={key} className="flex flex-col gap-1 text-xs text-zinc-400">
                        <span className="capitalize">{field}</span>
                        <input
                          className={`${inputClass} px-2 py-1 font-mono`}
                          aria-label={label}
                          inputMode={field === 'steps' ? 'numeric' : 'decimal'}
                          value={value}
                          aria-invalid={errors[key] ? true : undefined}
                          aria-describedby={errors[key] ? `${id}-${key}` : undefined}
                          onChange={(e) => formActions.setOverride(key, e.target.value)}
                        />
                      </label>
                    );
                  })}
                </div>
                {fields.map((field) => {
                  const key: FieldKey = `${stage}.${field}`;
                  return errors[key] ? (
                    <InlineError key={key} id={`${id}-${key}`}>
                      {errors[key]}
                    </InlineError>
                  ) : null;
                })}
              </fieldset>
            );
          })}
        {manifest && (
          <button type="button" className={`${buttonClass} self-start`} disabled={!changed} onClick={formActions.resetOverrides}>
            Reset to model defaults
          </button>
        )}
      </div>
    </details>
  );
}
