/**
 * A manifest `name` made from free text (a folder name, a Hugging Face repo id): the schema allows
 * only lower-case letters, digits and dashes (schemas/manifest.schema.json `name`). One spelling
 * for every route that names a package it builds (the studio's Hub and folder snapshots, the
 * CLI's folder and `hf:` snapshots), so the same text gives the same name everywhere.
 */

/** Longest name made here; package ids add 13 characters (`-` and 12 hex). */
export const NAME_SLUG_MAX = 100;

/**
 * `text` lower-cased, each run of anything but a–z and 0–9 as one dash, no dash at either end,
 * at most `max` characters (cut, then trailing dashes dropped). '' when nothing is left (e.g.
 * text in another script): the caller supplies its own fallback.
 */
export function nameSlug(text: string, max = NAME_SLUG_MAX): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
}
