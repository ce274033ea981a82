import { useEffect } from 'react';
import { isTyping } from './canvas/EditCanvas';
import { editorActions, useEditor } from './store';
import { zoomAt, ZOOM_STEP, FIT_VIEW } from './tools/view';
import { contentSize, viewportSize } from './viewport';

/**
 * The editor's keys (shown in the tooltips): B brush, E eraser, [ ] size, I invert,
 * Shift+Delete clear, Mod+Z undo, Mod+Shift+Z / Mod+Y redo, + − 0 zoom. Keys typed into a text
 * field are left alone (Mod+Z there is the field's own undo).
 */
export function useEditorShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || isTyping(e.target)) return;
      const s = useEditor.getState();
      if (!s.photo) return;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      const zoom = (f: number) => editorActions.setView(zoomAt(s.view, viewportSize(), contentSize(s), f));
      let handled = true;
      if (mod && key === 'z') {
        if (e.shiftKey) editorActions.redo();
        else editorActions.undo();
      } else if (mod && key === 'y') editorActions.redo();
      else if (mod) handled = false;
      else if (key === 'b') editorActions.setTool('brush');
      else if (key === 'e') editorActions.setTool('eraser');
      else if (e.key === '[') editorActions.stepBrushSize(-1);
      else if (e.key === ']') editorActions.stepBrushSize(1);
      else if (key === 'i') editorActions.invert();
      else if (e.shiftKey && (e.key === 'Delete' || e.key === 'Backspace')) editorActions.clear();
      else if (e.key === '+' || e.key === '=') zoom(ZOOM_STEP);
      else if (e.key === '-' || e.key === '_') zoom(1 / ZOOM_STEP);
      else if (e.key === '0') editorActions.setView(FIT_VIEW);
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
