/**
 * Loads a converted package with the studio's own engine (TypeScript manifest parser, file
 * hashes, graph input/output checks) on onnxruntime-node's CPU backend, once in fp32 and once
 * with `preferFp16`, generates one short image each with the same seed, and prints a JSON
 * report on stdout. Used by training/tests/test_convert_amused.py (the --fp16 tests):
 *
 *   npx tsx training/tests/engine_load_package.ts PACKAGE_DIR
 */
import * as ort from 'onnxruntime-node';
import { loadModel, type GenerateRequest, type PackageSource } from '../../src/engine';
import { createFsSource } from '../../src/node/fsSource';

async function run(dir: string, preferFp16: boolean) {
  const fs = createFsSource(dir);
  const reads: string[] = [];
  const source: PackageSource = { label: fs.label, read: (p) => (reads.push(p), fs.read(p)) };
  const model = await loadModel(source, { ort, executionProviders: ['cpu'], preferFp16 });
  try {
    const req: GenerateRequest = { prompt: 'a photo of a red cat at sunset', seed: 7, base: { steps: 4 } };
    const r = await model.generate(req, { previews: false });
    return {
      reads,
      onnxFp16: model.manifest.stages.base.onnxFp16 ?? null,
      tokens: Array.from(r.tokens.base[0]),
      size: [r.images[0].width, r.images[0].height],
    };
  } finally {
    await model.release();
  }
}

const dir = process.argv[2];
if (!dir) throw new Error('usage: engine_load_package.ts PACKAGE_DIR');
const fp32 = await run(dir, false);
const fp16 = await run(dir, true);
process.stdout.write(JSON.stringify({ fp32, fp16 }) + '\n');
