import { describe, expect, it } from 'vitest';
import { nameSlug, NAME_SLUG_MAX } from '../../../src/engine/manifest';
import schema from '../../../schemas/manifest.schema.json' with { type: 'json' };

/** The manifest schema's own rule for `name`. */
const NAME = new RegExp(schema.properties.name.pattern);

describe('nameSlug: free text as a manifest name', () => {
  it.each([
    ['amused/amused-256', 'amused-amused-256'],
    ['Amused/Amused_512', 'amused-amused-512'],
    ['hf-amused/amused-512-refs/pr/3', 'hf-amused-amused-512-refs-pr-3'],
    ['  My Snapshot (copy)  ', 'my-snapshot-copy'],
    ['a--b..c', 'a-b-c'],
    ['-lead-and-trail-', 'lead-and-trail'],
    ['amused-256.', 'amused-256'],
    ['Ünïcode café', 'n-code-caf'],
  ])('%j → %j', (text, name) => {
    expect(nameSlug(text)).toBe(name);
    expect(name).toMatch(NAME);
  });

  it('gives "" when nothing of the text is left (the caller picks a fallback)', () => {
    expect(nameSlug('日本語')).toBe('');
    expect(nameSlug('---')).toBe('');
    expect(nameSlug('')).toBe('');
  });

  it('cuts at the limit without leaving a trailing dash', () => {
    const long = `${'a'.repeat(NAME_SLUG_MAX - 1)}-b`;
    expect(nameSlug(long)).toBe('a'.repeat(NAME_SLUG_MAX - 1));
    expect(nameSlug('x'.repeat(300))).toHaveLength(NAME_SLUG_MAX);
    expect(nameSlug('abc-def', 4)).toBe('abc');
  });
});
