import { useEffect } from 'react';
import { cancel, generate } from './commands';
import { startEdit } from './editor/commands';
import { useEditor } from './editor/store';

/** Mod+Enter generates — or edits, in Edit mode — (also from inside the prompt box); Esc cancels the running job. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (useEditor.getState().appMode === 'edit') startEdit();
        else generate();
      } else if (e.key === 'Escape' && !e.defaultPrevented) {
        cancel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
