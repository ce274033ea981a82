import { useId } from 'react';
import { formActions, useForm } from '../store/form';

/** Number of images, 1–4 (image k uses seed + k). */
export function CountControl() {
  const count = useForm((s) => s.count);
  const id = useId();
  return (
    <fieldset>
      <legend className="mb-2 text-sm font-medium text-zinc-200">Number of images</legend>
      <div className="flex gap-1 rounded-md bg-zinc-900 p-1 text-sm">
        {[1, 2, 3, 4].map((n) => (
          <label
            key={n}
            className={`flex-1 cursor-pointer rounded px-2 py-1 text-center has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-violet-400 ${
              count === n ? 'bg-zinc-700 text-zinc-50' : 'text-zinc-400 hover:text-zinc-200'
            }`}
          >
            <input
              type="radio"
              className="sr-only"
              name={`${id}-count`}
              value={n}
              aria-label={`${n} image${n > 1 ? 's' : ''}`}
              checked={count === n}
              onChange={() => formActions.setCount(n)}
            />
            {n}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
