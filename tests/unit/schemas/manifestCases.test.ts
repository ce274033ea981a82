/**
 * The bad manifests of tests/fixtures/manifest-cases.json, which the Python package check
 * (training/tests/test_package_check.py) refuses too: both sides must name the same field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/engine/manifest/parse';

interface Case {
  package: string;
  set: Record<string, unknown>;
  field: string;
}

const fixtures = new URL('../../fixtures/', import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL('manifest-cases.json', fixtures), 'utf8')) as { cases: Case[] };
const manifestOf = (pkg: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`${pkg}/manifest.json`, fixtures), 'utf8')) as Record<string, unknown>;

/** Sets (or, for null, deletes) the value at a JSON pointer. */
function setPointer(root: Record<string, unknown>, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let obj = root;
  for (const k of keys.slice(0, -1)) obj = obj[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === null) delete obj[last];
  else obj[last] = value;
}

describe('manifest cases shared with the Python package check', () => {
  it('the unchanged fixtures are valid', () => {
    for (const pkg of new Set(cases.map((c) => c.package))) expect(() => parseManifest(manifestOf(pkg))).not.toThrow();
  });

  it.each(cases.map((c) => [Object.keys(c.set).join(', '), c] as const))('%s is refused, naming the field', (_, c) => {
    const m = manifestOf(c.package);
    for (const [pointer, value] of Object.entries(c.set)) setPointer(m, pointer, value);
    expect(() => parseManifest(m)).toThrow(new RegExp(`^manifest\\.json: ${c.field.replace(/[.[\]]/g, '\\$&')}[ .\\[]`));
  });
});
