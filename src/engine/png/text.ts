// PNG text chunks: tEXt (Latin-1) and iTXt (UTF-8). zTXt and compressed iTXt are recognised
// (so insertPngText can replace them) but not read: inflating needs zlib, and this module
// stays synchronous and dependency-free. The "parameters" chunk we and A1111 write is never
// compressed.
import { concatBytes, encodeChunk, PNG_SIGNATURE, readChunks, type PngChunk } from './chunks';
import { PngError } from './errors';

const TEXT_CHUNK_TYPES = new Set(['tEXt', 'zTXt', 'iTXt']);

/**
 * Checks a keyword against the PNG rules: 1-79 Latin-1 printable characters, no leading,
 * trailing or consecutive spaces.
 */
export function assertPngKeyword(keyword: string): void {
  const fail = (why: string): never => {
    throw new PngError('invalid-input', `invalid PNG text keyword ${JSON.stringify(keyword)}: ${why}`);
  };
  if (keyword.length < 1 || keyword.length > 79) fail('it must be 1 to 79 characters long');
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword.charCodeAt(i);
    if (!((c >= 32 && c <= 126) || (c >= 161 && c <= 255))) fail('only printable Latin-1 characters are allowed');
  }
  if (keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) {
    fail('no leading, trailing or consecutive spaces are allowed');
  }
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function latin1String(bytes: Uint8Array): string {
  let s = '';
  // Bounded slices keep String.fromCharCode under engines' argument-count limits.
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return s;
}

/**
 * Encodes one text entry as a tEXt chunk when the text is Latin-1, otherwise as an
 * uncompressed iTXt chunk holding UTF-8 (empty language tag and translated keyword).
 */
export function encodeTextChunk(keyword: string, text: string): Uint8Array<ArrayBuffer> {
  assertPngKeyword(keyword);
  if (text.includes('\0')) {
    throw new PngError('invalid-input', `PNG text "${keyword}" contains a NUL character, which PNG does not allow`);
  }
  const key = latin1Bytes(keyword);
  if (isLatin1(text)) {
    return encodeChunk('tEXt', concatBytes([key, Uint8Array.of(0), latin1Bytes(text)]));
  }
  // keyword \0, compression flag 0, compression method 0, language tag "" \0,
  // translated keyword "" \0, then the UTF-8 text (not NUL-terminated).
  const utf8 = new TextEncoder().encode(text);
  return encodeChunk('iTXt', concatBytes([key, Uint8Array.of(0, 0, 0, 0, 0), utf8]));
}

function chunkKeyword(chunk: PngChunk): string {
  const nul = chunk.data.indexOf(0);
  if (nul < 1 || nul > 79) {
    throw new PngError('malformed', `PNG chunk ${chunk.type} has no valid keyword`, chunk.type);
  }
  return latin1String(chunk.data.subarray(0, nul));
}

/**
 * Decodes a tEXt or iTXt chunk. Returns null for text this reader does not decode
 * (zTXt and compressed iTXt).
 */
function decodeTextChunk(chunk: PngChunk): { keyword: string; text: string } | null {
  const keyword = chunkKeyword(chunk);
  const data = chunk.data;
  const afterKey = keyword.length + 1;
  if (chunk.type === 'tEXt') return { keyword, text: latin1String(data.subarray(afterKey)) };
  if (chunk.type !== 'iTXt') return null;

  const malformed = (why: string) => new PngError('malformed', `PNG chunk iTXt "${keyword}" is damaged: ${why}`, 'iTXt');
  if (afterKey + 2 > data.length) throw malformed('it ends after the keyword');
  const compressed = data[afterKey];
  if (compressed !== 0 && compressed !== 1) throw malformed('invalid compression flag');
  const langEnd = data.indexOf(0, afterKey + 2);
  const translatedEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
  if (translatedEnd < 0) throw malformed('missing language tag or translated keyword');
  if (compressed === 1) return null;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(translatedEnd + 1));
    return { keyword, text };
  } catch {
    throw malformed('the text is not valid UTF-8');
  }
}

/**
 * Reads the uncompressed text entries (tEXt and iTXt) of a PNG file into keyword → text.
 * Validates the signature and every chunk's CRC first; when a keyword repeats, the last
 * chunk wins (as in Pillow). zTXt and compressed iTXt entries are skipped.
 * @throws PngError ("not a PNG file", "PNG chunk tEXt has a bad CRC …", truncation, …).
 */
export function readPngText(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  for (const chunk of readChunks(bytes)) {
    if (chunk.type !== 'tEXt' && chunk.type !== 'iTXt') continue;
    const entry = decodeTextChunk(chunk);
    if (!entry) continue;
    // defineProperty, not assignment: a keyword such as "__proto__" must stay plain data.
    Object.defineProperty(out, entry.keyword, {
      value: entry.text,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Returns a copy of a PNG with the given text entries added right after IHDR. Existing
 * tEXt/zTXt/iTXt chunks with the same keywords are removed; every other chunk is kept
 * byte for byte. This is how the browser path adds metadata to a canvas-encoded PNG.
 * @throws PngError when the input is not a valid PNG or a keyword/text cannot be encoded.
 */
export function insertPngText(pngBytes: Uint8Array, text: Record<string, string>): Uint8Array<ArrayBuffer> {
  const chunks = readChunks(pngBytes);
  const replaced = new Set(Object.keys(text));
  const added = Object.entries(text).map(([k, v]) => encodeTextChunk(k, v));
  const parts: Uint8Array[] = [Uint8Array.from(PNG_SIGNATURE)];
  chunks.forEach((chunk, i) => {
    const isReplacedText = TEXT_CHUNK_TYPES.has(chunk.type) && replaced.has(chunkKeyword(chunk));
    if (!isReplacedText) parts.push(pngBytes.subarray(chunk.start, chunk.end));
    if (i === 0) parts.push(...added); // chunk 0 is IHDR (readChunks guarantees it)
  });
  return concatBytes(parts);
}
