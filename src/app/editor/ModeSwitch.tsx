import { useRef, type KeyboardEvent } from 'react';
import { editorActions, useEditor, type AppMode } from './store';

const MODES: { value: AppMode; label: string }[] = [
  { value: 'generate', label: 'Generate' },
  { value: 'edit', label: 'Edit' },
];

/** Generate | Edit, as tabs (arrow keys move between them). */
export function ModeSwitch() {
  const mode = useEditor((s) => s.appMode);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const i = MODES.findIndex((m) => m.value === mode);
    const next = (i + (e.key === 'ArrowRight' ? 1 : MODES.length - 1)) % MODES.length;
    editorActions.setAppMode(MODES[next].value);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label="Mode" className="inline-flex gap-1 rounded-lg bg-zinc-900 p-1 text-sm" onKeyDown={onKeyDown}>
      {MODES.map((m, i) => (
        <button
          key={m.value}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`mode-tab-${m.value}`}
          aria-selected={mode === m.value}
          aria-controls="mode-panel"
          tabIndex={mode === m.value ? 0 : -1}
          className={`rounded-md px-4 py-1.5 font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 ${
            mode === m.value ? 'bg-violet-600 text-white' : 'text-zinc-400 hover:text-zinc-100'
          }`}
          onClick={() => editorActions.setAppMode(m.value)}
        >
          {m.label}
        </button>
      ))}
    </div>
  );
}
