import type { ReactNode } from 'react';
import { Kbd, modKey } from '../components/ui';
import { maskIsEmpty } from './commands';
import { editorActions, MAX_BRUSH, MIN_BRUSH, useEditor } from './store';
import { zoomAt, ZOOM_STEP } from './tools/view';
import { viewportSize, contentSize } from './viewport';

const toolButton =
  'inline-flex h-8 items-center gap-1.5 rounded-md border px-2.5 text-xs focus-visible:outline-none focus-visible:ring-2 ' +
  'focus-visible:ring-violet-400 disabled:cursor-not-allowed disabled:opacity-40';
const idle = 'border-zinc-700 bg-zinc-800 text-zinc-100 hover:bg-zinc-700';
const active = 'border-violet-400 bg-violet-600/30 text-violet-100';

function ToolButton({
  label,
  keys,
  shortcut,
  pressed,
  disabled,
  onClick,
  children,
  namedByText,
}: {
  label: string;
  /** What the tooltip shows, e.g. "B". */
  keys?: string;
  /** aria-keyshortcuts value. */
  shortcut?: string;
  /** The button's own text names it (it shows the label, e.g. "Brush B"): no aria-label over it. */
  namedByText?: boolean;
  pressed?: boolean;
  disabled?: boolean;
  onClick(): void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={`${toolButton} ${pressed ? active : idle}`}
      title={keys ? `${label} (${keys})` : label}
      aria-label={namedByText ? undefined : label}
      aria-pressed={pressed}
      aria-keyshortcuts={shortcut}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** Brush / eraser, size, invert, clear, undo / redo, overlay colour and opacity, zoom. */
export function MaskToolbar() {
  const editor = useEditor();
  const { photo, tool, brushSize, history, overlayColor, overlayOpacity, view, editMode } = editor;
  const painting = editMode !== 'text';
  const noPhoto = !photo;
  const empty = maskIsEmpty(editor);
  const maxBrush = photo ? Math.min(MAX_BRUSH, Math.max(photo.image.width, photo.image.height)) : MAX_BRUSH;
  const zoomBy = (f: number) => editorActions.setView(zoomAt(view, viewportSize(), contentSize(editor), f));
  return (
    <div role="toolbar" aria-label="Mask tools" className="flex flex-wrap items-center gap-x-3 gap-y-2 text-xs text-zinc-300">
      {painting && (
        <>
          <div className="flex gap-1" role="group" aria-label="Tool">
            <ToolButton label="Brush" namedByText keys="B" shortcut="B" pressed={tool === 'brush'} disabled={noPhoto} onClick={() => editorActions.setTool('brush')}>
              <span aria-hidden>●</span> Brush <Kbd>B</Kbd>
            </ToolButton>
            <ToolButton label="Eraser" namedByText keys="E" shortcut="E" pressed={tool === 'eraser'} disabled={noPhoto} onClick={() => editorActions.setTool('eraser')}>
              <span aria-hidden>○</span> Eraser <Kbd>E</Kbd>
            </ToolButton>
          </div>
          <label className="flex items-center gap-2" title="Brush size in image pixels ([ smaller, ] larger)">
            <span>Size</span>
            <input
              type="range"
              aria-label="Brush size"
              aria-keyshortcuts="[ ]"
              min={MIN_BRUSH}
              max={maxBrush}
              value={Math.min(brushSize, maxBrush)}
              disabled={noPhoto}
              className="w-24 accent-violet-500"
              onChange={(e) => editorActions.setBrushSize(Number(e.target.value))}
            />
            <span className="w-12 font-mono tabular-nums text-zinc-400">{brushSize} px</span>
          </label>
          <div className="flex gap-1" role="group" aria-label="Mask">
            <ToolButton label="Invert mask" keys="I" shortcut="I" disabled={noPhoto} onClick={editorActions.invert}>
              Invert
            </ToolButton>
            <ToolButton label="Clear mask" keys="Shift+Delete" shortcut="Shift+Delete" disabled={noPhoto || empty} onClick={editorActions.clear}>
              Clear
            </ToolButton>
            <ToolButton
              label="Undo stroke"
              keys={`${modKey}+Z`}
              shortcut="Control+Z Meta+Z"
              disabled={history.ops.length === 0}
              onClick={editorActions.undo}
            >
              Undo
            </ToolButton>
            <ToolButton
              label="Redo stroke"
              keys={`${modKey}+Shift+Z`}
              shortcut="Control+Shift+Z Meta+Shift+Z"
              disabled={history.undone.length === 0}
              onClick={editorActions.redo}
            >
              Redo
            </ToolButton>
          </div>
          <div className="flex items-center gap-2" role="group" aria-label="Mask overlay">
            <span aria-hidden>Overlay</span>
            <input
              type="color"
              aria-label="Mask colour"
              title="Mask overlay colour"
              value={overlayColor}
              className="h-7 w-8 cursor-pointer rounded border border-zinc-700 bg-zinc-900 p-0.5"
              onChange={(e) => editorActions.setOverlayColor(e.target.value)}
            />
            <input
              type="range"
              aria-label="Mask opacity"
              title="Mask overlay opacity"
              min={5}
              max={100}
              value={Math.round(overlayOpacity * 100)}
              className="w-20 accent-violet-500"
              onChange={(e) => editorActions.setOverlayOpacity(Number(e.target.value) / 100)}
            />
          </div>
        </>
      )}
      <div className="ml-auto flex items-center gap-1" role="group" aria-label="Zoom">
        <ToolButton label="Zoom out" keys="−" shortcut="-" disabled={noPhoto} onClick={() => zoomBy(1 / ZOOM_STEP)}>
          −
        </ToolButton>
        <ToolButton label={`${Math.round(view.zoom * 100)}% — fit to view`} keys="0" shortcut="0" disabled={noPhoto} onClick={() => editorActions.setView({ zoom: 1, panX: 0, panY: 0 })}>
          <span className="w-10 font-mono tabular-nums">{Math.round(view.zoom * 100)}%</span>
        </ToolButton>
        <ToolButton label="Zoom in" keys="+" shortcut="+" disabled={noPhoto} onClick={() => zoomBy(ZOOM_STEP)}>
          +
        </ToolButton>
      </div>
    </div>
  );
}
