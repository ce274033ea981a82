/**
 * The first thing a new user sees: the studio opens on the trained Scenes model, says nothing
 * about fixtures, and draws a 256×256 picture for a prompt. WASM only — on the software WebGPU
 * adapter of CI machines one 256×256 image takes minutes.
 */
import { existsSync } from 'node:fs';
import { expect, test } from './fixtures';

test('opens on the trained default model and generates a 256×256 image', async ({ page, studio, backend }) => {
  test.skip(backend !== 'wasm', 'the trained model is exercised on WASM only');
  test.skip(!existsSync('models/scenes/manifest.json'), 'no trained default model in models/scenes');
  test.setTimeout(240_000);
  await studio.open('&model=/models/scenes/');
  await expect(page.getByRole('note', { name: 'Fixture model' })).toHaveCount(0);
  // The example the prompt field shows: a user who types it finds every word understood.
  const prompt = page.getByLabel('Prompt', { exact: true });
  const example = await prompt.getAttribute('placeholder');
  expect(example).toBe('a red hot-air balloon by the sea at sunset');
  await prompt.fill(example!);
  await studio.setSeed(7);
  await studio.generateButton.click();
  await studio.waitForResults(1, 200_000);
  // The model (and its tokenizer) is loaded by now, so a note would be showing.
  await expect(page.getByRole('note', { name: 'Words not understood' })).toHaveCount(0);
  const image = page.getByRole('img', { name: 'Generated image 1 of 1' });
  await expect(image).toBeVisible();
  const size = await image.evaluate((el) =>
    el instanceof HTMLCanvasElement ? [el.width, el.height] : [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight],
  );
  expect(size).toEqual([256, 256]);
  await page.screenshot({ path: test.info().outputPath('default-model.png') });
});

test('names the prompt words the Scenes model was not trained on', async ({ page, studio, backend }) => {
  test.skip(backend !== 'wasm', 'the trained model is exercised on WASM only');
  test.skip(!existsSync('models/scenes/manifest.json'), 'no trained default model in models/scenes');
  await studio.open('&model=/models/scenes/');
  const prompt = page.getByLabel('Prompt', { exact: true });
  const note = page.getByRole('note', { name: 'Words not understood' });

  await prompt.fill('a cat wearing a hat in the meadow');
  await expect(note).toBeVisible();
  await expect(note).toContainText('Scenes (embedded) was not trained on these words');
  await expect(note.locator('q')).toHaveText(['cat', 'wearing', 'hat']);
  // The prompt field points at the note, so a screen reader hears it with the field.
  const describedBy = await prompt.getAttribute('aria-describedby');
  expect(describedBy?.split(' ')).toContain(await note.getAttribute('id'));

  await prompt.fill('A red hot-air balloon by the sea at sunset, with two trees on the left.');
  await expect(note).toHaveCount(0);
});
