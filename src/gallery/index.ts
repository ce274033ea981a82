// The gallery: saved images in IndexedDB (PNG files the worker encoded, with their generation
// settings), the grid that shows them, and recalling settings from a dropped PNG. See README.md.
export { Gallery, type GalleryProps } from './Gallery';
export { GalleryGrid, altText, type GalleryGridProps } from './GalleryGrid';
export {
  addToGallery,
  closeGalleryDb,
  deleteFromGallery,
  getGalleryPng,
  listGallery,
  GALLERY_DB_NAME,
  GALLERY_STORE,
  type GalleryListing,
  type SkippedRow,
} from './galleryDb';
export { downloadBlob, galleryFilename } from './download';
export { listenForPngDrops, readParamsFromFile, MAX_DROP_BYTES, type PngDropCallbacks, type PngDropResult } from './pngDrop';
export { useGallery, type GalleryState } from './useGallery';
export { usePngDrop, PngDropOverlay } from './usePngDrop';
export { GalleryError, type GalleryErrorCode, type GalleryItem, type NewGalleryEntry } from './types';
