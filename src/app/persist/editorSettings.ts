/**
 * What of the editor survives a reload: its brush and edit settings. The photo, its mask and
 * results are the user's content and stay in memory only. A key added to EditorState fails to
 * compile here until someone decides whether it is kept (see persisted.ts).
 */
import { MAX_BRUSH, MAX_FEATHER_UI, MIN_BRUSH, useEditor, type EditorState, type Side } from '../editor/store';
import { keep, persisted, skip, type KeyValueStorage, type PersistPlan, type Reader } from './persisted';
import { numberIn, oneOf, text } from './readers';

const colour: Reader<string> = (raw) => (typeof raw === 'string' && /^#[0-9a-fA-F]{6}$/.test(raw) ? raw : undefined);

const extension: Reader<Record<Side, string>> = (raw) => {
  const r = raw as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) return undefined;
  const out: Partial<Record<Side, string>> = {};
  for (const side of ['left', 'right', 'top', 'bottom'] as const) {
    const v = text(8)(r[side]);
    if (v === undefined) return undefined;
    out[side] = v;
  }
  return out as Record<Side, string>;
};

const strength: Reader<number> = (raw) => (typeof raw === 'number' && raw > 0 && raw <= 1 ? raw : undefined);

const CONTENT = 'the photo and everything about it are the user’s content, kept in memory only';

export const editorPlan: PersistPlan<EditorState> = {
  appMode: skip('a reload opens on Generate: the photo being edited is not kept'),
  source: skip(CONTENT),
  sizing: keep(oneOf('original', 'fit', 'crop')),
  photo: skip(CONTENT),
  notices: skip(CONTENT),
  openError: skip('about the last file opened'),
  opening: skip('transient'),
  history: skip(CONTENT),
  tool: keep(oneOf('brush', 'eraser')),
  brushSize: keep(numberIn(MIN_BRUSH, MAX_BRUSH)),
  feather: keep(numberIn(0, MAX_FEATHER_UI)),
  overlayColor: keep(colour),
  overlayOpacity: keep(numberIn(0, 1)),
  view: skip('zoom and pan fit the photo, which is not kept'),
  editMode: keep(oneOf('inpaint', 'outpaint', 'text')),
  extend: keep(extension),
  strength: keep(strength),
  sent: skip('jobs in flight'),
  staged: skip(CONTENT),
  note: skip('transient'),
};

/** Restores the editor's brush and edit settings and keeps saving them. */
export function persistEditor(storage?: KeyValueStorage): () => void {
  return persisted('editor', useEditor, editorPlan, storage);
}
