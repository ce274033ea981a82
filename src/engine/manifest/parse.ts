/**
 * Reads manifest.json: the shape is schemas/manifest.schema.json, checked by the validator
 * compiled from it (src/engine/schemas/, `npm run schemas`); the rules that relate two fields, which a JSON
 * Schema cannot state, are checked here and, with the same wording of the rule, by
 * training/convert/package_check.py. tests/fixtures/manifest-cases.json holds the bad manifests
 * both sides must refuse, naming the same field.
 */
import { PackageError } from '../errors';
import { showValue } from '../settings/bounds';
import { validateManifest } from '../schemas/validate';
import { fieldName, schemaMessage } from './messages';
import { FORMAT_NAME, FORMAT_VERSION, type Manifest, type StageSpec } from './types';

/** A rule that relates two fields failed: names the field and says which rule. */
class RuleError extends Error {}

const fail = (field: string, problem: string): never => {
  throw new RuleError(`${field} ${problem}`);
};

const samePair = (a: readonly number[], b: readonly number[]): boolean => a[0] === b[0] && a[1] === b[1];
const folder = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);

/** Every file a field names, by field, in the order a package is read. */
function referencedFiles(m: Manifest): [string, string][] {
  const { textEncoder: te, vqgan, stages } = m;
  const refs: [string, string][] = [
    ['textEncoder.onnx', te.onnx],
    ['textEncoder.tokenizer', te.tokenizer],
    ['textEncoder.config', te.config],
    ['vqgan.encoder', vqgan.encoder],
    ['vqgan.decoder', vqgan.decoder],
    ['stages.base.onnx', stages.base.onnx],
  ];
  if (stages.base.onnxFp16 !== undefined) refs.push(['stages.base.onnxFp16', stages.base.onnxFp16]);
  if (stages.superRes) refs.push(['stages.superRes.onnx', stages.superRes.onnx]);
  if (vqgan.previewAtlas !== undefined) refs.push(['vqgan.previewAtlas', vqgan.previewAtlas]);
  return refs;
}

function checkStage(m: Manifest, stage: StageSpec, path: string): void {
  const f = m.vqgan.downsample;
  const want = [stage.grid[0] * f, stage.grid[1] * f];
  if (!samePair(stage.imageSize, want)) fail(`${path}.imageSize`, `must be grid × vqgan.downsample = ${showValue(want)}, got ${showValue(stage.imageSize)}`);
  if (stage.maskTokenId < m.vqgan.codebookSize) {
    fail(`${path}.maskTokenId`, `must be ≥ vqgan.codebookSize (${m.vqgan.codebookSize}), got ${stage.maskTokenId}`);
  }
}

/** The rules of schemas/manifest.schema.json's `$comment`s, in the order the fields are read. */
function checkRules(m: Manifest): void {
  const [lo, hi] = m.vqgan.pixelRange;
  if (!(lo < hi)) fail('vqgan.pixelRange', `must be two numbers [low, high] with low < high, got ${showValue(m.vqgan.pixelRange)}`);
  for (const [field, file] of referencedFiles(m)) {
    if (!(file in m.files)) fail(field, `names "${file}", which is not listed in files`);
  }
  const atlas = m.vqgan.previewAtlas;
  if (atlas !== undefined) {
    const { codebookSize: K, downsample: f } = m.vqgan;
    const want = K * f * f * 4;
    if (m.files[atlas].bytes !== want) fail('vqgan.previewAtlas', `"${atlas}" must be codebookSize × downsample² × 4 = ${want} bytes, files says ${m.files[atlas].bytes}`);
  }
  const { base, superRes } = m.stages;
  checkStage(m, base, 'stages.base');
  if (base.onnxFp16 === base.onnx) fail('stages.base.onnxFp16', 'must name a different file than stages.base.onnx');
  const mc = base.microConditioning;
  if (mc?.names && mc.names.length !== mc.values.length) {
    fail('stages.base.microConditioning.names', `must name each of the ${mc.values.length} values, got ${mc.names.length} names`);
  }
  if (superRes) {
    checkStage(m, superRes, 'stages.superRes');
    if (!samePair(superRes.lowResGrid, base.grid)) {
      fail('stages.superRes.lowResGrid', `must equal stages.base.grid ${showValue(base.grid)}, got ${showValue(superRes.lowResGrid)}`);
    }
  }
  const notGraphs = ['textEncoder.tokenizer', 'textEncoder.config', 'vqgan.previewAtlas'];
  const graphs = new Set(referencedFiles(m).filter(([field]) => !notGraphs.includes(field)).map(([, file]) => file));
  for (const [graph, data] of Object.entries(m.externalData ?? {})) {
    const field = fieldName(['externalData', graph]);
    if (!graphs.has(graph)) fail(field, `"${graph}" is not one of the package's ONNX graphs (${[...graphs].join(', ')})`);
    if (!(data in m.files)) fail(field, `names "${data}", which is not listed in files`);
    if (graphs.has(data)) fail(field, `"${data}" is an ONNX graph, not its external data`);
    if (folder(data) !== folder(graph)) fail(field, `"${data}" must be in the graph's folder ("${folder(graph) || './'}")`);
  }
}

/**
 * Validates a parsed manifest.json (format version 1) and returns a copy typed as Manifest.
 * Checks everything that needs no file contents (hashes and ONNX graphs are checked by
 * loadModel). Throws a PackageError naming `label` (normally "manifest.json") and the field.
 */
export function parseManifest(json: unknown, label = 'manifest.json'): Manifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PackageError(`must hold a JSON object, got ${showValue(json)}`, label);
  }
  const root = json as Record<string, unknown>;
  // Said before any field: a file of another format or version needs another program, not a fix.
  if (root['format'] !== FORMAT_NAME) {
    throw new PackageError(`not a Muse Studio model package (format is ${showValue(root['format'])}, expected "${FORMAT_NAME}")`, label);
  }
  if (root['formatVersion'] !== FORMAT_VERSION) {
    throw new PackageError(`unsupported package format version ${showValue(root['formatVersion'])} (this studio reads version ${FORMAT_VERSION})`, label);
  }
  if (!validateManifest(json)) throw new PackageError(schemaMessage(validateManifest.errors ?? [], json), label);
  const manifest = structuredClone(json) as Manifest;
  try {
    checkRules(manifest);
  } catch (err) {
    if (err instanceof RuleError) throw new PackageError(err.message, label);
    throw err;
  }
  return manifest;
}
