/**
 * Soak (issue 14.7): many generations in a row in one page and one engine worker must not make
 * the worker's JS heap or WASM memory grow without bound. Memory is read after a forced garbage
 * collection (memory.ts) at generation 1, at the middle and at the end; growth is judged from the
 * middle to the end, after caches, the preview atlas and ORT's arenas have reached their size.
 *
 * WASM only: the engine's memory does not depend on the page's backend choice, and WebGPU on the
 * software adapter of CI machines takes minutes per image.
 *
 * The same test measures the trained model for docs/BENCHMARKS.md:
 *   SOAK_MODEL=/models/scenes/ SOAK_STEPS=default npx playwright test tests/e2e/soak.spec.ts --project=wasm
 * SOAK_COUNT sets the number of generations (default 100), SOAK_STEPS "default" keeps the
 * model's steps (else 2 base + 2 super-res steps: memory does not depend on the step count).
 */
import { expect, test } from './fixtures';
import { MemoryProbe, mib, type MemoryReading } from './memory';

const COUNT = Number(process.env.SOAK_COUNT ?? 100);
const MODEL = process.env.SOAK_MODEL;
const DEFAULT_STEPS = process.env.SOAK_STEPS === 'default';

/**
 * Allowed growth from the middle reading to the last, over the second half of the generations.
 * A leak of one image's worth per generation (a 256×256 RGBA result is 256 KiB; the tokens and
 * previews of one job more) would pass these after 50 generations by far; zero is not required
 * because V8 and ORT keep some slack that a collection does not return.
 */
const BOUND = { workerJsHeap: 8 * 2 ** 20, wasmMemory: 16 * 2 ** 20, pageJsHeap: 16 * 2 ** 20 };

test('100 generations in one worker: JS heap and WASM memory stay bounded', async ({ studio, page, backend }) => {
  test.skip(backend !== 'wasm', 'engine memory does not depend on the backend; WebGPU here is a software adapter');
  test.setTimeout(COUNT * 30_000 + 120_000);
  const probe = await MemoryProbe.attach(page);
  await studio.open(MODEL ? `&model=${MODEL}` : '');
  if (!DEFAULT_STEPS) await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill('a red hot-air balloon over the sea at sunset');

  const marks = [1, Math.ceil(COUNT / 2), COUNT];
  const readings: Array<{ n: number; r: MemoryReading }> = [];
  const started = Date.now();
  for (let n = 1; n <= COUNT; n++) {
    await studio.generateButton.click();
    await studio.waitForResults(n);
    if (marks.includes(n)) readings.push({ n, r: await probe.read() });
  }
  const seconds = (Date.now() - started) / 1000;

  const rows = readings.map(
    ({ n, r }) => `| ${n} | ${mib(r.workerJsHeap)} | ${mib(r.wasmMemory)} | ${mib(r.pageJsHeap)} | ${mib(r.arrayBuffers)} |`,
  );
  console.log(
    [
      `soak: ${COUNT} generations of ${MODEL ?? 'the tiny fixture'} (${DEFAULT_STEPS ? "the model's steps" : '2 + 2 steps'}) in ${seconds.toFixed(0)} s`,
      '| after generation | worker JS heap (MiB) | WASM memory (MiB) | page JS heap (MiB) | array buffers, page + worker (MiB) |',
      '|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  );

  const [, mid, end] = readings.map((x) => x.r);
  expect(end.wasmMemory - mid.wasmMemory, 'WASM memory growth over the second half').toBeLessThanOrEqual(BOUND.wasmMemory);
  expect(end.workerJsHeap - mid.workerJsHeap, 'worker JS heap growth over the second half').toBeLessThanOrEqual(BOUND.workerJsHeap);
  expect(end.pageJsHeap - mid.pageJsHeap, 'page JS heap growth over the second half').toBeLessThanOrEqual(BOUND.pageJsHeap);
});
