import { expect, test } from './fixtures';

test('Auto picks WebGPU when the browser has an adapter', async ({ page, backend }) => {
  test.skip(backend !== 'webgpu', 'needs the WebGPU-enabled browser of this project only once');
  await page.goto('/?testHooks');
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText('Ready', { timeout: 120_000 });
  await expect(page.getByRole('combobox', { name: 'Backend' })).toHaveValue('auto');
  await expect(page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('backend-reason')).toHaveCount(0);
});
