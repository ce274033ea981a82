import type { GenerationParams } from '../engine/png';

const MAX_SLUG_CHARS = 60;

/**
 * A safe download name from the prompt and seed, e.g. "a-red-balloon-over-the-sea-1234.png".
 * Keeps letters and digits of any script, turns everything else into single hyphens (so no
 * path separators, reserved characters or dot-files) and caps the length.
 */
export function galleryFilename(params: Pick<GenerationParams, 'prompt' | 'seed'>): string {
  const slug = params.prompt
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+/, '');
  // Cut by code points so an emoji or astral letter is never split in half.
  const short = Array.from(slug).slice(0, MAX_SLUG_CHARS).join('').replace(/-+$/, '');
  return `${short || 'muse'}-${params.seed}.png`;
}

/** Starts a browser download of `blob` under `filename`. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers; a short delay is enough.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
