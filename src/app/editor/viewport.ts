/**
 * What zoom commands need outside the canvas component: the size of the canvas being shown
 * (the photo, or the extended canvas when outpainting) and the viewport's last measured size.
 */
import type { Extension } from '../../engine';
import { parseExtension } from './request';
import type { EditorState } from './store';
import type { Size } from './tools/view';

const NONE: Extension = { left: 0, right: 0, top: 0, bottom: 0 };

/** The extension being previewed: the typed one when valid in outpaint mode, else none. */
export function previewExtension(editor: Pick<EditorState, 'photo' | 'editMode' | 'extend'>): Extension {
  if (!editor.photo || editor.editMode !== 'outpaint') return NONE;
  const parsed = parseExtension(editor.extend, editor.photo.image);
  return parsed.ok ? parsed.value : NONE;
}

/** The canvas shown: the photo plus the previewed extension. */
export function contentSize(editor: Pick<EditorState, 'photo' | 'editMode' | 'extend'>): Size {
  if (!editor.photo) return { width: 1, height: 1 };
  const e = previewExtension(editor);
  return { width: editor.photo.image.width + e.left + e.right, height: editor.photo.image.height + e.top + e.bottom };
}

let measured: Size = { width: 800, height: 600 };

/** Called by the canvas component whenever its viewport is measured. */
export function setViewportSize(size: Size): void {
  if (size.width > 0 && size.height > 0) measured = size;
}

export function viewportSize(): Size {
  return measured;
}
