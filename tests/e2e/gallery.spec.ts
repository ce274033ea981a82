import { readFile } from 'node:fs/promises';
import { readPngParameters } from '../../src/engine/png';
import { expect, test } from './fixtures';

test('a generated image is in the gallery after reload; its PNG carries the settings; Recall reproduces it', async ({
  studio,
  page,
}) => {
  const prompt = 'a green tree by the sea';
  await studio.open();
  await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.locator('summary', { hasText: 'Negative prompt' }).click();
  await page.getByLabel('Negative prompt').fill('blurry');
  await studio.setSeed(4242);
  await studio.generateButton.click();
  await studio.waitForResults(1);
  const first = await studio.lastResult();
  const saved = page.getByRole('list', { name: 'Saved images' }).getByRole('img', { name: prompt });
  await expect(saved).toBeVisible();

  await page.reload();
  await studio.waitReady();
  await expect(saved).toBeVisible();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('img', { name: prompt }) });

  const downloading = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('a-green-tree-by-the-sea-4242.png');
  const params = readPngParameters(new Uint8Array(await readFile(await download.path())));
  expect(params).toMatchObject({
    prompt,
    negativePrompt: 'blurry',
    seed: 4242,
    steps: 2,
    superResSteps: 2,
    width: 64,
    height: 64,
    model: 'tiny-fixture',
  });

  // Recall fills the form (seed locked) and regenerates the same tokens on the same backend.
  await card.getByRole('button', { name: 'Recall parameters' }).click();
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(prompt);
  await expect(page.getByLabel('Seed value')).toHaveValue('4242');
  await expect(page.getByRole('radio', { name: 'Locked' })).toBeChecked();
  await studio.generateButton.click();
  await studio.waitForResults(1);
  expect((await studio.lastResult()).tokens).toEqual(first.tokens);
});
