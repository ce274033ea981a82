// The studio's gallery panel: saved images from IndexedDB with Recall, Download and Delete
// (with Undo). Loads on first mount; all state lives in useGallery.
import { useEffect, useId, useRef } from 'react';
import type { GenerationParams } from '../engine/png';
import { downloadBlob, galleryFilename } from './download';
import { galleryButtonClass, GalleryGrid } from './GalleryGrid';
import { useGallery } from './useGallery';
import type { GalleryItem } from './types';

export interface GalleryProps {
  /** Called with the stored settings when the user picks "Recall parameters". */
  onRecall(params: GenerationParams): void;
  className?: string;
}

export function Gallery({ onRecall, className = '' }: GalleryProps) {
  const items = useGallery((s) => s.items);
  const status = useGallery((s) => s.status);
  const error = useGallery((s) => s.error);
  const notice = useGallery((s) => s.notice);
  const recentlyDeleted = useGallery((s) => s.recentlyDeleted);
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const undoRef = useRef<HTMLButtonElement>(null);
  // Where focus goes once the list has re-rendered: deleting removes the focused button, so
  // focus moves to Undo; undoing removes Undo, so focus moves to the heading.
  const pendingFocus = useRef<{ to: 'undo'; id: string } | { to: 'heading' } | null>(null);

  useEffect(() => {
    const { status: current, load } = useGallery.getState();
    if (current === 'idle') void load();
  }, []);

  useEffect(() => {
    const want = pendingFocus.current;
    if (want?.to === 'undo' && recentlyDeleted?.id === want.id && undoRef.current) {
      undoRef.current.focus();
      pendingFocus.current = null;
    } else if (want?.to === 'heading' && !recentlyDeleted && headingRef.current) {
      headingRef.current.focus();
      pendingFocus.current = null;
    }
  });

  const { remove, undoRemove, dismissError, dismissNotice, dismissUndo } = useGallery.getState();
  const onDelete = async (item: GalleryItem) => {
    pendingFocus.current = { to: 'undo', id: item.id };
    await remove(item.id);
    if (useGallery.getState().recentlyDeleted?.id !== item.id) pendingFocus.current = null; // delete failed
  };
  const onUndo = async () => {
    pendingFocus.current = { to: 'heading' };
    await undoRemove();
    if (useGallery.getState().recentlyDeleted) pendingFocus.current = null; // undo failed
  };

  return (
    <section aria-labelledby={headingId} className={`flex flex-col gap-3 text-neutral-100 ${className}`}>
      <h2
        id={headingId}
        ref={headingRef}
        tabIndex={-1}
        className="text-xs font-semibold uppercase tracking-wider text-neutral-400 focus:outline-none"
      >
        Gallery
      </h2>

      {error && (
        <div role="alert" className="flex items-start gap-2 rounded-md border border-rose-500/40 bg-rose-950/40 p-2 text-xs text-rose-200">
          <p className="flex-1">{error}</p>
          <button type="button" className={galleryButtonClass} onClick={dismissError}>
            Dismiss
          </button>
        </div>
      )}
      {notice && (
        <div role="status" className="flex items-start gap-2 rounded-md border border-amber-500/30 bg-amber-950/30 p-2 text-xs text-amber-200">
          <p className="flex-1">{notice}</p>
          <button type="button" className={galleryButtonClass} onClick={dismissNotice}>
            Dismiss
          </button>
        </div>
      )}
      <div role="status" aria-live="polite">
        {recentlyDeleted && (
          <div className="flex items-center gap-2 rounded-md border border-neutral-700 bg-neutral-800 p-2 text-xs">
            <p className="flex-1 truncate">Deleted “{recentlyDeleted.params.prompt || 'untitled image'}”.</p>
            <button ref={undoRef} type="button" className={galleryButtonClass} onClick={() => void onUndo()}>
              Undo
            </button>
            <button type="button" className={galleryButtonClass} aria-label="Dismiss undo" onClick={dismissUndo}>
              ×
            </button>
          </div>
        )}
      </div>

      {status === 'loading' && items.length === 0 && <p className="text-xs text-neutral-400">Loading gallery…</p>}
      {status === 'ready' && items.length === 0 && (
        <p className="text-xs text-neutral-400">No saved images yet. Images you save appear here.</p>
      )}
      {items.length > 0 && (
        <GalleryGrid
          items={items}
          onRecall={(item) => onRecall(item.params)}
          onDownload={(item) => downloadBlob(item.png, galleryFilename(item.params))}
          onDelete={(item) => void onDelete(item)}
        />
      )}
    </section>
  );
}
