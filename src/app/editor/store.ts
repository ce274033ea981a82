/**
 * The editor's state: the photo being edited, its mask (as operations with undo/redo), the tool
 * settings, the view, the edit mode and its settings, the edits in flight and the staged
 * result. Pixels of the mask are not state: they are derived per photo by `maskRasterOf`.
 */
import { create } from 'zustand';
import type { Extension, PixelRect, RgbaImage, StageSettings } from '../../engine';
import { DEFAULT_STRENGTH } from '../../engine';
import type { BackendKind, ResultImage } from '../../worker/protocol';
import type { JobParams } from '../store/studio';
import { applySizePlan, defaultFeather, planSize, type Size, type SizeChoice } from './image/size';
import type { OpenedImage } from './image/open';
import { EMPTY_HISTORY, pushOp, redo, undo, type MaskHistory } from './mask/history';
import type { MaskOp, Tool } from './mask/ops';
import { MaskRaster } from './mask/raster';
import { FIT_VIEW, type View } from './tools/view';

export type AppMode = 'generate' | 'edit';
export type EditMode = 'inpaint' | 'outpaint' | 'text';
export type Side = keyof Extension;
export const SIDES: readonly Side[] = ['left', 'right', 'top', 'bottom'];

export interface Photo {
  image: RgbaImage;
  /** File name, "pasted image", or where it came from. */
  name: string;
}

/** What an edit was sent with: enough to run it again with another seed and to label its result. */
export interface SentEdit {
  mode: EditMode;
  photo: Photo;
  /** A snapshot of the mask bytes (inpaint; outpaint when something is painted). */
  mask?: Uint8Array;
  extend?: Extension;
  strength?: number;
  feather?: number;
  /** Stage overrides from the form's Advanced settings. */
  base?: Partial<StageSettings>;
  superRes?: Partial<StageSettings>;
  params: JobParams;
}

/** A finished edit waiting for Accept / Discard / Next variation. */
export interface Staged {
  jobId: string;
  sent: SentEdit;
  result: RgbaImage;
  /** The result as the worker finished it: its PNG file and settings, saved as they are on Accept. */
  file: ResultImage;
  /** Where the photo sits inside the result (outpainting moves it by the left/top extension). */
  offset: { x: number; y: number };
  settings: { base: StageSettings; superRes?: StageSettings };
  changedFraction: number;
  windows: PixelRect[];
  backend: BackendKind;
  promptTruncated: boolean;
  ms: number;
}

export interface EditorState {
  appMode: AppMode;
  /** The photo as opened (≤ 4096 px a side), from which "fit" and "crop" are derived. */
  source?: Photo & { original: Size };
  sizing: SizeChoice;
  photo?: Photo;
  /** Notes about the open photo (downscaled, transparency filled, mask cleared). */
  notices: string[];
  /** Why the last file could not be opened; the current photo is kept. */
  openError?: string;
  opening: boolean;
  history: MaskHistory;
  tool: Tool;
  /** Brush diameter in image pixels. */
  brushSize: number;
  /** Blend feather in image pixels (the engine's `feather`). */
  feather: number;
  overlayColor: string;
  overlayOpacity: number;
  view: View;
  editMode: EditMode;
  /** Outpaint extension per side, as typed. */
  extend: Record<Side, string>;
  strength: number;
  /** Edits sent and not answered yet, by job id. */
  sent: Record<string, SentEdit>;
  staged?: Staged;
  /** A short note after Accept / Discard. */
  note?: string;
}

export const MIN_BRUSH = 1;
export const MAX_BRUSH = 1024;
export const MAX_FEATHER_UI = 512;

const NO_EXTEND: Record<Side, string> = { left: '0', right: '0', top: '0', bottom: '0' };

export const useEditor = create<EditorState>()(() => ({
  appMode: 'generate',
  sizing: 'original',
  notices: [],
  opening: false,
  history: EMPTY_HISTORY,
  tool: 'brush',
  brushSize: 24,
  feather: 2,
  overlayColor: '#ff2d75',
  overlayOpacity: 0.5,
  view: FIT_VIEW,
  editMode: 'inpaint',
  extend: NO_EXTEND,
  strength: DEFAULT_STRENGTH,
  sent: {},
}));

const rasters = new WeakMap<RgbaImage, MaskRaster>();

/** The mask pixels of a photo (one raster per photo, brought up to date lazily by `sync`). */
export function maskRasterOf(image: RgbaImage): MaskRaster {
  let r = rasters.get(image);
  if (!r) {
    r = new MaskRaster(image.width, image.height);
    rasters.set(image, r);
  }
  return r;
}

/** A good default brush: a tenth of the shorter side, rounded. */
function defaultBrush(image: RgbaImage): number {
  return Math.max(MIN_BRUSH, Math.min(MAX_BRUSH, Math.round(Math.min(image.width, image.height) / 10)));
}

/** Replaces the photo being edited; the mask, view and extension start afresh. */
function setPhoto(photo: Photo, extra: Partial<EditorState> = {}): void {
  useEditor.setState({
    photo,
    history: EMPTY_HISTORY,
    view: FIT_VIEW,
    extend: NO_EXTEND,
    brushSize: defaultBrush(photo.image),
    feather: defaultFeather(photo.image),
    openError: undefined,
    ...extra,
  });
}

/** What a new photo is told when the last photo's "fit" or "crop" choice resized it. */
export function carriedSizeNotice(sizing: Exclude<SizeChoice, 'original'>, from: Size, to: Size): string {
  const how = sizing === 'fit' ? 'Fit to the model' : 'Crop to the model';
  return `Resized from ${from.width}×${from.height} to ${to.width}×${to.height} px by “${how}”, kept from the last photo. Choose “Keep original size” under Size to undo.`;
}

const set = useEditor.setState;
const get = useEditor.getState;

export const editorActions = {
  setAppMode: (appMode: AppMode) => set({ appMode }),

  /** A newly opened file becomes the photo, sized by the current choice. */
  opened(o: OpenedImage, model: Size | undefined): void {
    const source = { image: o.image, name: o.name, original: o.original };
    const sizing = model ? get().sizing : 'original';
    const image = applySizePlan(o.image, planSize(sizing, o.image, model ?? o.image));
    // The size choice carries over from the last photo: say so, so it is never a silent resize.
    const notices = sizing === 'original' ? o.notices : [...o.notices, carriedSizeNotice(sizing, o.image, image)];
    setPhoto({ image, name: o.name }, { source, sizing, notices, opening: false, note: undefined });
  },
  openFailed: (openError: string) => set({ openError, opening: false }),
  setOpening: (opening: boolean) => set({ opening }),
  dismissOpenError: () => set({ openError: undefined }),

  /** Original size, fit or crop to the model's size; the mask is cleared (its pixels no longer line up). */
  setSizing(sizing: SizeChoice, model: Size): void {
    const { source, history } = get();
    if (!source) {
      set({ sizing });
      return;
    }
    const image = applySizePlan(source.image, planSize(sizing, source.image, model));
    const notices = get().notices.filter((n) => !n.startsWith('The mask was cleared'));
    if (history.ops.length > 0) notices.push('The mask was cleared because the image size changed.');
    setPhoto({ image, name: source.name }, { sizing, notices });
  },

  /** Makes an image (an accepted result, a generated image) the photo to edit; edits chain. */
  usePhoto(photo: Photo, note?: string): void {
    setPhoto(photo, { source: { ...photo, original: { width: photo.image.width, height: photo.image.height } }, sizing: 'original', notices: [], note });
  },

  setTool: (tool: Tool) => set({ tool }),
  setBrushSize: (size: number) => set({ brushSize: Math.round(Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, size))) }),
  /** `[` and `]`: about 20 % smaller or larger, at least one pixel. */
  stepBrushSize(direction: 1 | -1): void {
    const s = get().brushSize;
    editorActions.setBrushSize(direction > 0 ? Math.max(s + 1, s * 1.2) : Math.min(s - 1, s / 1.2));
  },
  setFeather: (feather: number) => set({ feather: Math.round(Math.min(MAX_FEATHER_UI, Math.max(0, feather))) }),
  setOverlayColor: (overlayColor: string) => set({ overlayColor }),
  setOverlayOpacity: (overlayOpacity: number) => set({ overlayOpacity: Math.min(1, Math.max(0.05, overlayOpacity)) }),

  pushOp: (op: MaskOp) => set((s) => ({ history: pushOp(s.history, op) })),
  undo: () => set((s) => ({ history: undo(s.history) })),
  redo: () => set((s) => ({ history: redo(s.history) })),
  invert: () => set((s) => (s.photo ? { history: pushOp(s.history, { kind: 'invert' }) } : {})),
  clear: () => set((s) => (s.photo && s.history.ops.length > 0 ? { history: pushOp(s.history, { kind: 'clear' }) } : {})),

  setView: (view: View) => set({ view }),
  setEditMode: (editMode: EditMode) => set({ editMode }),
  setExtend: (side: Side, value: string) => set((s) => ({ extend: { ...s.extend, [side]: value } })),
  setStrength: (strength: number) => set({ strength: Math.min(1, Math.max(0.05, strength)) }),

  remember: (jobId: string, sent: SentEdit) => set((s) => ({ sent: { ...s.sent, [jobId]: sent } })),
  forget(jobIds: string[]): void {
    set((s) => {
      const sent = { ...s.sent };
      for (const id of jobIds) delete sent[id];
      return { sent };
    });
  },
  stage: (staged: Staged) => set({ staged, note: undefined }),
  discard: () => set({ staged: undefined, note: 'Result discarded.' }),
};
