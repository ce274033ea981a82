/**
 * Opening a photo from a file, a drop or the clipboard: identify it by its bytes, decode it
 * with the EXIF orientation applied — straight to at most 4096 px a side, so a 10000×10000
 * photo is never held at full size in our buffers — read its pixels and flatten alpha onto
 * white. Every failure is a message; nothing here touches the current work.
 */
import { MAX_EDIT_SIDE, type RgbaImage } from '../../../engine';
import { sniffImage } from '../../../engine/image/sniff';
import { flattenOnWhite, limitSize, type Size } from './size';

/** Files larger than this are refused unread (a 4096² PNG is well under it). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface OpenedImage {
  image: RgbaImage;
  name: string;
  /** The photo's own (oriented) size, before any downscaling. */
  original: Size;
  /** Plain-language notes: downscaled, transparency filled. */
  notices: string[];
}

export type OpenResult = { ok: true; opened: OpenedImage } | { ok: false; message: string };

function quoted(name: string): string {
  return `“${name}”`;
}

/** Draws a bitmap and reads its RGBA bytes (OffscreenCanvas where there is one). */
function readPixels(bitmap: ImageBitmap): Uint8ClampedArray {
  const { width, height } = bitmap;
  const canvas: OffscreenCanvas | HTMLCanvasElement =
    typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('no 2D canvas is available');
  ctx.drawImage(bitmap, 0, 0);
  // Canvas is the only decoder a page has; browsers with fingerprinting protection may add
  // noise to this read-back, which only perturbs the photo slightly.
  return ctx.getImageData(0, 0, width, height).data;
}

/**
 * Opens an image file (PNG, JPEG or WebP; any size and aspect). Never throws.
 * `fallbackName` names clipboard images, which have no file name.
 */
export async function openImageFile(file: Blob, fallbackName = 'the pasted image'): Promise<OpenResult> {
  const fileName = (file as Partial<File>).name;
  const name = fileName ? quoted(fileName) : fallbackName;
  const label = fileName ?? 'pasted image';
  if (file.size === 0) return { ok: false, message: `${name} is empty (0 bytes); nothing was opened.` };
  if (file.size > MAX_FILE_BYTES) {
    return { ok: false, message: `${name} is ${Math.round(file.size / 2 ** 20)} MiB; files up to ${MAX_FILE_BYTES / 2 ** 20} MiB can be opened.` };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch {
    return { ok: false, message: `${name} could not be read.` };
  }
  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) return { ok: false, message: `${name} cannot be opened: ${sniffed.reason}. Open a PNG, JPEG or WebP photo.` };
  const original = { width: sniffed.image.width, height: sniffed.image.height };
  const target = limitSize(original, MAX_EDIT_SIDE);
  let bitmap: ImageBitmap;
  try {
    // Resize sizes are those of the oriented picture (checked in Chromium 156), and the decoder
    // writes the smaller bitmap directly.
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), {
      imageOrientation: 'from-image',
      ...(target.scaled ? { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' as const } : {}),
    });
  } catch {
    return {
      ok: false,
      message: `${name} could not be decoded: the file is damaged, or the browser cannot decode a ${original.width}×${original.height} picture.`,
    };
  }
  const { width, height } = bitmap; // read before close(), which zeroes them
  let data: Uint8ClampedArray;
  try {
    data = readPixels(bitmap);
  } catch (e) {
    return { ok: false, message: `${name} could not be read into a canvas (${e instanceof Error ? e.message : String(e)}).` };
  } finally {
    bitmap.close();
  }
  const image: RgbaImage = { width, height, data };
  const notices: string[] = [];
  if (target.scaled) {
    notices.push(
      `The photo is ${original.width}×${original.height} pixels; it was downscaled to ${image.width}×${image.height} (the editor works on at most ${MAX_EDIT_SIDE} pixels a side).`,
    );
  }
  if (flattenOnWhite(data)) notices.push('The image has transparent areas; they were filled with white.');
  return { ok: true, opened: { image, name: label, original, notices } };
}

/** The first image file of a paste or drop, if any. */
export function firstImageFile(data: DataTransfer | null): File | undefined {
  if (!data) return undefined;
  const files = Array.from(data.files);
  return files.find((f) => f.type.startsWith('image/')) ?? files[0];
}
