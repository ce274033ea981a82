import { useEffect } from 'react';
import { cancel, generate } from './commands';

/** Mod+Enter generates (also from inside the prompt box); Esc cancels the running job. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        generate();
      } else if (e.key === 'Escape' && !e.defaultPrevented) {
        cancel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
