import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react';
import { editorActions, maskRasterOf, useEditor } from '../store';
import { contentSize, previewExtension, setViewportSize } from '../viewport';
import type { StrokeOp } from '../mask/ops';
import { IDLE, transition, type Point, type ToolEvent, type ToolState } from '../tools/machine';
import { place, toContent, zoomAt, type Size } from '../tools/view';
import { drawImage, drawMask } from './draw';
import { OpenImageButton } from '../OpenImageButton';
import { useWide } from '../../layout/useWide';
import { useFitHeight } from '../../layout/useFitHeight';

/** The keyboard brush's pointer id in the tool machine (browsers give real pointers ids ≥ 0). */
const KEYBOARD_POINTER = -1;

function useElementSize(ref: React.RefObject<HTMLElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/** Whether a key event belongs to a text field (where letters and Space are typing). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['range', 'checkbox', 'radio', 'button', 'color', 'file'].includes(type);
}

const CHECKER: React.CSSProperties = {
  backgroundColor: '#27272a',
  backgroundImage: 'repeating-conic-gradient(#3f3f46 0% 25%, transparent 0% 50%)',
  backgroundSize: '16px 16px',
};

/**
 * The editing surface: the photo, the mask overlay, the outpaint preview (the extended canvas
 * around the photo), zoom and pan, and the brush/eraser driven by the tool state machine.
 */
export function EditCanvas() {
  const photo = useEditor((s) => s.photo);
  const history = useEditor((s) => s.history);
  const tool = useEditor((s) => s.tool);
  const brushSize = useEditor((s) => s.brushSize);
  const color = useEditor((s) => s.overlayColor);
  const opacity = useEditor((s) => s.overlayOpacity);
  const view = useEditor((s) => s.view);
  const editMode = useEditor((s) => s.editMode);
  const extendRaw = useEditor((s) => s.extend);

  const viewportRef = useRef<HTMLDivElement>(null);
  const imageRef = useRef<HTMLCanvasElement>(null);
  const maskRef = useRef<HTMLCanvasElement>(null);
  const viewport = useElementSize(viewportRef);
  // Wide screens: the canvas ends just above the window's bottom edge (the section's padding
  // below it stays visible), so canvas, tools and the Edit button fit on one screen.
  const fitHeight = useFitHeight(viewportRef, { enabled: useWide(), min: 288, max: 640, bottomGap: 28 });
  const machine = useRef<ToolState>(IDLE);
  const draft = useRef<StrokeOp | null>(null);
  const spaceHeld = useRef(false);
  const [hover, setHover] = useState<Point | null>(null);
  /** Where the keyboard brush is, in image pixels (undefined until an arrow or Enter is pressed). */
  const keyBrush = useRef<Point | undefined>(undefined);
  const [grabbing, setGrabbing] = useState(false);

  const image = photo?.image;
  const ext = previewExtension({ photo, editMode, extend: extendRaw });
  const content = contentSize({ photo, editMode, extend: extendRaw });
  useEffect(() => setViewportSize(viewport), [viewport]);
  const showMask = editMode !== 'text';
  const canPaint = image !== undefined && showMask;
  const ready = viewport.width > 0 && viewport.height > 0;
  const at = place(view, viewport, content);

  // The photo's pixels (again when the canvas element is new: it only exists once laid out).
  useEffect(() => {
    if (image && imageRef.current) drawImage(imageRef.current, image);
  }, [image, ready]);

  // Redraws what changed in the mask since the last draw (whoever brought the raster up to date).
  const redraw = () => {
    if (image && maskRef.current) drawMask(maskRef.current, maskRasterOf(image).data, image.width, image.height, maskRasterOf(image).takeDirty(), color);
  };

  // The mask: brought up to date with the operation list; only what changed is redrawn, all of
  // it for a new photo, colour or canvas element.
  const drawn = useRef<{ image?: unknown; color?: string; canvas?: unknown }>({});
  useEffect(() => {
    const canvas = maskRef.current;
    if (!image || !canvas) return;
    const raster = maskRasterOf(image);
    raster.sync(history.ops);
    if (drawn.current.image !== image || drawn.current.color !== color || drawn.current.canvas !== canvas) {
      raster.invalidate();
      drawn.current = { image, color, canvas };
    }
    redraw();
  }, [image, history, color, ready]); // eslint-disable-line react-hooks/exhaustive-deps

  // Wheel zooms about the cursor (a non-passive listener, so the page does not scroll).
  useEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!useEditor.getState().photo) return;
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      editorActions.setView(zoomAt(useEditor.getState().view, viewport, content, factor, { x: e.clientX - r.left, y: e.clientY - r.top }));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [viewport, content.width, content.height]); // eslint-disable-line react-hooks/exhaustive-deps

  const send = (event: ToolEvent) => {
    const t = transition(machine.current, event, canPaint);
    machine.current = t.state;
    setGrabbing(t.state.name === 'panning');
    for (const fx of t.effects) {
      if (!image) break;
      const raster = maskRasterOf(image);
      switch (fx.type) {
        case 'begin': {
          draft.current = { kind: 'stroke', tool, radius: brushSize / 2, points: [fx.at.x, fx.at.y] };
          raster.sync(useEditor.getState().history.ops);
          raster.beginDraft(draft.current);
          redraw();
          break;
        }
        case 'extend':
          if (draft.current) {
            draft.current.points.push(fx.to.x, fx.to.y);
            raster.extendDraft();
            redraw();
          }
          break;
        case 'commit':
          if (draft.current) editorActions.pushOp(draft.current);
          draft.current = null;
          break;
        case 'rollback':
          draft.current = null;
          raster.dropDraft();
          redraw();
          break;
        case 'pan': {
          const v = useEditor.getState().view;
          editorActions.setView({ ...v, panX: v.panX + fx.dx, panY: v.panY + fx.dy });
          break;
        }
      }
    }
  };

  /** Viewport and image coordinates of a pointer event. */
  const locate = (e: { clientX: number; clientY: number }): { screen: Point; image: Point } => {
    const r = viewportRef.current!.getBoundingClientRect();
    const screen = { x: e.clientX - r.left, y: e.clientY - r.top };
    const c = toContent(view, viewport, content, screen);
    return { screen, image: { x: c.x - ext.left, y: c.y - ext.top } };
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (!image) return;
    if (e.button === 1) e.preventDefault(); // no autoscroll
    viewportRef.current?.focus({ preventScroll: true });
    e.currentTarget.setPointerCapture(e.pointerId);
    send({ type: 'down', pointerId: e.pointerId, button: e.button, spaceHeld: spaceHeld.current, ...locate(e) });
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const here = locate(e);
    setHover(here.screen);
    if (machine.current.name === 'idle') return;
    // Coalesced events keep fast strokes smooth.
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    for (const ce of events.length > 0 ? events : [e.nativeEvent]) send({ type: 'move', pointerId: e.pointerId, ...locate(ce) });
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => send({ type: 'up', pointerId: e.pointerId, image: locate(e).image });

  // The keyboard brush, for a mask made without a mouse: arrows move the brush (Shift: 4× the
  // step), Enter puts the pen down and lifts it; what is painted in between is one stroke (one
  // undo step), driven through the same machine as the pointer, with its own pointer id.
  const screenOf = (p: Point): Point => ({ x: at.x + (p.x + ext.left) * at.scale, y: at.y + (p.y + ext.top) * at.scale });
  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    if (!image || !canPaint || e.ctrlKey || e.metaKey || e.altKey) return;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const start = keyBrush.current ?? { x: Math.floor(image.width / 2), y: Math.floor(image.height / 2) };
    if (e.key === 'Enter') {
      e.preventDefault();
      if (machine.current.name === 'idle') send({ type: 'down', pointerId: KEYBOARD_POINTER, button: 0, image: start, screen: screenOf(start), spaceHeld: false });
      else send({ type: 'up', pointerId: KEYBOARD_POINTER, image: start });
      keyBrush.current = start;
      setHover(screenOf(start));
      return;
    }
    const dir = arrows[e.key];
    if (!dir) return;
    e.preventDefault();
    const step = Math.max(1, Math.round(brushSize / 2)) * (e.shiftKey ? 4 : 1);
    const next = {
      x: Math.min(image.width - 1, Math.max(0, start.x + dir[0] * step)),
      y: Math.min(image.height - 1, Math.max(0, start.y + dir[1] * step)),
    };
    keyBrush.current = next;
    setHover(screenOf(next));
    if (machine.current.name !== 'idle') send({ type: 'move', pointerId: KEYBOARD_POINTER, image: next, screen: screenOf(next) });
  };

  // Space (held) pans; Esc while painting drops the stroke instead of cancelling the job.
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.key === ' ' && !isTyping(e.target) && (e.target === document.body || e.target === viewportRef.current)) {
        e.preventDefault();
        spaceHeld.current = true;
      } else if (e.key === 'Escape' && machine.current.name !== 'idle') {
        e.preventDefault();
        send({ type: 'cancel' });
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === ' ') spaceHeld.current = false;
    };
    const blur = () => {
      spaceHeld.current = false;
      if (machine.current.name !== 'idle') send({ type: 'cancel' });
    };
    window.addEventListener('keydown', down, true);
    window.addEventListener('keyup', up, true);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down, true);
      window.removeEventListener('keyup', up, true);
      window.removeEventListener('blur', blur);
    };
  });

  const px = (n: number) => `${n * at.scale}px`;
  const cursorSize = brushSize * at.scale;
  return (
    <div
      ref={viewportRef}
      tabIndex={image ? 0 : -1}
      role={image ? 'application' : undefined}
      aria-label={
        image
          ? 'Mask canvas: drag to paint, or arrow keys to move the brush and Enter for pen down and up; Space+drag or middle button to pan, wheel to zoom'
          : undefined
      }
      aria-roledescription={image ? 'mask canvas' : undefined}
      data-testid="edit-canvas"
      style={fitHeight === undefined ? undefined : { height: fitHeight }}
      className={`relative h-[min(65vh,40rem)] min-h-72 overflow-hidden rounded-md border border-zinc-800 bg-zinc-950 outline-none focus-visible:ring-2 focus-visible:ring-violet-400 ${
        !image ? '' : grabbing ? 'cursor-grabbing' : canPaint ? 'cursor-none' : 'cursor-grab'
      }`}
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => send({ type: 'cancel' })}
      onPointerLeave={() => setHover(null)}
      onContextMenu={(e) => image && e.preventDefault()}
    >
      {!image && <EmptyState />}
      {image && ready && (
        <div
          data-testid="edit-stage"
          className="absolute"
          style={{ left: at.x, top: at.y, width: px(content.width), height: px(content.height), ...(editMode === 'outpaint' ? CHECKER : {}) }}
        >
          {editMode === 'outpaint' && (
            <div aria-hidden className="pointer-events-none absolute inset-0 border border-dashed border-violet-400/80" />
          )}
          <canvas
            ref={imageRef}
            role="img"
            aria-label="Photo being edited"
            className={`absolute ${at.scale >= 2 ? 'pixelated' : ''}`}
            style={{ left: px(ext.left), top: px(ext.top), width: px(image.width), height: px(image.height) }}
          />
          <canvas
            ref={maskRef}
            aria-hidden
            data-testid="mask-overlay"
            className={`pointer-events-none absolute pixelated ${showMask ? '' : 'hidden'}`}
            style={{ left: px(ext.left), top: px(ext.top), width: px(image.width), height: px(image.height), opacity }}
          />
        </div>
      )}
      {image && canPaint && hover && !grabbing && (
        <div
          aria-hidden
          className="pointer-events-none absolute rounded-full border border-white mix-blend-difference"
          style={{ left: hover.x - cursorSize / 2, top: hover.y - cursorSize / 2, width: cursorSize, height: cursorSize }}
        />
      )}
    </div>
  );
}

function EmptyState() {
  return (
    <div className="absolute inset-0 flex flex-col items-center justify-center gap-3 border-2 border-dashed border-zinc-800 text-center text-sm text-zinc-400">
      <p>Open a photo to edit: PNG, JPEG or WebP, any size.</p>
      <OpenImageButton />
      <p className="text-xs text-zinc-400">…or drop it here, or paste it (Ctrl+V / ⌘V).</p>
    </div>
  );
}
