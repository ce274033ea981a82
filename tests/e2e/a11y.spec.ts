/**
 * Keyboard and accessibility (issue 14.6): axe-core finds nothing serious or critical on the
 * Generate and Edit views; a skip link, one main landmark, `?` opens the shortcuts, and a mask
 * can be painted without a mouse.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { maskCount, pngBytes, testPhoto } from './editorHelpers';

async function seriousFindings(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

test('axe: no serious or critical findings on Generate and Edit; skip link, one main, shortcuts on ?', async ({ studio, page }) => {
  await studio.open();
  expect(await seriousFindings(page), 'Generate view').toEqual([]);

  // One main landmark, reached by the first Tab's skip link.
  await expect(page.getByRole('main')).toHaveCount(1);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();

  // `?` outside a text field opens the shortcuts; Escape closes them.
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Undo stroke');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.getByLabel('Open image…').first().setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await pngBytes(testPhoto()) });
  await expect(page.getByTestId('photo-info')).toBeVisible();
  expect(await seriousFindings(page), 'Edit view').toEqual([]);
  // Names contain the visible labels.
  await expect(page.getByRole('button', { name: 'Brush B' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Eraser E' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^100%/ })).toBeVisible();
});

test('a mask can be painted with the keyboard alone: Enter, arrows, Enter is one undoable stroke', async ({ studio, page }) => {
  await studio.open();
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.getByLabel('Open image…').first().setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await pngBytes(testPhoto()) });
  await expect(page.getByTestId('photo-info')).toBeVisible();
  await page.getByRole('application').focus();
  expect(await maskCount(page)).toBe(0);
  await page.keyboard.press('Enter');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Enter');
  const painted = await maskCount(page);
  // A 20 px brush moved 40 px right and 40 px down covers far more than a dot.
  expect(painted).toBeGreaterThan(1500);
  await page.keyboard.press('Control+z');
  expect(await maskCount(page)).toBe(0);
});
