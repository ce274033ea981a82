import { expect, test } from './fixtures';

// The WebGPU adapter here is SwiftShader, a software (fallback) adapter: the bench measured it
// about 100× slower than WASM on this CPU, so Auto must not pick it; naming WebGPU still does.
test('Auto passes over a software WebGPU adapter for WASM and says why; choosing WebGPU uses it', async ({ page, backend }) => {
  test.skip(backend !== 'webgpu', 'needs the WebGPU-enabled browser of this project only once');
  await page.goto('/?testHooks&model=/tests/fixtures/tiny/');
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText('Ready', { timeout: 120_000 });
  await expect(page.getByRole('combobox', { name: 'Backend' })).toHaveValue('auto');
  await expect(page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend-reason')).toContainText('only a software adapter');

  await page.getByRole('combobox', { name: 'Backend' }).selectOption('webgpu');
  await expect(page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
  await expect(page.getByTestId('backend-reason')).toHaveCount(0);
});
