// Reading generation settings from a dropped file, and the window-level drag-and-drop
// wiring. Framework-free so it can be tested without a DOM; usePngDrop wraps it for React.
import { hasPngSignature, ParametersError, PngError, readPngParameters, type GenerationParams } from '../engine/png';

export type PngDropResult = { ok: true; params: GenerationParams } | { ok: false; message: string };

/** Larger files are refused unread: our PNGs are a few hundred KiB. */
export const MAX_DROP_BYTES = 64 * 1024 * 1024;

/** The name to show in messages: the file name when there is one. */
function label(file: Blob): string {
  const name = (file as Partial<File>).name;
  return name ? `“${name}”` : 'The dropped file';
}

/**
 * Reads the A1111 "parameters" of a PNG file. Never throws: every failure comes back as a
 * message that says what is wrong and what would work.
 */
export async function readParamsFromFile(file: Blob): Promise<PngDropResult> {
  const name = label(file);
  if (file.size === 0) return { ok: false, message: `${name} is empty.` };
  if (file.size > MAX_DROP_BYTES) {
    return { ok: false, message: `${name} is too large to be an image saved by Muse Studio.` };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch {
    return { ok: false, message: `${name} could not be read.` };
  }
  if (!hasPngSignature(bytes)) {
    return { ok: false, message: `${name} is not a PNG image. Drop a PNG saved from Muse Studio to reuse its settings.` };
  }
  try {
    return { ok: true, params: readPngParameters(bytes) };
  } catch (e) {
    if (e instanceof PngError) return { ok: false, message: `${name} is a damaged PNG: ${e.message}.` };
    if (e instanceof ParametersError) {
      const missing = !e.key && /no generation parameters/.test(e.message);
      return {
        ok: false,
        message: missing
          ? `${name} has no generation settings. Only PNGs saved by Muse Studio (or tools writing A1111 "parameters") can be recalled.`
          : `${name} has generation settings that cannot be used: ${e.message}.`,
      };
    }
    throw e; // a bug, not a bad file
  }
}

export interface PngDropCallbacks {
  onParams(params: GenerationParams): void;
  /** A message for the user; nothing else changed. */
  onError(message: string): void;
  /** True while files are dragged over the window (for an overlay). */
  onDragging?(dragging: boolean): void;
}

function carriesFiles(e: Event): boolean {
  const types = (e as DragEvent).dataTransfer?.types;
  return !!types && Array.from(types).includes('Files');
}

/**
 * Listens for files dropped anywhere on `target` (usually window). Drops that an inner
 * handler already took (defaultPrevented) and drags without files are left alone.
 * Returns a function that removes the listeners.
 */
export function listenForPngDrops(target: EventTarget, callbacks: PngDropCallbacks): () => void {
  // enter/leave fire for every child element crossed, so count them to know when the drag
  // really left the window.
  let depth = 0;
  const setDragging = (on: boolean) => callbacks.onDragging?.(on);

  const onEnter = (e: Event) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (depth++ === 0) setDragging(true);
  };
  const onOver = (e: Event) => {
    if (!carriesFiles(e) || e.defaultPrevented) return;
    e.preventDefault(); // required for the drop event to fire
    const dt = (e as DragEvent).dataTransfer;
    if (dt) dt.dropEffect = 'copy';
  };
  const onLeave = (e: Event) => {
    if (!carriesFiles(e)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) setDragging(false);
  };
  const onDrop = (e: Event) => {
    const wasDragging = depth > 0;
    depth = 0;
    if (wasDragging) setDragging(false);
    if (e.defaultPrevented || !carriesFiles(e)) return;
    e.preventDefault(); // otherwise the browser navigates to the file
    const files = Array.from((e as DragEvent).dataTransfer?.files ?? []);
    if (files.length === 0) return;
    if (files.length > 1) {
      callbacks.onError('Drop one PNG at a time to reuse its settings.');
      return;
    }
    readParamsFromFile(files[0]!).then(
      (r) => (r.ok ? callbacks.onParams(r.params) : callbacks.onError(r.message)),
      (err: unknown) => callbacks.onError(`The dropped file could not be read: ${String(err)}`),
    );
  };

  const events: [string, (e: Event) => void][] = [
    ['dragenter', onEnter],
    ['dragover', onOver],
    ['dragleave', onLeave],
    ['drop', onDrop],
  ];
  for (const [type, fn] of events) target.addEventListener(type, fn);
  return () => {
    for (const [type, fn] of events) target.removeEventListener(type, fn);
  };
}
