/**
 * The model manager in a real browser: adding a package from another site (the page's CSP is
 * widened only for sites the user allowed), per-file progress, verification, quota, eviction,
 * folders, switching and deleting, and downloads a reload interrupted (resumed or discarded).
 * Backend-independent: runs on the wasm project only.
 */
import { mkdirSync, cpSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test, type Studio } from './fixtures';
import { MODEL_ORIGIN, startModelServer, type ModelServer } from './modelServer';

let server: ModelServer;
test.beforeAll(async () => {
  server = await startModelServer();
});
test.afterAll(async () => {
  await server?.close();
});
test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'the model manager does not depend on the backend');
});

const modelsPanel = (page: Page) => page.getByRole('region', { name: 'Model' });
const storedNames = (page: Page) => page.getByRole('list', { name: 'Stored models' }).getByRole('listitem');

/** Waits until `name` is loaded and ready (while loading, the status already shows its name). */
async function expectModel(page: Page, name: string): Promise<void> {
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText(new RegExp(`${name}.*·\\s*Ready`), { timeout: 60_000 });
}

/** Paths of every package file and record in the model store. */
function storeKeys(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const cache = await caches.open('muse-models-v1');
    return (await cache.keys())
      .map((r) => new URL(r.url).pathname)
      .filter((p) => p.startsWith('/__muse-models/pkg/'))
      .sort();
  });
}

async function addUrl(page: Page, url: string): Promise<void> {
  await page.getByLabel('Model package URL').fill(url);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
}

/** Answers "Allow model site" with Allow; the page reloads and the add continues by itself. */
async function allowSite(page: Page, studio: Studio, origin = MODEL_ORIGIN): Promise<void> {
  const ask = page.getByRole('alertdialog', { name: 'Allow model site' });
  await expect(ask).toContainText(origin);
  await Promise.all([page.waitForEvent('load'), ask.getByRole('button', { name: 'Allow and reload' }).click()]);
  await studio.waitReady();
}

/** Whether a fetch from the page to `url` is allowed by its Content-Security-Policy. */
function cspAllows(page: Page, url: string): Promise<boolean> {
  return page.evaluate(async (u) => {
    let blocked = false;
    const onViolation = (e: SecurityPolicyViolationEvent) => {
      if (e.blockedURI.startsWith(new URL(u).origin)) blocked = true;
    };
    document.addEventListener('securitypolicyviolation', onViolation);
    await fetch(u, { cache: 'no-store' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    document.removeEventListener('securitypolicyviolation', onViolation);
    return !blocked;
  }, url);
}

test('a package from another site: allowed once, per-file progress, verified, stored, used, kept after reload', async ({
  studio,
  page,
}) => {
  // Remember every progress bar state shown, so fast downloads are not missed between polls.
  await page.addInitScript(() => {
    const seen: Record<string, { now: number; max: number }[]> = {};
    (window as unknown as { __bars: typeof seen }).__bars = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[aria-label="Model download"] [role=progressbar]')) {
        const label = el.getAttribute('aria-label') ?? '';
        const entry = { now: Number(el.getAttribute('aria-valuenow')), max: Number(el.getAttribute('aria-valuemax')) };
        const list = (seen[label] ??= []);
        if (list.at(-1)?.now !== entry.now) list.push(entry);
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await studio.open();
  await expect(storedNames(page)).toHaveCount(1);
  await expect(storedNames(page).first()).toContainText('Tiny test fixture');
  expect(await cspAllows(page, `${MODEL_ORIGIN}/tiny-copy/manifest.json`)).toBe(false);

  await addUrl(page, `${MODEL_ORIGIN}/tiny-copy/`);
  await allowSite(page, studio);
  await expectModel(page, 'Tiny copy');
  await expect(storedNames(page)).toHaveCount(2);
  await expect(page.getByRole('listitem', { name: 'Tiny copy' })).toContainText('in use');
  await expect(page.getByRole('listitem', { name: 'Tiny copy' })).toContainText(`${MODEL_ORIGIN}/tiny-copy/`);

  // Each file had its own bar that ended full, sized as the manifest says.
  const manifest = JSON.parse(readFileSync('tests/fixtures/tiny/manifest.json', 'utf8')) as { files: Record<string, { bytes: number }> };
  const bars = await page.evaluate(() => (window as unknown as { __bars: Record<string, { now: number; max: number }[]> }).__bars);
  for (const [file, { bytes }] of Object.entries(manifest.files)) {
    expect(bars[file], file).toBeDefined();
    expect(bars[file].at(-1)).toEqual({ now: bytes, max: bytes });
  }
  expect(bars['Total'].at(-1)!.now).toBe(bars['Total'].at(-1)!.max);

  // The policy now lets the page fetch from that site, and still from no other.
  expect(await cspAllows(page, `${MODEL_ORIGIN}/tiny-copy/manifest.json`)).toBe(true);
  expect(await cspAllows(page, 'http://localhost:4192/x')).toBe(false);

  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
  await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();

  // After a reload the choice is kept and the package comes from storage, not the network.
  const asked = server.requests.length;
  await page.reload();
  await studio.waitReady();
  await expectModel(page, 'Tiny copy');
  expect(server.requests.slice(asked)).toEqual([]);
  await page.screenshot({ path: '/tmp/pwa-model-manager.png', fullPage: true });

  // Switch back, then delete the copy: the built-in one cannot be deleted.
  await page.getByRole('listitem', { name: /Tiny test fixture/ }).getByRole('button', { name: 'Use' }).click();
  await expectModel(page, 'Tiny test fixture');
  await page.getByRole('button', { name: 'Delete Tiny copy' }).click();
  await expect(storedNames(page)).toHaveCount(1);
  await expect(page.getByRole('button', { name: /Delete Tiny test fixture/ })).toHaveCount(0);
  expect((await storeKeys(page)).some((k) => k.includes('/tiny-copy-'))).toBe(false);
  await expect(page.getByTestId('storage-estimate')).toContainText(/Storage: .+ used of .+ available/);
});

test('bad packages are refused with a message and nothing is stored', async ({ studio, page }) => {
  await studio.open();
  const before = await storeKeys(page);
  const panel = modelsPanel(page);
  const error = panel.getByRole('group', { name: 'Model download' }).getByRole('alert');
  const dismiss = () => panel.getByRole('button', { name: 'Dismiss' }).click();

  await addUrl(page, `${MODEL_ORIGIN}/bad-sha/`);
  await allowSite(page, studio);
  await expect(error).toContainText(`Could not load ${MODEL_ORIGIN}/bad-sha/: vqgan/decoder.onnx: sha256 mismatch: manifest says`);
  await expect(error).toContainText('Nothing was stored. Still using Tiny test fixture');
  await expect(panel.getByRole('listitem', { name: 'vqgan/decoder.onnx' })).toHaveAttribute('data-state', 'failed');
  await page.screenshot({ path: '/tmp/pwa-bad-sha.png', fullPage: true });
  expect(await storeKeys(page)).toEqual(before);
  await dismiss();

  const cases: Array<[string, string]> = [
    ['html', 'with an HTML page, not the file'],
    ['v2', 'unsupported package format version 2 (this studio reads version 1)'],
    ['escape', 'files["../secret.json"] path leaves the package ("..")'],
    ['nothing-here', 'manifest.json: not found at'],
    ['drop', 'transformer/base.onnx: the connection failed'],
  ];
  for (const [pkg, message] of cases) {
    await addUrl(page, `${MODEL_ORIGIN}/${pkg}/`);
    await expect(error).toContainText(message);
    await expect(error).toContainText('Still using Tiny test fixture');
    expect(await storeKeys(page).then((k) => k.filter((p) => p.endsWith('record.json')))).toEqual(before.filter((p) => p.endsWith('record.json')));
    if (pkg === 'drop') {
      // The files verified before the cut are kept for Resume; Discard deletes them at once.
      await expect(panel.getByRole('button', { name: 'Resume' })).toBeVisible();
      expect(await storeKeys(page)).not.toEqual(before);
      await panel.getByRole('button', { name: 'Discard' }).click();
      await expect.poll(() => storeKeys(page)).toEqual(before);
    } else {
      await dismiss();
    }
  }
  await expect(storedNames(page)).toHaveCount(1);
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText('Ready');

  // A site nobody answers at (allowed first, like any other).
  const nowhere = 'http://localhost:4199';
  await addUrl(page, `${nowhere}/pkg/`);
  await allowSite(page, studio, nowhere);
  await expect(error).toContainText(`Could not load ${nowhere}/pkg/: manifest.json: the connection failed`);
  await expect(error).toContainText('Still using Tiny test fixture');
  await dismiss();

  // The interrupted download's verified files are removed at the next start.
  await page.reload();
  await studio.waitReady();
  expect(await storeKeys(page)).toEqual(before);
});

test('a quota failure is reported and leaves the previous state intact', async ({ studio, page }) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('e2e-full-storage')) return;
    Cache.prototype.put = function put() {
      return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    };
  });
  await studio.open();
  const before = await storeKeys(page);
  await addUrl(page, `${MODEL_ORIGIN}/tiny-copy/`);
  await page.evaluate(() => sessionStorage.setItem('e2e-full-storage', '1'));
  await allowSite(page, studio);
  const error = modelsPanel(page).getByRole('group', { name: 'Model download' }).getByRole('alert');
  await expect(error).toContainText('Not enough storage for Tiny copy');
  await expect(error).toContainText('the browser has no room left for it');
  await expect(error).toContainText('Nothing was stored. Still using Tiny test fixture');
  expect(await storeKeys(page)).toEqual(before);
  await expect(storedNames(page)).toHaveCount(1);
  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);

  await page.getByRole('button', { name: 'Keep models offline' }).click();
  await expect(page.getByRole('status', { name: 'Persistent storage' })).toContainText(/Models are kept|did not grant/);
});

test('an evicted model is noticed and can be downloaded again', async ({ studio, page }) => {
  await studio.open();
  await addUrl(page, `${MODEL_ORIGIN}/tiny-copy/`);
  await allowSite(page, studio);
  await expectModel(page, 'Tiny copy');

  // What the browser does under storage pressure: the whole model store is gone.
  await page.evaluate(() => caches.delete('muse-models-v1'));
  await page.reload();
  await studio.waitReady();
  const missing = page.getByRole('alert', { name: 'Model missing' });
  await expect(missing).toContainText('Tiny copy is no longer stored in this browser');
  await expectModel(page, 'Tiny test fixture');
  await page.screenshot({ path: '/tmp/pwa-evicted.png', fullPage: true });

  await missing.getByRole('button', { name: 'Download again' }).click();
  await allowSite(page, studio); // the allowed sites were in the evicted storage too
  await expectModel(page, 'Tiny copy');
  await expect(missing).toHaveCount(0);
});

test('a package from a local folder; a folder without a manifest is refused', async ({ studio, page }, info) => {
  const dir = info.outputPath('folders');
  rmSync(dir, { recursive: true, force: true });
  const good = path.join(dir, 'tiny-local');
  cpSync('tests/fixtures/tiny', good, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(good, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(good, 'manifest.json'), JSON.stringify({ ...manifest, name: 'tiny-local', displayName: 'Tiny from a folder' }));
  const bad = path.join(dir, 'weights');
  mkdirSync(bad, { recursive: true });
  cpSync('tests/fixtures/tiny/vqgan', path.join(bad, 'vqgan'), { recursive: true });

  await studio.open();
  const before = await storeKeys(page);
  const folderInput = page.getByLabel('Model package folder');
  await folderInput.setInputFiles(bad);
  const error = modelsPanel(page).getByRole('group', { name: 'Model download' }).getByRole('alert');
  await expect(error).toContainText('Could not load the folder "weights": there is no manifest.json in the folder "weights"');
  expect(await storeKeys(page)).toEqual(before);
  await modelsPanel(page).getByRole('button', { name: 'Dismiss' }).click();

  await folderInput.setInputFiles(good);
  await expectModel(page, 'Tiny from a folder');
  await expect(page.getByRole('listitem', { name: 'Tiny from a folder' })).toContainText('folder "tiny-local"');
  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
});

/**
 * Starts adding /stall/ (allowed first), waits until it hangs in its 5th file with 4 verified,
 * and reloads the page in the middle of that download.
 */
async function reloadMidDownload(page: Page, studio: Studio): Promise<void> {
  server.stall = true;
  await addUrl(page, `${MODEL_ORIGIN}/stall/`);
  await allowSite(page, studio);
  const files = modelsPanel(page).getByRole('list', { name: 'Files' });
  await expect(files.getByRole('listitem', { name: 'transformer/base.onnx' })).toHaveAttribute('data-state', 'stored');
  await expect(files.getByRole('listitem', { name: 'transformer/super_res.onnx' })).toHaveAttribute('data-state', 'reading');
  await page.reload();
  await studio.waitReady();
  server.stall = false;
}

/** The stopped download the studio offers after a reload. */
async function expectInterrupted(page: Page): Promise<void> {
  const offer = modelsPanel(page).getByRole('group', { name: 'Model download' });
  await expect(offer.getByRole('alert')).toContainText(`Adding Tiny copy from ${MODEL_ORIGIN}/stall/ was interrupted`);
  await expect(offer.getByRole('alert')).toContainText('4 of 7 files');
  await expect(offer.getByRole('listitem', { name: 'transformer/base.onnx' })).toHaveAttribute('data-state', 'stored');
  await expect(offer.getByRole('listitem', { name: 'vqgan/decoder.onnx' })).toHaveAttribute('data-state', 'waiting');
  await expect(storedNames(page)).toHaveCount(1); // a partial package is never listed, so never used
}

test('a download interrupted by a reload is offered again and resumes without fetching the saved files', async ({ studio, page }) => {
  await studio.open();
  await reloadMidDownload(page, studio);
  await expectInterrupted(page);
  await page.screenshot({ path: '/tmp/pwa-interrupted.png', fullPage: true });

  const asked = server.requests.length;
  await modelsPanel(page).getByRole('button', { name: 'Resume' }).click();
  await expectModel(page, 'Tiny copy');
  // The manifest (to know the package) and the three files that were not saved; nothing else.
  expect(server.requests.slice(asked).sort()).toEqual(
    ['manifest.json', 'transformer/super_res.onnx', 'vqgan/decoder.onnx', 'vqgan/encoder.onnx'].map((f) => `GET /stall/${f}`),
  );
  await expect(page.getByRole('listitem', { name: 'Tiny copy' })).toContainText('in use');
  expect((await storeKeys(page)).filter((k) => !k.includes('/files/') && !k.endsWith('/record.json'))).toEqual([]);

  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
});

test('discarding a download a reload interrupted deletes everything it saved', async ({ studio, page }) => {
  await studio.open();
  const before = await storeKeys(page);
  await reloadMidDownload(page, studio);
  await expectInterrupted(page);
  expect((await storeKeys(page)).length).toBeGreaterThan(before.length); // the saved files, kept for Resume

  await modelsPanel(page).getByRole('button', { name: 'Discard' }).click();
  await expect(modelsPanel(page).getByRole('group', { name: 'Model download' })).toHaveCount(0);
  await expect.poll(() => storeKeys(page)).toEqual(before);
  await expect(storedNames(page)).toHaveCount(1);
});

test('"Check files" hashes a stored package again: intact, then names each damaged and missing file', async ({ studio, page }) => {
  await studio.open();
  const item = page.getByRole('listitem', { name: /Tiny test fixture/ });
  const report = page.getByRole('status', { name: 'Model manager' });
  const files = Object.keys((JSON.parse(readFileSync('tests/fixtures/tiny/manifest.json', 'utf8')) as { files: object }).files).length;

  await item.getByRole('button', { name: /^Check files of/ }).click();
  await expect(report).toHaveText(`All ${files} files of Tiny test fixture (random weights) match their sha256: the stored copy is intact.`);

  // What a load cannot see (it compares sizes only): one byte of a stored file flipped, same
  // length. And a file the browser lost.
  await page.evaluate(async () => {
    const cache = await caches.open('muse-models-v1');
    const keys = await cache.keys();
    const find = (path: string) => keys.find((r) => new URL(r.url).pathname.endsWith(`/files/${path}`))!;
    const flipped = find('transformer/base.onnx');
    const bytes = new Uint8Array(await (await cache.match(flipped))!.arrayBuffer());
    bytes[bytes.length >> 1] ^= 0xff;
    await cache.put(flipped, new Response(bytes));
    await cache.delete(find('vqgan/decoder.onnx'));
  });
  await item.getByRole('button', { name: /^Check files of/ }).click();
  await expect(report).toContainText(`2 of ${files} files of Tiny test fixture (random weights) are damaged or missing:`);
  await expect(report).toContainText(/transformer\/base\.onnx \([^)]*sha256[^)]*\)/);
  await expect(report).toContainText(/vqgan\/decoder\.onnx \([^)]+\)/);
  await expect(report).toContainText('Delete the model and add it again.');
});

/** Stored package ids (one record each). */
async function storedIds(page: Page): Promise<string[]> {
  return (await storeKeys(page)).filter((p) => p.endsWith('/record.json')).map((p) => p.split('/').at(-2)!);
}

const FIXTURE_MANIFEST = '/tests/fixtures/tiny/manifest.json';

test('a reopened studio starts its stored built-in model without waiting for the site to answer', async ({ studio, page, context }) => {
  await studio.open();
  const [id] = await storedIds(page);
  expect(id).toBeDefined();
  // The site's manifest (asked to see whether a newer built-in is served) answers only when
  // released: the studio must be Ready on the stored copy while that request is still open (not
  // after giving up on it: the start before this waited for it, up to its 15 s time-out).
  let asked = false;
  let answered = false;
  let abandoned = false;
  context.on('requestfailed', (r) => {
    if (new URL(r.url()).pathname === FIXTURE_MANIFEST) abandoned = true;
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await context.route(
    (url) => url.pathname === FIXTURE_MANIFEST,
    async (route) => {
      asked = true;
      await gate;
      answered = true;
      await route.continue().catch(() => {});
    },
  );
  try {
    await page.reload();
    await studio.waitReady();
    await expect.poll(() => asked).toBe(true);
    expect({ answered, abandoned }).toEqual({ answered: false, abandoned: false });
  } finally {
    release();
    await context.unroute((url) => url.pathname === FIXTURE_MANIFEST).catch(() => {});
  }
  // The site answered with the same package: nothing new is stored.
  await studio.makeJobsShort();
  await page.getByLabel('Prompt', { exact: true }).fill('a boat on the sea');
  await studio.generateButton.click();
  await studio.waitForResults(1);
  expect(await storedIds(page)).toEqual([id]);
});

test('a newer built-in model served by the site is stored, switched to after the start, and the old copy deleted', async ({ studio, page, context }) => {
  await studio.open();
  const [oldId] = await storedIds(page);
  // The next visit's site serves a new version of the built-in (another display name; the
  // manifest's hash is the package id).
  const manifest = JSON.parse(readFileSync(path.join('tests/fixtures/tiny/manifest.json'), 'utf8')) as { displayName: string };
  manifest.displayName = 'Tiny test fixture, version 2';
  await context.route(
    (url) => url.pathname === FIXTURE_MANIFEST,
    (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(manifest, null, 2) }),
  );
  await page.reload();
  await expectModel(page, 'Tiny test fixture, version 2');
  await expect.poll(() => storedIds(page)).toHaveLength(1);
  const [newId] = await storedIds(page);
  expect(newId).not.toBe(oldId);
  await expect(storedNames(page)).toHaveCount(1);
  await expect(storedNames(page).first()).toContainText('Tiny test fixture, version 2');
});
