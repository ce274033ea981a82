import { expect, test, type LastResult } from './fixtures';

/**
 * Same seed ⇒ same tokens. On one backend this must be exact. Across WASM and WebGPU the
 * logits differ in the last float bits, which can flip a sampled token where two candidates
 * are nearly tied; the test measures the share of differing tokens and bounds it.
 */
const CROSS_BACKEND_TOLERANCE = 0.1;

function diff(a: LastResult, b: LastResult): { differing: number; total: number } {
  let differing = 0;
  let total = 0;
  const all = (r: LastResult) => [...r.tokens.base, ...(r.tokens.superRes ?? [])];
  const [xa, xb] = [all(a), all(b)];
  for (let i = 0; i < xa.length; i++)
    for (let j = 0; j < xa[i].length; j++) {
      total++;
      if (xa[i][j] !== xb[i][j]) differing++;
    }
  return { differing, total };
}

test('same seed gives the same tokens, on this backend and across WASM/WebGPU', async ({ studio, page, backend }) => {
  test.skip(backend !== 'wasm', 'runs once; it switches backends itself');
  await studio.open();
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.fill('a yellow house in the desert');
  await page.getByRole('radio', { name: 'Locked' }).check({ force: true });
  await studio.setSeed(1234);

  await studio.generateButton.click();
  await studio.waitForResults(1);
  const wasm1 = await studio.lastResult();
  await studio.generateButton.click();
  await studio.waitForResults(2);
  const wasm2 = await studio.lastResult();
  expect(wasm2.tokens).toEqual(wasm1.tokens);

  await page.getByRole('combobox', { name: 'Backend' }).selectOption('webgpu');
  await expect(page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByRole('status', { name: 'Active backend' })).not.toContainText('switching');
  await studio.generateButton.click();
  await studio.waitForResults(3);
  const gpu = await studio.lastResult();
  expect(gpu.backend).toBe('webgpu');
  const d = diff(wasm1, gpu);
  test.info().annotations.push({ type: 'cross-backend', description: `${d.differing}/${d.total} tokens differ` });
  console.log(`cross-backend token difference: ${d.differing}/${d.total}`);
  expect(d.differing / d.total).toBeLessThanOrEqual(CROSS_BACKEND_TOLERANCE);
});
