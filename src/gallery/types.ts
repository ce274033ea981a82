import type { GenerationParams } from '../engine/png';

/** One saved image, as stored in IndexedDB ("muse-studio" / "images") and returned by reads. */
export interface GalleryItem {
  /** Unique id; the object store's key. */
  id: string;
  /** ms since the epoch; the list is ordered newest first by this. */
  createdAt: number;
  params: GenerationParams;
  /** The PNG with the A1111 "parameters" text chunk, exactly what Download saves. */
  png: Blob;
  width: number;
  height: number;
}

/** What addToGallery needs; id and createdAt are filled in when absent (undo passes them). */
export type NewGalleryEntry = Omit<GalleryItem, 'id' | 'createdAt'> & Partial<Pick<GalleryItem, 'id' | 'createdAt'>>;

export type GalleryErrorCode =
  | 'quota' // the browser refused to store more data
  | 'unavailable' // no IndexedDB here (some private modes) or the database cannot open
  | 'not-found' // the image is no longer stored
  | 'invalid-entry' // the caller passed a row that fails validation
  | 'failed'; // any other storage error

/** A gallery operation failed; the message can be shown to the user as is. */
export class GalleryError extends Error {
  readonly code: GalleryErrorCode;

  constructor(code: GalleryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GalleryError';
    this.code = code;
  }
}
