import { useEffect, useRef, useState } from 'react';
import { isTyping } from '../editor/canvas/EditCanvas';
import { buttonClass, Kbd, modKey } from './ui';

/** Every key the studio answers to, in one list (the tooltips show them one at a time). */
export const SHORTCUTS: { group: string; keys: string[]; what: string }[] = [
  { group: 'Anywhere', keys: [modKey, 'Enter'], what: 'Generate (in Edit: run the edit)' },
  { group: 'Anywhere', keys: ['Esc'], what: 'Cancel the running job' },
  { group: 'Anywhere', keys: ['?'], what: 'Show this list' },
  { group: 'Edit', keys: ['B'], what: 'Brush' },
  { group: 'Edit', keys: ['E'], what: 'Eraser' },
  { group: 'Edit', keys: ['[', ']'], what: 'Smaller / larger brush' },
  { group: 'Edit', keys: ['I'], what: 'Invert the mask' },
  { group: 'Edit', keys: ['Shift', 'Delete'], what: 'Clear the mask' },
  { group: 'Edit', keys: [modKey, 'Z'], what: 'Undo stroke' },
  { group: 'Edit', keys: [modKey, 'Shift', 'Z'], what: 'Redo stroke' },
  { group: 'Edit', keys: ['+', '−', '0'], what: 'Zoom in / out / fit' },
  { group: 'Edit canvas', keys: ['←', '↑', '→', '↓'], what: 'Move the brush (Shift: farther)' },
  { group: 'Edit canvas', keys: ['Enter'], what: 'Pen down / up: strokes painted with the arrows' },
];

/** The shortcuts view: opens on `?` (outside text fields) or from the header's button. */
export function ShortcutsDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      e.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    const d = dialog.current;
    if (open && d && !d.open) d.showModal();
    if (!open && d?.open) d.close();
  }, [open]);
  const groups = [...new Set(SHORTCUTS.map((s) => s.group))];
  return (
    <>
      <button type="button" className={`${buttonClass} py-1 text-xs max-sm:hidden`} aria-keyshortcuts="?" title="Keyboard shortcuts (?)" onClick={() => setOpen(true)}>
        Shortcuts <Kbd>?</Kbd>
      </button>
      <dialog
        ref={dialog}
        aria-label="Keyboard shortcuts"
        className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border border-zinc-700 bg-zinc-900 p-4 text-zinc-100 backdrop:bg-black/60"
        onClose={() => setOpen(false)}
      >
        <h2 className="mb-3 text-base font-semibold">Keyboard shortcuts</h2>
        {groups.map((g) => (
          <section key={g} aria-label={g} className="mb-3">
            <h3 className="mb-1 text-xs font-semibold uppercase tracking-wider text-zinc-400">{g}</h3>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              {SHORTCUTS.filter((s) => s.group === g).map((s) => (
                <div key={s.what} className="contents">
                  <dt className="flex gap-1">
                    {s.keys.map((k) => (
                      <Kbd key={k}>{k}</Kbd>
                    ))}
                  </dt>
                  <dd className="text-zinc-300">{s.what}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <button type="button" className={buttonClass} onClick={() => setOpen(false)} autoFocus>
          Close
        </button>
      </dialog>
    </>
  );
}
