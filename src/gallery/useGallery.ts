// The gallery as the UI sees it: a zustand store over galleryDb. Actions never throw; a
// failure lands in `error` (a message for the user) and leaves `items` as it was.
import { create } from 'zustand';
import type { GenerationParams } from '../engine/png';
import { addToGallery, deleteFromGallery, listGallery } from './galleryDb';
import { compareNewestFirst } from './rows';
import type { GalleryItem } from './types';

export interface GalleryState {
  /** Valid saved images, newest first. */
  items: GalleryItem[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** Message of the last failed action, for an alert; cleared by dismissError or the next success. */
  error: string | null;
  /** Non-fatal note, e.g. that damaged rows were skipped. */
  notice: string | null;
  /** The last deleted image, held in memory so Undo can put it back. */
  recentlyDeleted: GalleryItem | null;

  /** Reads the store (once on mount; again to refresh). */
  load(): Promise<void>;
  /**
   * Saves a PNG file (encoded by the worker, with the "parameters" chunk of `params`). Resolves
   * to the item, or null on failure (then `error` says why).
   */
  addPng(png: Blob, params: GenerationParams, size: { width: number; height: number }): Promise<GalleryItem | null>;
  /** Shows a failure that happened before saving (e.g. a PNG the worker could not write). */
  reportError(message: string): void;
  remove(id: string): Promise<void>;
  undoRemove(): Promise<void>;
  dismissError(): void;
  dismissNotice(): void;
  /** Forgets the last deleted image (hides Undo). */
  dismissUndo(): void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function withItem(items: GalleryItem[], item: GalleryItem): GalleryItem[] {
  return [...items.filter((i) => i.id !== item.id), item].sort(compareNewestFirst);
}

/** Copies a blob into memory, so it outlives the stored row it came from. */
async function detach(blob: Blob): Promise<Blob> {
  return new Blob([await blob.arrayBuffer()], { type: blob.type });
}

export const useGallery = create<GalleryState>()((set, get) => {
  const save = async (entry: Parameters<typeof addToGallery>[0]): Promise<GalleryItem | null> => {
    try {
      const item = await addToGallery(entry);
      set((s) => ({ items: withItem(s.items, item), error: null }));
      return item;
    } catch (e) {
      set({ error: message(e) });
      return null;
    }
  };

  return {
    items: [],
    status: 'idle',
    error: null,
    notice: null,
    recentlyDeleted: null,

    async load() {
      set({ status: 'loading' });
      try {
        const { items, skipped } = await listGallery();
        // Merge rather than replace: an add that finished while we were reading stays listed.
        set((s) => ({
          items: s.items.reduce(withItem, items),
          status: 'ready',
          notice:
            skipped.length === 0
              ? null
              : `${skipped.length} saved image${skipped.length === 1 ? ' is' : 's are'} damaged and could not be shown.`,
        }));
        if (skipped.length > 0) console.warn('Gallery rows skipped:', skipped);
      } catch (e) {
        set({ status: 'error', error: message(e) });
      }
    },

    addPng(png, params, size) {
      return save({ params, png, width: size.width, height: size.height });
    },

    async remove(id) {
      const item = get().items.find((i) => i.id === id);
      if (!item) return;
      try {
        const kept: GalleryItem = { ...item, png: await detach(item.png) };
        await deleteFromGallery(id);
        set((s) => ({ items: s.items.filter((i) => i.id !== id), recentlyDeleted: kept, error: null }));
      } catch (e) {
        set({ error: message(e) });
      }
    },

    async undoRemove() {
      const item = get().recentlyDeleted;
      if (!item) return;
      if ((await save(item)) !== null) set({ recentlyDeleted: null });
    },

    reportError: (error) => set({ error }),
    dismissError: () => set({ error: null }),
    dismissNotice: () => set({ notice: null }),
    dismissUndo: () => set({ recentlyDeleted: null }),
  };
});
