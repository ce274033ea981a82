/**
 * Turns the compiled schema's first error into a message a package author can act on, naming
 * the field: "stages.base.grid must be two positive integers, got [8]". The wording comes from
 * the schema itself (schemas/manifest.schema.json: `x-expected`, `x-why`; see its `$comment`),
 * else from the failing subschema's type and bounds, so a new field needs no new message code.
 */
import generated from '../schemas/schemas.json' with { type: 'json' };
import type { SchemaError } from '../schemas/validate';
import { describeBound, showValue } from '../settings/bounds';
import { pathProblem } from './paths';

type Schema = Record<string, unknown>;

const schemaJson = generated.manifest as Schema;
const SCHEMAS: Record<string, Schema> = { 'manifest.schema.json': schemaJson, 'settings.schema.json': generated.settings as Schema };

/** Follows a `$ref` ("#/$defs/x" or "settings.schema.json#/$defs/x") from `doc`. */
function deref(ref: string, doc: Schema): { schema: Schema; doc: Schema } {
  const [file, pointer = ''] = ref.split('#');
  const target = file ? (SCHEMAS[file] as Schema) : doc;
  let s: unknown = target;
  for (const seg of pointer.split('/').filter(Boolean)) s = (s as Schema)[seg];
  return { schema: s as Schema, doc: target };
}

/** The subschemas that apply to a value: the schema itself, its `$ref` target and `allOf` members. */
function expand(schema: Schema, doc: Schema): { schema: Schema; doc: Schema }[] {
  const out = [{ schema, doc }];
  if (typeof schema['$ref'] === 'string') {
    const target = deref(schema['$ref'], doc);
    out.push(...expand(target.schema, target.doc));
  }
  for (const part of (schema['allOf'] as Schema[] | undefined) ?? []) out.push(...expand(part, doc));
  return out;
}

/** The subschemas of the value at `path` (object keys and array indices) below the manifest root. */
function schemasAt(path: string[]): Schema[] {
  let here = expand(schemaJson as Schema, schemaJson as Schema);
  for (const seg of path) {
    const next: { schema: Schema; doc: Schema }[] = [];
    for (const { schema, doc } of here) {
      const props = schema['properties'] as Record<string, Schema> | undefined;
      if (props?.[seg]) next.push(...expand(props[seg], doc));
      else if (/^\d+$/.test(seg) && typeof schema['items'] === 'object') next.push(...expand(schema['items'] as Schema, doc));
      else if (typeof schema['additionalProperties'] === 'object') next.push(...expand(schema['additionalProperties'] as Schema, doc));
    }
    here = next;
  }
  return here.map((h) => h.schema);
}

/** "stages.base.grid", 'files["a/b.onnx"].bytes' from path segments. */
export function fieldName(path: string[]): string {
  return path.map((seg, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `${i === 0 ? '' : '.'}${seg}` : `[${JSON.stringify(seg)}]`)).join('');
}

function enumWords(values: unknown[]): string {
  const words = values.map((v) => JSON.stringify(v));
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** What a value of these subschemas must be, for "… must be <this>". */
function expected(schemas: Schema[]): string {
  const titled = schemas.find((s) => typeof s['x-expected'] === 'string');
  if (titled) return titled['x-expected'] as string;
  const merged: Schema = Object.assign({}, ...schemas.slice().reverse());
  if (Array.isArray(merged['enum'])) return enumWords(merged['enum']);
  switch (merged['type']) {
    case 'integer':
    case 'number':
      return describeBound({
        integer: merged['type'] === 'integer',
        min: (merged['exclusiveMinimum'] ?? merged['minimum'] ?? -Infinity) as number,
        minExclusive: merged['exclusiveMinimum'] !== undefined,
        ...(merged['maximum'] !== undefined ? { max: merged['maximum'] as number } : {}),
      });
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    default:
      return 'valid';
  }
}

const decode = (seg: string): string => seg.replace(/~1/g, '/').replace(/~0/g, '~');

function valueAt(root: unknown, path: string[]): unknown {
  let v = root;
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

/** A path field's own reason ("leaves the package"), which says more than "must be a path". */
function pathReason(schemas: Schema[], value: unknown): string | undefined {
  const isPath = schemas.some((s) => s['$ref'] === '#/$defs/path');
  if (!isPath || typeof value !== 'string') return undefined;
  const problem = pathProblem(value);
  return problem ? `${JSON.stringify(value)} ${problem}` : undefined;
}

/**
 * The message for the schema errors of `root` (without the file name). Validation stops at the
 * first problem; its errors are that problem as seen from the inside out (a bad key of `files`
 * comes as the key's pattern error, then the `propertyNames` error that names the key).
 */
export function schemaMessage(errors: readonly SchemaError[], root: unknown): string {
  const error = errors.find((e) => e.keyword === 'propertyNames') ?? errors[0]!;
  const path = error.instancePath.split('/').slice(1).map(decode);
  const why = error.parentSchema?.['x-why'];
  if (error.keyword === 'required') {
    const field = fieldName([...path, String(error.params['missingProperty'])]);
    return `${field} is missing${typeof why === 'string' ? ` (${why})` : ''}`;
  }
  if (error.propertyName !== undefined || error.keyword === 'propertyNames') {
    const key = String(error.propertyName ?? error.params['propertyName']);
    return `${fieldName([...path, key])} path ${pathProblem(key) ?? 'is not a path inside the package'}`;
  }
  // A bad element is reported as its list: "grid must be two positive integers, got [4,0]".
  let subject = path;
  while (subject.length > 0 && /^\d+$/.test(subject[subject.length - 1]!)) subject = subject.slice(0, -1);
  const value = valueAt(root, subject);
  // Branch-only rules (a forbidden field) carry their words on the failing subschema itself.
  const own = subject.length === path.length && typeof error.parentSchema?.['x-expected'] === 'string' ? [error.parentSchema] : [];
  const schemas = [...own, ...schemasAt(subject)];
  const reason = pathReason(schemas, value);
  if (reason) return `${fieldName(subject)} ${reason}`;
  // A forbidden field: its value does not matter.
  if (error.keyword === 'not') return `${fieldName(subject)} must be ${expected(schemas)}`;
  return `${fieldName(subject)} must be ${expected(schemas)}, got ${showValue(value)}`;
}
