import { useId } from 'react';
import { formActions, useForm } from '../store/form';
import { Segmented } from './ui';

/** Number of images, 1–4 (image k uses seed + k). */
export function CountControl() {
  const count = useForm((s) => s.count);
  const id = useId();
  return (
    <fieldset>
      <legend className="mb-2 text-sm font-medium text-zinc-200">Number of images</legend>
      <div className="flex gap-1 rounded-md bg-zinc-900 p-1 text-sm">
        <Segmented
          name={`${id}-count`}
          options={[1, 2, 3, 4] as const}
          value={count}
          onChange={formActions.setCount}
          label={(n) => n}
          ariaLabel={(n) => `${n} image${n > 1 ? 's' : ''}`}
        />
      </div>
    </fieldset>
  );
}
