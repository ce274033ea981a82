/**
 * Layouts that fit (issue 14.3): what a person needs for the next step is on screen without
 * scrolling. Desktop: in Edit, the canvas, the mask tools and the Edit button are visible together.
 * Phone: the output (and the edit canvas) come right after the prompt and the Generate button;
 * the Model panel and the banners are collapsed. Screenshots go to /tmp/ux-*.png for review.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { pngBytes, testPhoto } from './editorHelpers';

/** Fails unless the element's whole box lies inside the viewport (no scrolling needed). */
async function expectInViewport(page: Page, locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  const vp = page.viewportSize()!;
  expect(box, `${what} is laid out`).not.toBeNull();
  const b = box!;
  expect(b.y, `${what} top`).toBeGreaterThanOrEqual(0);
  expect(b.x, `${what} left`).toBeGreaterThanOrEqual(0);
  expect(b.y + b.height, `${what} bottom (viewport ${vp.height})`).toBeLessThanOrEqual(vp.height);
  expect(b.x + b.width, `${what} right (viewport ${vp.width})`).toBeLessThanOrEqual(vp.width);
}

async function openPhoto(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Edit' }).click();
  await page.getByLabel('Open image…').first().setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await pngBytes(testPhoto()) });
  await expect(page.getByTestId('photo-info')).toBeVisible();
  // The photo-fidelity note may appear above the canvas once the worker has measured the photo;
  // what must fit is the settled page, so wait for the measurement first.
  await expect(page.getByTestId('photo-fidelity')).not.toHaveAttribute('data-state', 'measuring', { timeout: 60_000 });
}

const canvas = (page: Page) => page.getByTestId('edit-canvas');
const editButton = (page: Page) => page.getByRole('button', { name: /^Edit(?! image)/ });

for (const size of [
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
]) {
  test(`desktop ${size.width}×${size.height}: in Edit the canvas, the mask tools and the Edit button fit without scrolling`, async ({ studio, page }) => {
    await page.setViewportSize(size);
    await studio.open();
    await openPhoto(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    // The canvas re-fits a frame after the note appears (ResizeObserver), hence toPass.
    await expect(async () => {
      await expectInViewport(page, canvas(page), 'edit canvas');
      await expectInViewport(page, page.getByRole('toolbar', { name: 'Mask tools' }), 'mask tools');
      await expectInViewport(page, editButton(page), 'Edit button');
    }).toPass({ timeout: 5_000 });
    await page.screenshot({ path: `/tmp/ux-edit-${size.width}x${size.height}.png` });
  });
}

/** How many lines the header's parts take: their boxes grouped by vertical overlap. */
async function headerLines(page: Page): Promise<number> {
  const header = page.getByRole('banner');
  const parts = [
    header.getByRole('heading', { name: 'Muse Studio' }),
    header.getByRole('status', { name: 'Model status' }),
    header.getByRole('status', { name: 'Active backend' }),
    header.getByRole('combobox', { name: 'Backend' }),
    header.getByRole('status', { name: 'Offline status' }),
    header.getByTestId('backend-reason').locator('summary'),
  ];
  const lines: { top: number; bottom: number }[] = [];
  for (const part of parts) {
    if ((await part.count()) === 0) continue;
    const b = (await part.boundingBox())!;
    const line = lines.find((l) => b.y < l.bottom && b.y + b.height > l.top);
    if (line) {
      line.top = Math.min(line.top, b.y);
      line.bottom = Math.max(line.bottom, b.y + b.height);
    } else lines.push({ top: b.y, bottom: b.y + b.height });
  }
  return lines.length;
}

test('desktop 1280×800: the header is one line', async ({ studio, page, backend }) => {
  test.skip(backend !== 'wasm', 'the header does not depend on the backend');
  await page.setViewportSize({ width: 1280, height: 800 });
  await studio.open();
  expect(await headerLines(page)).toBe(1);
});

test.describe('phone 390×844', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the header takes two lines and nothing in it runs off the screen', async ({ studio, page, backend }) => {
    test.skip(backend !== 'wasm', 'the header does not depend on the backend');
    await studio.open();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('banner').screenshot({ path: '/tmp/ux-phone-header.png' });
    expect(await headerLines(page)).toBeLessThanOrEqual(2);
    const header = (await page.getByRole('banner').boundingBox())!;
    expect(header.height).toBeLessThanOrEqual(100);
    for (const name of ['Model status', 'Active backend']) await expectInViewport(page, page.getByRole('status', { name }), name);
    await expectInViewport(page, page.getByRole('combobox', { name: 'Backend' }), 'backend select');
    // The state of the model is never the part that is cut: a long name is.
    await expect(page.getByRole('status', { name: 'Model status' }).locator('[data-model-state]')).toBeInViewport({ ratio: 1 });
  });

  test('on Auto, the backend a new visitor gets, the header still fits and says what Auto chose and why', async ({ studio, page, backend }) => {
    test.skip(backend !== 'wasm', 'the header does not depend on the project');
    // Auto, not the project's forced backend: on this software WebGPU adapter Auto picks WASM and
    // explains it, which adds "Why WASM?" to the phone's second header line.
    await studio.open('', 'auto');
    const select = page.getByRole('combobox', { name: 'Backend' });
    await expect(select).toHaveValue('auto');
    await expect(select.locator('option:checked')).toHaveText('Auto');
    await expect(page.getByRole('status', { name: 'Active backend' })).toContainText('WASM');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('banner').screenshot({ path: '/tmp/ux-phone-header-auto.png' });
    const why = page.getByTestId('backend-reason').locator('summary');
    await expect(why).toHaveText('Why WASM?');
    expect(await headerLines(page)).toBeLessThanOrEqual(2);
    expect((await page.getByRole('banner').boundingBox())!.height).toBeLessThanOrEqual(100);
    for (const name of ['Model status', 'Active backend']) await expectInViewport(page, page.getByRole('status', { name }), name);
    await expectInViewport(page, select, 'backend select');
    await expectInViewport(page, why, '"Why WASM?"');
    // The select is narrow on a phone: its chosen text must not be cut.
    const clipped = await select.evaluate((el) => {
      const s = el as HTMLSelectElement;
      const probe = document.createElement('span');
      probe.style.cssText = `position:absolute;visibility:hidden;white-space:nowrap;font:${getComputedStyle(s).font}`;
      probe.textContent = s.selectedOptions[0].text;
      document.body.append(probe);
      const wide = probe.getBoundingClientRect().width;
      probe.remove();
      const cs = getComputedStyle(s);
      // Room for text: the box less padding, borders and the drop-down arrow (about 1rem).
      const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;
      return wide > room;
    });
    expect(clipped, '"Auto" fits the phone select').toBe(false);
    // Tapping it tells why, on screen.
    await why.click();
    const reason = page.getByTestId('backend-reason');
    await expect(reason).toContainText('Using WASM: WebGPU');
    await expectInViewport(page, reason, 'the reason');
  });

  test('the output follows the prompt and Generate; the Model panel is collapsed; the result is in view after Generate', async ({ studio, page }) => {
    await studio.open();
    await studio.makeJobsShort();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByLabel('Prompt', { exact: true }).fill('a red balloon');
    await page.screenshot({ path: '/tmp/ux-phone-generate.png' });
    // The first screen holds the prompt and the Generate button.
    await expectInViewport(page, page.getByLabel('Prompt', { exact: true }), 'prompt');
    await expectInViewport(page, studio.generateButton, 'Generate button');
    // The Model panel is folded away; the output comes before it in the page.
    const model = page.getByTestId('model-panel');
    await expect(model).not.toHaveAttribute('open');
    const stage = page.getByRole('region', { name: 'Output' });
    expect((await stage.boundingBox())!.y).toBeLessThan((await model.boundingBox())!.y);
    // Generate: the result is where the eye is, with no scrolling by the user.
    await studio.generateButton.click();
    await studio.waitForResults(1);
    await expect(page.getByTestId('result')).toBeVisible();
    await expectInViewport(page, page.getByTestId('result'), 'result');
    await page.screenshot({ path: '/tmp/ux-phone-result.png' });
  });

  test('in Edit the canvas comes right after the prompt and the Edit button, before the other settings', async ({ studio, page }) => {
    await studio.open();
    await openPhoto(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: '/tmp/ux-phone-edit.png', fullPage: true });
    const promptBox = (await page.getByLabel('Prompt', { exact: true }).boundingBox())!;
    const canvasBox = (await canvas(page).boundingBox())!;
    const modelBox = (await page.getByTestId('model-panel').boundingBox())!;
    expect(canvasBox.y).toBeGreaterThan(promptBox.y);
    expect(canvasBox.y).toBeLessThan(modelBox.y);
    // The Edit button sits between the prompt and the canvas: nothing else comes in between.
    const editBox = (await editButton(page).boundingBox())!;
    expect(editBox.y).toBeGreaterThan(promptBox.y);
    expect(editBox.y).toBeLessThan(canvasBox.y);
    const seedBox = (await page.getByText('Seed', { exact: true }).first().boundingBox())!;
    expect(canvasBox.y).toBeLessThan(seedBox.y);
  });
});
