import { useEffect, useState } from 'react';
import { openFile } from './commands';
import { firstImageFile } from './image/open';

function carriesFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/**
 * While the editor is shown: a pasted image (Ctrl/⌘+V anywhere; text pastes are left to the
 * fields) or a file dropped anywhere opens it. Listeners run in the capture phase and mark the
 * events handled, so the gallery's "drop a PNG to recall its settings" does not also act on
 * them. Returns whether files are being dragged over the page (for the drop hint).
 */
export function useImageIntake(): { dragging: boolean } {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const onPaste = (e: ClipboardEvent) => {
      const file = firstImageFile(e.clipboardData);
      if (!file) return;
      e.preventDefault();
      void openFile(file, 'the pasted image');
    };
    const onEnter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      if (depth++ === 0) setDragging(true);
    };
    const onLeave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault(); // lets the drop happen
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      depth = 0;
      setDragging(false);
      if (!carriesFiles(e)) return;
      e.preventDefault(); // also tells the gallery's listener that the drop was taken
      const file = firstImageFile(e.dataTransfer);
      if (file) void openFile(file);
    };
    const opts = { capture: true };
    window.addEventListener('paste', onPaste, opts);
    window.addEventListener('dragenter', onEnter, opts);
    window.addEventListener('dragleave', onLeave, opts);
    window.addEventListener('dragover', onOver, opts);
    window.addEventListener('drop', onDrop, opts);
    return () => {
      window.removeEventListener('paste', onPaste, opts);
      window.removeEventListener('dragenter', onEnter, opts);
      window.removeEventListener('dragleave', onLeave, opts);
      window.removeEventListener('dragover', onOver, opts);
      window.removeEventListener('drop', onDrop, opts);
    };
  }, []);
  return { dragging };
}

