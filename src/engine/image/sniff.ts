/**
 * What a file is, read from its first bytes rather than its name or MIME type: PNG, JPEG or
 * WebP, its stored size, and the EXIF orientation the browser will apply when decoding. The
 * size is needed *before* decoding so a huge photo can be decoded straight to a smaller bitmap
 * (createImageBitmap's resize options), never at full size in our own buffers.
 *
 * Pure: no DOM, so it is unit-tested on hand-built headers.
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface SniffedImage {
  format: ImageFormat;
  /** The size as displayed, i.e. after the orientation the browser applies. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 that Chromium honours for this format (1 when none or ignored). */
  orientation: number;
}

export type SniffResult = { ok: true; image: SniffedImage } | { ok: false; reason: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
}
function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
function u24le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
}
function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + ((b[i + 3] << 24) >>> 0);
}
function ascii(b: Uint8Array, i: number, n: number): string {
  return String.fromCharCode(...b.subarray(i, i + n));
}

/** Orientations 5–8 turn the picture a quarter, so width and height swap. */
function oriented(format: ImageFormat, width: number, height: number, orientation: number): SniffedImage {
  const swap = orientation >= 5 && orientation <= 8;
  return swap ? { format, width: height, height: width, orientation } : { format, width, height, orientation };
}

/** The Orientation tag (0x0112) of a TIFF/EXIF block starting at `start`, or 1. */
export function exifOrientation(b: Uint8Array, start: number, end: number): number {
  if (end - start < 8) return 1;
  const order = ascii(b, start, 2);
  if (order !== 'II' && order !== 'MM') return 1;
  const le = order === 'II';
  const u16 = (i: number) => (le ? u16le(b, i) : u16be(b, i));
  const u32 = (i: number) => (le ? u32le(b, i) : u32be(b, i));
  if (u16(start + 2) !== 42) return 1;
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > end) return 1;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

function sniffPng(b: Uint8Array): SniffResult {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') return { ok: false, reason: 'it is a damaged PNG (no image header)' };
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  // Chromium applies an eXIf chunk's orientation; it must come before the image data.
  let orientation = 1;
  let i = 8;
  while (i + 8 <= b.length) {
    const len = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'eXIf') {
      orientation = exifOrientation(b, i + 8, Math.min(b.length, i + 8 + len));
      break;
    }
    i += 12 + len;
  }
  return { ok: true, image: oriented('png', width, height, orientation) };
}

/** Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function sniffJpeg(b: Uint8Array): SniffResult {
  let orientation = 1;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { ok: false, reason: 'it is a damaged JPEG (bad segment marker)' };
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame
    const len = u16be(b, i + 2);
    const body = i + 4;
    if (marker === 0xe1 && len >= 8 && ascii(b, body, 6) === 'Exif\0\0') {
      orientation = exifOrientation(b, body + 6, Math.min(b.length, i + 2 + len));
    } else if (isSof(marker)) {
      if (body + 5 > b.length) break;
      const height = u16be(b, body + 1);
      const width = u16be(b, body + 3);
      return { ok: true, image: oriented('jpeg', width, height, orientation) };
    }
    i += 2 + len;
  }
  return { ok: false, reason: 'it is a damaged JPEG (no frame header)' };
}

function sniffWebp(b: Uint8Array): SniffResult {
  const chunk = ascii(b, 12, 4);
  // Chromium ignores EXIF orientation in WebP, so the stored size is the displayed size.
  if (chunk === 'VP8 ' && b.length >= 30 && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { ok: true, image: oriented('webp', u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff, 1) };
  }
  if (chunk === 'VP8L' && b.length >= 25 && b[20] === 0x2f) {
    const bits = u32le(b, 21);
    return { ok: true, image: oriented('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, 1) };
  }
  if (chunk === 'VP8X' && b.length >= 30) {
    return { ok: true, image: oriented('webp', u24le(b, 24) + 1, u24le(b, 27) + 1, 1) };
  }
  return { ok: false, reason: 'it is a damaged WebP (unknown image chunk)' };
}

/** Names a few common non-image or unsupported files, for a message that says what they are. */
function otherKind(b: Uint8Array): string | undefined {
  if (ascii(b, 0, 4) === 'GIF8') return 'a GIF';
  if (ascii(b, 0, 2) === 'BM') return 'a BMP';
  if (ascii(b, 4, 8) === 'ftypavif' || ascii(b, 4, 8) === 'ftypheic') return 'an AVIF/HEIC image';
  if (ascii(b, 0, 4) === '%PDF') return 'a PDF';
  if (ascii(b, 0, 2) === 'PK') return 'a ZIP archive';
  if (b[0] === 0x3c || ascii(b, 0, 5) === '<?xml') return 'text (SVG or HTML?)';
  return undefined;
}

/**
 * Identifies a PNG, JPEG or WebP from its first bytes (64 KiB is plenty for PNG and WebP;
 * JPEGs with large metadata need more — pass the whole file) and reads its displayed size.
 */
export function sniffImage(bytes: Uint8Array): SniffResult {
  const b = bytes;
  let result: SniffResult;
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) result = sniffPng(b);
  else if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) result = sniffJpeg(b);
  else if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') result = sniffWebp(b);
  else {
    const kind = otherKind(b);
    return { ok: false, reason: kind ? `it is ${kind}, not a PNG, JPEG or WebP image` : 'it is not a PNG, JPEG or WebP image' };
  }
  if (result.ok && (result.image.width < 1 || result.image.height < 1)) {
    return { ok: false, reason: `it says its size is ${result.image.width}×${result.image.height} pixels` };
  }
  return result;
}
