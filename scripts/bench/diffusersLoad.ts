/**
 * Load time and peak memory of one model in Node (onnxruntime-node, CPU), for comparing a
 * diffusers snapshot opened directly with the package the Python converter made from it:
 *
 *   npx tsx scripts/bench/diffusersLoad.ts DIR [runs] [--fp16] [--variant fp16]
 *
 * DIR is a package (manifest.json) or a diffusers snapshot (model_index.json). `--fp16` loads
 * the fp16-compute transformer (`preferFp16`, as the worker does on WebGPU with shader-f16);
 * `--variant fp16` reads a snapshot's fp16 weights files. Run each in its own process: the
 * peak resident set (maxRSS) is per process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/engine';
import { createFsSource } from '../../src/node/fsSource';
import { openSnapshotFolder } from '../../src/node/snapshotPackage';

const args = process.argv.slice(2);
const preferFp16 = args.includes('--fp16');
const variant = args.includes('--variant') ? args[args.indexOf('--variant') + 1] : undefined;
if (variant !== undefined && variant !== 'fp16') throw new Error('--variant: only fp16');
const [dir, runsArg] = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--variant');
if (!dir) throw new Error('usage: diffusersLoad.ts DIR [runs] [--fp16] [--variant fp16]');
const runs = Number(runsArg ?? 5);
const direct = !existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'model_index.json'));
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  // As the CLI opens each (src/cli/common.ts).
  const { source, verify } = direct ? await openSnapshotFolder(dir, variant) : { source: createFsSource(dir), verify: 'sha256' as const };
  const model = await loadModel(source, { ort, executionProviders: ['cpu'], verify, preferFp16 });
  times.push(performance.now() - t0);
  await model.release();
}
times.sort((a, b) => a - b);
const rssMiB = process.resourceUsage().maxRSS / 1024;
console.log(`${direct ? 'direct' : 'package'} ${dir}${variant ? ` (${variant} files)` : ''}${preferFp16 ? ' fp16 compute' : ''}: load median ${times[Math.floor(runs / 2)].toFixed(0)} ms (min ${times[0].toFixed(0)}, ${runs} runs), peak RSS ${rssMiB.toFixed(0)} MiB`);
