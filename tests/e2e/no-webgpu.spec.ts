import { chromiumArgs, findChromium, WEBGPU_FLAG } from './browser';
import { expect, test } from './fixtures';

// A browser without WebGPU (no --enable-unsafe-webgpu: navigator.gpu is missing in headless Chromium).
test.use({ launchOptions: { executablePath: findChromium(), args: chromiumArgs.filter((a) => a !== WEBGPU_FLAG) } });

test('a forced WebGPU choice falls back to WASM, says why, and still generates', async ({ studio, page, backend }) => {
  test.skip(backend !== 'wasm', 'runs once');
  await page.goto('/?backend=webgpu&testHooks');
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText('Ready', { timeout: 120_000 });
  await expect(page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', 'wasm');
  // Without the flag Chromium either hides navigator.gpu or returns no adapter, depending on context.
  await expect(page.getByTestId('backend-reason')).toHaveText(
    /^Using WASM: WebGPU (is not available in this browser \(navigator\.gpu is missing\)|found no GPU adapter)\.$/,
  );
  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
  expect((await studio.lastResult()).backend).toBe('wasm');
  await page.screenshot({ path: 'test-results/no-webgpu-fallback.png', fullPage: true });
});
