// The grid of saved images: presentational only (items and callbacks in), so it renders the
// same in the app and in tests.
import { useEffect, useId, useState } from 'react';
import type { GalleryItem } from './types';

export interface GalleryGridProps {
  items: GalleryItem[];
  onRecall(item: GalleryItem): void;
  onDownload(item: GalleryItem): void;
  onDelete(item: GalleryItem): void;
}

export const galleryButtonClass =
  'rounded-md border border-neutral-700 bg-neutral-800 px-2 py-1 text-xs text-neutral-100 hover:bg-neutral-700 ' +
  'focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400';

/** Alt text: the prompt itself, or a description when there is none. */
export function altText(item: GalleryItem): string {
  return item.params.prompt.trim() !== '' ? item.params.prompt : `Image generated without a prompt, seed ${item.params.seed}`;
}

/** An object URL for `blob`, revoked when the blob changes or the component unmounts. */
function useObjectUrl(blob: Blob): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url;
}

function GalleryCard({ item, onRecall, onDownload, onDelete }: { item: GalleryItem } & Omit<GalleryGridProps, 'items'>) {
  const url = useObjectUrl(item.png);
  const captionId = useId();
  const { prompt, seed, model } = item.params;
  return (
    // role="listitem" is explicit because list-style: none drops list semantics in Safari.
    <li role="listitem" className="flex flex-col overflow-hidden rounded-lg border border-neutral-800 bg-neutral-900">
      <img
        src={url}
        alt={altText(item)}
        width={item.width}
        height={item.height}
        loading="lazy"
        decoding="async"
        className="aspect-square h-auto w-full bg-neutral-800 object-cover"
      />
      <div className="flex flex-1 flex-col gap-2 p-2">
        <p id={captionId} className="line-clamp-2 break-words text-xs text-neutral-100" title={prompt}>
          {prompt.trim() !== '' ? prompt : <span className="italic text-neutral-400">No prompt</span>}
          <span className="sr-only">, seed {seed}</span>
        </p>
        <p className="text-[11px] text-neutral-400" aria-hidden="true">
          Seed {seed} · {model}
        </p>
        <div className="mt-auto flex flex-wrap gap-1">
          <button type="button" className={galleryButtonClass} aria-describedby={captionId} onClick={() => onRecall(item)}>
            Recall parameters
          </button>
          <button type="button" className={galleryButtonClass} aria-describedby={captionId} onClick={() => onDownload(item)}>
            Download
          </button>
          <button
            type="button"
            className={`${galleryButtonClass} hover:border-rose-500/60 hover:text-rose-300`}
            aria-describedby={captionId}
            onClick={() => onDelete(item)}
          >
            Delete
          </button>
        </div>
      </div>
    </li>
  );
}

export function GalleryGrid({ items, ...actions }: GalleryGridProps) {
  return (
    // role="list" is explicit for the same Safari reason as the items.
    <ul role="list" aria-label="Saved images" className="grid grid-cols-[repeat(auto-fill,minmax(10rem,1fr))] gap-3">
      {items.map((item) => (
        <GalleryCard key={item.id} item={item} {...actions} />
      ))}
    </ul>
  );
}
