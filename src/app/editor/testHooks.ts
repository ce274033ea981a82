/**
 * The editor's part of `window.__muse` (only with `?testHooks`): the mask the next edit would
 * send, the photo's size and the staged result, for tests/e2e/editor.spec.ts.
 */
import { maskRasterOf, useEditor } from './store';

export interface EditorTestHooks {
  /** Mask bytes of the current photo (row-major, 255 = regenerate), or null without a photo. */
  mask(): number[] | null;
  /** How many mask bytes are non-zero. */
  maskCount(): number;
  photo(): { width: number; height: number; name: string } | null;
  staged(): { seed: number; mode: string; feather?: number; changedFraction: number; width: number; height: number; windows: number } | null;
}

export function editorTestHooks(): EditorTestHooks {
  const raster = () => {
    const { photo, history } = useEditor.getState();
    if (!photo) return null;
    const r = maskRasterOf(photo.image);
    r.sync(history.ops);
    return r.data;
  };
  return {
    mask: () => {
      const d = raster();
      return d ? Array.from(d) : null;
    },
    maskCount: () => raster()?.reduce((n, v) => n + (v ? 1 : 0), 0) ?? 0,
    photo: () => {
      const p = useEditor.getState().photo;
      return p ? { width: p.image.width, height: p.image.height, name: p.name } : null;
    },
    staged: () => {
      const s = useEditor.getState().staged;
      return s
        ? {
            seed: s.sent.params.seed,
            mode: s.sent.mode,
            feather: s.sent.mode === 'text' ? undefined : s.sent.feather,
            changedFraction: s.changedFraction,
            width: s.result.width,
            height: s.result.height,
            windows: s.windows.length,
          }
        : null;
    },
  };
}
