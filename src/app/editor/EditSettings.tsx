import { useId } from 'react';
import { MAX_EDIT_SIDE } from '../../engine';
import { InlineError } from '../components/ui';
import { parseExtension } from './request';
import { editorActions, MAX_FEATHER_UI, SIDES, useEditor, type EditMode } from './store';

const MODES: { value: EditMode; label: string; hint: string }[] = [
  { value: 'inpaint', label: 'Paint', hint: 'Paint over what to replace; only the painted region (and its feather) changes.' },
  { value: 'outpaint', label: 'Extend', hint: 'Add pixels on any side; the model fills them in to continue the photo.' },
  { value: 'text', label: 'By text', hint: 'No mask: the whole picture moves toward the prompt, keeping its layout.' },
];

/**
 * Edit mode (paint / extend / by text) and its settings: feather, per-side extension, strength.
 * `part` splits it for the page layout: the mode goes above the prompt, its options below the
 * run button (on a phone, below the canvas).
 */
export function EditSettings({ part }: { part: 'mode' | 'options' }) {
  const editMode = useEditor((s) => s.editMode);
  const feather = useEditor((s) => s.feather);
  const strength = useEditor((s) => s.strength);
  const extend = useEditor((s) => s.extend);
  const photo = useEditor((s) => s.photo);
  const id = useId();
  const parsed = photo ? parseExtension(extend, photo.image) : undefined;
  const featherMax = photo ? Math.min(MAX_FEATHER_UI, Math.max(16, Math.round(Math.min(photo.image.width, photo.image.height) / 4))) : 64;
  const hint = MODES.find((m) => m.value === editMode)!.hint;
  if (part === 'mode')
    return (
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-zinc-200">Edit mode</legend>
        <div className="flex gap-1 rounded-md bg-zinc-900 p-1 text-sm">
          {MODES.map((m) => (
            <label
              key={m.value}
              className={`flex-1 cursor-pointer rounded px-2 py-1 text-center has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-violet-400 ${
                editMode === m.value ? 'bg-zinc-700 text-zinc-50' : 'text-zinc-400 hover:text-zinc-200'
              }`}
            >
              <input
                type="radio"
                className="sr-only"
                name={`${id}-mode`}
                value={m.value}
                checked={editMode === m.value}
                aria-describedby={`${id}-hint`}
                onChange={() => editorActions.setEditMode(m.value)}
              />
              {m.label}
            </label>
          ))}
        </div>
        <p id={`${id}-hint`} className="mt-1.5 text-xs text-zinc-400">
          {hint}
        </p>
      </fieldset>
    );
  return (
    <div className="flex flex-col gap-4">

      {editMode !== 'text' && (
        <label className="flex flex-col gap-1 text-sm text-zinc-200" title="How far the blend fades from the painted region into the kept pixels">
          <span className="flex justify-between">
            Feather <span className="font-mono text-xs text-zinc-400">{feather} px</span>
          </span>
          <input
            type="range"
            aria-label="Feather"
            min={0}
            max={featherMax}
            value={Math.min(feather, featherMax)}
            className="accent-violet-500"
            onChange={(e) => editorActions.setFeather(Number(e.target.value))}
          />
          <span className="text-xs text-zinc-400">Pixels farther than this from the mask are kept exactly.</span>
        </label>
      )}

      {editMode === 'outpaint' && (
        <fieldset className="flex flex-col gap-2">
          <legend className="mb-1 text-sm font-medium text-zinc-200">Extend by (pixels)</legend>
          <div className="grid grid-cols-2 gap-2">
            {SIDES.map((side) => (
              <label key={side} className="flex items-center gap-2 text-xs capitalize text-zinc-400">
                <span className="w-12">{side}</span>
                <input
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={MAX_EDIT_SIDE}
                  step={8}
                  aria-label={`Extend ${side}`}
                  value={extend[side]}
                  aria-invalid={parsed && !parsed.ok ? true : undefined}
                  className="w-full rounded-md border border-zinc-700 bg-zinc-900 px-2 py-1 font-mono text-sm text-zinc-100 focus:border-violet-400 focus:outline-none focus:ring-2 focus:ring-violet-500/40 aria-[invalid=true]:border-rose-500"
                  onChange={(e) => editorActions.setExtend(side, e.target.value)}
                />
              </label>
            ))}
          </div>
          {photo && parsed?.ok && (
            <p className="text-xs text-zinc-400">
              Result: {photo.image.width + parsed.value.left + parsed.value.right}×{photo.image.height + parsed.value.top + parsed.value.bottom} px (the
              checkered area is new).
            </p>
          )}
          {photo && parsed && !parsed.ok && <InlineError>{parsed.message}</InlineError>}
        </fieldset>
      )}

      {editMode === 'text' && (
        <label className="flex flex-col gap-1 text-sm text-zinc-200">
          <span className="flex justify-between">
            Strength <span className="font-mono text-xs text-zinc-400">{strength.toFixed(2)}</span>
          </span>
          <input
            type="range"
            aria-label="Strength"
            min={5}
            max={100}
            step={5}
            value={Math.round(strength * 100)}
            className="accent-violet-500"
            onChange={(e) => editorActions.setStrength(Number(e.target.value) / 100)}
          />
          <span className="text-xs text-zinc-400">Low keeps the photo close; high follows the prompt more.</span>
        </label>
      )}
    </div>
  );
}
