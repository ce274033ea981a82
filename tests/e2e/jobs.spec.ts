import { expect, test } from './fixtures';

test('Generate pressed twice during a job queues one; a third is refused', async ({ studio, page }) => {
  await studio.open();
  await studio.makeJobsLong();
  await studio.generateButton.click();
  await expect(page.getByRole('status', { name: 'Generation progress' })).toBeVisible();
  await expect(page.getByTestId('generate-note')).toContainText('queues one more');
  await studio.generateButton.click();
  await expect(page.getByText('1 job queued.')).toBeVisible();
  await expect(studio.generateButton).toBeDisabled();
  await expect(page.getByTestId('generate-note')).toHaveText('One image job is running and one is queued.');
  // The keyboard shortcut respects the same rule: no third job.
  await page.keyboard.press('Control+Enter');
  await studio.waitForResults(2, 400_000);
  await expect(page.getByText('1 job queued.')).toHaveCount(0);
  await page.waitForTimeout(500);
  expect(await studio.results()).toBe(2);
  await expect(studio.generateButton).toBeEnabled();
});

test('Esc cancels the running job', async ({ studio, page }) => {
  await studio.open();
  await studio.makeJobsLong();
  await page.getByLabel('Prompt', { exact: true }).fill('a boat');
  await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
  const progress = page.getByRole('status', { name: 'Generation progress' });
  await expect(progress).toContainText(/Step \d+\//);
  await page.keyboard.press('Escape');
  await expect(progress).toHaveCount(0);
  await expect(studio.generateButton).toBeEnabled();
  await expect(page.getByRole('button', { name: /^Cancel/ })).toBeDisabled();
  expect(await studio.results()).toBe(0);
  // The worker is free again.
  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
});

test('a crashed worker is restarted, the job reported as failed, the gallery kept, and generation works again', async ({ studio, page }) => {
  await studio.open();
  const gallery = page.getByRole('list', { name: 'Saved images' });
  const saved = gallery.getByRole('img');
  // One image in the gallery before the crash.
  await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill('a red boat before the crash');
  await studio.generateButton.click();
  await studio.waitForResults(1);
  await expect(saved).toHaveCount(1);

  await studio.makeJobsLong();
  await page.getByLabel('Prompt', { exact: true }).fill('a job the crash ends');
  await studio.generateButton.click();
  await expect(page.getByRole('status', { name: 'Generation progress' })).toBeVisible();
  await page.evaluate(() => window.__muse!.crashWorker());
  await expect(page.getByRole('alert').filter({ hasText: 'The engine worker crashed' }).first()).toBeVisible();
  await expect(page.getByRole('status', { name: 'Generation progress' })).toHaveCount(0);
  await studio.waitReady();
  // The gallery lives in the page (IndexedDB), not the worker: the earlier image is still there.
  await expect(saved).toHaveCount(1);
  await expect(gallery.getByRole('img', { name: 'a red boat before the crash' })).toBeVisible();

  await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill('a red boat after the crash');
  await studio.generateButton.click();
  await studio.waitForResults(2);
  await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();
  await expect(page.getByRole('alert', { name: 'Engine crashed' })).toHaveCount(0);
  await expect(saved).toHaveCount(2);
});

test('a bad model URL shows an error and the previous model keeps working', async ({ studio, page }) => {
  await studio.open();
  await page.getByLabel('Model package URL').fill('/models/does-not-exist/');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  const error = page.getByRole('alert').filter({ hasText: 'Could not load /models/does-not-exist/' });
  await expect(error).toContainText('manifest.json');
  await expect(error).toContainText('not found');
  await expect(error).toContainText('Still using Tiny test fixture');
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText('Ready');
  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
  await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();
});
