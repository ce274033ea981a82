import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';
import { canvasPixels, changeable, grayPng, maskCount, overlayMatchesMask, paint, pngBytes, SQUARE, testPhoto, waitForStaged } from './editorHelpers';
import type { Page } from '@playwright/test';

const PROMPT = 'a red hot-air balloon';

async function openEditor(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Edit' }).click();
  await expect(page.getByRole('region', { name: 'Editor' })).toBeVisible();
}

async function upload(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await page.getByLabel('Open image…').first().setInputFiles({ name, mimeType, buffer });
}

const editButton = (page: Page) => page.getByRole('button', { name: /^Edit(?! image)/ });

test('upload a photo, paint a mask, inpaint: only the mask and its feather change; accept → gallery, and edits chain', async ({
  studio,
  page,
}) => {
  await studio.open();
  await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill(PROMPT);
  await openEditor(page);
  const photo = testPhoto();
  await upload(page, 'photo.png', 'image/png', await pngBytes(photo));
  await expect(page.getByTestId('photo-info')).toHaveText('photo.png · 320×200 px');
  // The fixture's random VQ cannot reproduce a photo: the editor says edits will look painted
  // (the worker measured the round trip's PSNR) and points to the Model panel.
  const fidelity = page.getByRole('note', { name: 'Photo and model' });
  await expect(fidelity).toContainText('This model was trained on simple scenes; edits of photos will look painted');
  await expect(fidelity.getByRole('link', { name: 'load a real-photo model' })).toHaveAttribute('href', '#model-panel');
  await expect(page.locator('#model-panel')).toHaveCount(1);
  // The canvas shows the exact pixels.
  expect((await canvasPixels(page, 'Photo being edited')).data).toEqual(Array.from(photo.data));

  // Empty mask: Edit is disabled with the engine's reason.
  await expect(editButton(page)).toBeDisabled();
  await expect(page.getByTestId('edit-note')).toHaveText('The mask is empty: paint the region to regenerate.');

  // One stroke = one undo step: paint two, undo one, redo it, undo it again with the button.
  const s = SQUARE;
  await paint(page, [s.x + 15, s.y + 15], [s.x + s.size - 15, s.y + s.size - 15], photo);
  const first = await maskCount(page);
  expect(first).toBeGreaterThan(300);
  await expect(editButton(page)).toBeEnabled();
  await paint(page, [20, 20], [80, 30], photo);
  const both = await maskCount(page);
  expect(both).toBeGreaterThan(first);
  await page.keyboard.press('Control+z');
  expect(await maskCount(page)).toBe(first);
  await page.keyboard.press('Control+Shift+z');
  expect(await maskCount(page)).toBe(both);
  await page.getByRole('button', { name: 'Undo stroke' }).click();
  expect(await maskCount(page)).toBe(first);
  // The eraser takes some of it away; undo brings it back.
  await page.keyboard.press('e');
  await expect(page.getByRole('button', { name: 'Eraser' })).toHaveAttribute('aria-pressed', 'true');
  await paint(page, [s.x + 30, s.y], [s.x + 30, s.y + s.size], photo);
  expect(await maskCount(page)).toBeLessThan(first);
  await page.keyboard.press('Control+z');
  expect(await maskCount(page)).toBe(first);
  // What the overlay shows is what will be sent.
  await expect.poll(() => overlayMatchesMask(page)).toBe(true);
  await page.keyboard.press('b');
  await page.screenshot({ path: test.info().outputPath('editor-mask.png'), fullPage: true });

  const mask = (await page.evaluate(() => window.__muse!.editor.mask()))!;
  await editButton(page).click();
  const staged = await waitForStaged(page);
  expect(staged).toMatchObject({ mode: 'inpaint', width: 320, height: 200 });

  // Pixels outside the mask + feather are byte for byte the original; some inside changed.
  const result = await canvasPixels(page, 'Edited result');
  expect([result.width, result.height]).toEqual([320, 200]);
  const allowed = changeable(mask, 320, 200, staged.feather!);
  let changedInside = 0;
  const outsideDiffs: number[] = [];
  for (let p = 0; p < 320 * 200; p++) {
    const same = [0, 1, 2, 3].every((c) => result.data[p * 4 + c] === photo.data[p * 4 + c]);
    if (allowed[p]) changedInside += same ? 0 : 1;
    else if (!same) outsideDiffs.push(p);
  }
  expect(outsideDiffs.slice(0, 5), 'pixels changed outside the mask and its feather').toEqual([]);
  expect(changedInside).toBeGreaterThan(first / 4);
  const allowedCount = allowed.reduce((n, v) => n + v, 0);
  expect(staged.changedFraction).toBeCloseTo(allowedCount / (320 * 200), 6);
  await page.screenshot({ path: test.info().outputPath('editor-staged.png'), fullPage: true });

  // Accept: saved to the gallery with its settings; the result is the photo now, and the mask is empty again.
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('list', { name: 'Saved images' }).getByRole('img', { name: PROMPT })).toBeVisible();
  await expect(page.getByTestId('photo-info')).toHaveText('edit of photo.png · 320×200 px');
  expect((await canvasPixels(page, 'Photo being edited')).data).toEqual(result.data);
  await expect(page.getByTestId('edit-note')).toHaveText('The mask is empty: paint the region to regenerate.');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('img', { name: PROMPT }) });
  const downloading = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Download' }).click();
  const { readPngParameters } = await import('../../src/engine/png');
  const params = readPngParameters(new Uint8Array(await readFile(await (await downloading).path())));
  expect(params).toMatchObject({ prompt: PROMPT, seed: staged.seed, width: 320, height: 200, extra: { Edit: 'inpaint', 'Edit feather': String(staged.feather) } });
});

test('paste from the clipboard, drop a file; bad files leave the current photo alone', async ({ studio, page, context }) => {
  await studio.open();
  await openEditor(page);
  const photo = testPhoto(160, 100);
  const bytes = await pngBytes(photo);

  // Paste: the system clipboard when the browser allows it, else a paste event carrying the file.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const wrote = await page.evaluate(async (b) => {
    try {
      await navigator.clipboard.write([new ClipboardItem({ 'image/png': new Blob([new Uint8Array(b)], { type: 'image/png' }) })]);
      return true;
    } catch {
      return false;
    }
  }, [...bytes]);
  if (wrote) {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+V');
  }
  const pasted = page.getByTestId('photo-info');
  if (!wrote || !(await pasted.isVisible().catch(() => false))) {
    await page.waitForTimeout(500);
  }
  if (!(await pasted.isVisible())) {
    test.info().annotations.push({ type: 'note', description: 'system clipboard unavailable: dispatched a paste event' });
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'image.png', { type: 'image/png' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, [...bytes]);
  }
  await expect(pasted).toContainText('160×100 px');
  expect((await canvasPixels(page, 'Photo being edited')).data).toEqual(Array.from(photo.data));

  // A text file and an empty file: a clear message, the pasted photo stays.
  await upload(page, 'notes.txt', 'text/plain', Buffer.from('not a picture'));
  await expect(page.getByRole('alert').filter({ hasText: '“notes.txt” cannot be opened: it is not a PNG, JPEG or WebP image.' })).toBeVisible();
  await upload(page, 'empty.png', 'image/png', Buffer.alloc(0));
  await expect(page.getByRole('alert').filter({ hasText: '“empty.png” is empty (0 bytes); nothing was opened.' })).toBeVisible();
  await expect(pasted).toContainText('160×100 px');

  // Drop a file onto the canvas.
  await page.evaluate(async (b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'dropped.png', { type: 'image/png' }));
    const target = document.querySelector('[data-testid="edit-canvas"]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [...(await pngBytes(testPhoto(64, 48)))]);
  await expect(pasted).toHaveText('dropped.png · 64×48 px');
  // The gallery did not also treat the drop as "recall settings".
  await expect(page.getByText(/has no generation settings/)).toHaveCount(0);
});

test('odd photos: 10000×10000 is downscaled with a notice, alpha is flattened, CMYK and EXIF-rotated JPEGs open', async ({ studio, page }) => {
  await studio.open();
  await openEditor(page);

  await upload(page, 'huge.png', 'image/png', grayPng(10000, 10000));
  // Decoding 10⁸ pixels takes about 2 s on an idle 2-core machine; allow for a busy one.
  const t0 = Date.now();
  await expect(page.getByRole('note').filter({ hasText: 'The photo is 10000×10000 pixels; it was downscaled to 4096×4096' })).toBeVisible({
    timeout: 180_000,
  });
  test.info().annotations.push({ type: 'timing', description: `10000×10000 PNG opened in ${Date.now() - t0} ms` });
  expect(await page.evaluate(() => window.__muse!.editor.photo())).toMatchObject({ width: 4096, height: 4096 });

  // Half transparent: flattened onto white with a notice.
  const rgba = testPhoto(40, 20);
  for (let p = 0; p < 40 * 20; p++) if (p % 40 < 20) rgba.data[p * 4 + 3] = 0;
  await upload(page, 'alpha.png', 'image/png', await pngBytes(rgba));
  await expect(page.getByRole('note').filter({ hasText: 'The image has transparent areas; they were filled with white.' })).toBeVisible();
  const flat = await canvasPixels(page, 'Photo being edited');
  expect(flat.data.slice(0, 4)).toEqual([255, 255, 255, 255]);
  expect(flat.data.slice(39 * 4, 40 * 4)).toEqual(Array.from(rgba.data.slice(39 * 4, 40 * 4)));

  await upload(page, 'cmyk.jpg', 'image/jpeg', await readFile('tests/fixtures/images/cmyk.jpg'));
  await expect(page.getByTestId('photo-info')).toHaveText('cmyk.jpg · 96×64 px');
  const cmyk = await canvasPixels(page, 'Photo being edited');
  expect(cmyk.data[0]).toBeGreaterThan(150); // red on the left
  expect(cmyk.data[(95 * 4) + 2]).toBeGreaterThan(150); // blue on the right

  await upload(page, 'exif-rotate-6.jpg', 'image/jpeg', await readFile('tests/fixtures/images/exif-rotate-6.jpg'));
  await expect(page.getByTestId('photo-info')).toHaveText('exif-rotate-6.jpg · 80×120 px');
  const turned = await canvasPixels(page, 'Photo being edited');
  expect(turned.data[0]).toBeGreaterThan(150); // stored left (red) is now on top
  expect(turned.data[(119 * 80) * 4 + 2]).toBeGreaterThan(150);

  // Crop to the model's size (whatever model is loaded), then fit the 80×120 photo inside it.
  await page.getByLabel('Image size').selectOption('crop');
  const model = (await page.evaluate(() => window.__muse!.editor.photo()))!;
  await page.getByLabel('Image size').selectOption('fit');
  const s = Math.min(model.width / 80, model.height / 120);
  expect(await page.evaluate(() => window.__muse!.editor.photo())).toMatchObject({ width: Math.round(80 * s), height: Math.round(120 * s) });
});

test('outpaint to the right and edit by text; results keep the right size; discard and next variation', async ({ studio, page }) => {
  await studio.open();
  await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill('a beach at night');
  await openEditor(page);
  const photo = testPhoto();
  await upload(page, 'photo.png', 'image/png', await pngBytes(photo));
  // A photo that finishes opening starts with no extension, so set it once the photo is in.
  await expect(page.getByTestId('photo-info')).toHaveText('photo.png · 320×200 px');

  await page.getByRole('radio', { name: 'Extend' }).check({ force: true });
  await page.getByLabel('Extend right').fill('64');
  await expect(page.getByText('Result: 384×200 px')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('editor-outpaint.png'), fullPage: true });
  await editButton(page).click();
  const out = await waitForStaged(page);
  expect(out).toMatchObject({ mode: 'outpaint', width: 384, height: 200 });
  const result = await canvasPixels(page, 'Edited result');
  // The photo is kept exactly farther than the feather from the new area.
  for (let y = 0; y < 200; y += 7) {
    for (let x = 0; x < 320 - out.feather! - 1; x += 5) {
      const r = (y * 384 + x) * 4;
      const o = (y * 320 + x) * 4;
      expect(result.data.slice(r, r + 4)).toEqual(Array.from(photo.data.slice(o, o + 4)));
    }
  }
  await page.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('img', { name: 'Edited result' })).toHaveCount(0);

  await page.getByRole('radio', { name: 'By text' }).check({ force: true });
  await expect(page.getByRole('button', { name: 'Brush' })).toHaveCount(0);
  await page.getByLabel('Strength').focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft'); // 0.60 → 0.40
  await expect(page.getByText('0.40')).toBeVisible();
  await editButton(page).click();
  const text = await waitForStaged(page);
  expect(text).toMatchObject({ mode: 'text', width: 320, height: 200 });
  // Only pixels under tokens the edit changed may differ from the photo.
  expect(text.changedFraction).toBeGreaterThan(0);
  expect(text.changedFraction).toBeLessThanOrEqual(1);
  await page.getByRole('button', { name: /^Next variation/ }).click();
  await expect.poll(() => page.evaluate(() => window.__muse!.editor.staged()?.seed), { timeout: 180_000 }).toBe((text.seed + 1) >>> 0);
});
