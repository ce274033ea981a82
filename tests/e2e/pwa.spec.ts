/**
 * The studio as an installed, offline, private app, on the built preview (playwright.config's
 * webServer: `vite build` + `vite preview`, which sends the production headers).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { chromiumArgs, findChromium } from './browser';
import { paint, pngBytes, SQUARE, testPhoto, waitForStaged } from './editorHelpers';
import { expect, FIXTURE_MODEL_URL, test } from './fixtures';

/** Waits until a service worker controls the page (the first visit claims it). */
async function controlled(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? null), { timeout: 30_000 }).toBe('activated');
}

/** PNG width and height from the IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test.beforeEach(({ backend }) => {
  test.skip(backend !== 'wasm', 'installability, offline and privacy do not depend on the backend');
});

test('the built studio is cross-origin isolated and installable', async ({ studio, page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  await studio.open();
  await controlled(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByRole('status', { name: 'Active backend' })).toContainText(/WASM · \d+ threads/);

  const res = await page.request.get('/');
  const headers = res.headers();
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(headers['content-security-policy']).not.toContain("'unsafe-eval'");

  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const manifest = (await (await page.request.get(href!)).json()) as Record<string, unknown> & {
    icons: Array<{ src: string; sizes: string; type: string; purpose?: string }>;
  };
  expect(manifest).toMatchObject({
    name: 'Muse Studio',
    short_name: 'Muse',
    display: 'standalone',
    start_url: '/',
    scope: '/',
    theme_color: expect.stringMatching(/^#[0-9a-f]{6}$/),
    background_color: expect.stringMatching(/^#[0-9a-f]{6}$/),
  });
  const need = [
    ['192x192', 'any'],
    ['512x512', 'any'],
    ['512x512', 'maskable'],
  ];
  for (const [sizes, purpose] of need) {
    const icon = manifest.icons.find((i) => i.sizes === sizes && (i.purpose ?? 'any').split(' ').includes(purpose));
    expect(icon, `${sizes} ${purpose} icon`).toBeDefined();
    const file = await page.request.get(icon!.src);
    expect(file.ok()).toBe(true);
    expect(file.headers()['content-type']).toBe('image/png');
    expect(pngSize(await file.body()).join('x')).toBe(sizes);
  }

  expect(violations).toEqual([]);
});

test("Chromium's own installability check passes", async ({ baseURL }, info) => {
  // Playwright's usual contexts count as incognito, where nothing is installable: use a profile.
  const context = await chromium.launchPersistentContext(info.outputPath('profile'), {
    executablePath: findChromium(),
    args: chromiumArgs,
    baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/?backend=wasm');
    await controlled(page);
    const cdp = await context.newCDPSession(page);
    await expect
      .poll(async () => {
        const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
          installabilityErrors: Array<{ errorId: string }>;
        };
        return installabilityErrors.map((e) => e.errorId);
      })
      .toEqual([]);
  } finally {
    await context.close();
  }
});

test('after one online visit the studio loads and generates offline', async ({ studio, page, context }) => {
  await studio.open();
  await controlled(page);
  // The first visit stored the built-in model and cached ONNX Runtime through the service worker.
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const names = await caches.keys();
        const runtime = names.find((n) => n.startsWith('muse-runtime'));
        const files = runtime ? (await (await caches.open(runtime)).keys()).map((r) => r.url) : [];
        return files.some((u) => u.endsWith('.wasm'));
      }),
    )
    .toBe(true);

  await context.setOffline(true);
  try {
    await page.reload();
    await studio.waitReady();
    await page.getByLabel('Prompt', { exact: true }).fill('a boat on the sea at night');
    await studio.makeJobsShort();
    await studio.generateButton.click();
    await studio.waitForResults(1);
    await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();
    // The network really is cut: a URL nothing cached fails. (navigator.onLine is not asserted:
    // this Chromium reads true again after a reload under Playwright's offline emulation, while
    // requests still fail.)
    const probe = await page.evaluate(() => fetch(`/not-cached-${Date.now()}`).then((r) => `reached ${r.status}`, () => 'failed'));
    expect(probe).toBe('failed');
    await page.screenshot({ path: '/tmp/pwa-offline.png', fullPage: true });
  } finally {
    await context.setOffline(false);
  }
});

/** Records every request of the context (pages, workers, service worker). */
function recordRequests(context: BrowserContext) {
  const seen: Array<{ url: string; method: string; body: string | null; headers: Record<string, string> }> = [];
  context.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData(), headers: r.headers() }));
  return seen;
}

test('nothing the user types or opens leaves the device', async ({ studio, page, context, baseURL }) => {
  const secret = 'a purple hot-air balloon over my secret garden';
  const violations: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp?: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const requests = recordRequests(context);
  await studio.open();
  await page.getByLabel('Prompt', { exact: true }).fill(secret);
  await page.locator('summary', { hasText: 'Negative prompt' }).click();
  await page.getByLabel('Negative prompt').fill('my secret negative');
  await studio.makeJobsShort();
  await studio.generateButton.click();
  await studio.waitForResults(1);
  await expect(page.getByRole('list', { name: 'Saved images' }).getByRole('img', { name: secret })).toBeVisible();
  // An opened photo and an inpaint of it stay on the device too.
  await page.getByRole('tab', { name: 'Edit' }).click();
  const photo = testPhoto();
  await page.getByLabel('Open image…').first().setInputFiles({ name: 'my-private-photo.png', mimeType: 'image/png', buffer: await pngBytes(photo) });
  await expect(page.getByTestId('photo-info')).toContainText('my-private-photo.png');
  await paint(page, [SQUARE.x + 10, SQUARE.y + 10], [SQUARE.x + 40, SQUARE.y + 40], photo);
  await page.getByRole('button', { name: /^Edit(?! image)/ }).click();
  await waitForStaged(page);
  await page.reload();
  await studio.waitReady();
  violations.push(...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])));

  const origin = new URL(baseURL!).origin;
  expect(requests.length).toBeGreaterThan(5);
  const allowedPath = /^\/($|\?|index\.html|assets\/|models\/|tests\/fixtures\/|icons\/|favicon\.svg|manifest\.webmanifest|sw\.js|workbox-)/;
  for (const r of requests) {
    // blob: URLs name bytes already in this page (gallery thumbnails); they are not network requests.
    if (r.url.startsWith('blob:') || r.url.startsWith('data:')) continue;
    const url = new URL(r.url);
    expect(url.origin, r.url).toBe(origin);
    expect(r.method, r.url).toBe('GET');
    expect(r.body, r.url).toBeNull();
    expect(`${url.pathname}${url.search}`, r.url).toMatch(allowedPath);
    const all = decodeURIComponent(r.url) + JSON.stringify(r.headers);
    for (const word of ['secret', 'purple', 'private']) expect(all, r.url).not.toContain(word);
  }
  expect(violations).toEqual([]);
});

test('settings, the backend override and the chosen model survive a reload', async ({ studio, page }) => {
  await studio.open();
  await page.getByRole('radio', { name: 'Locked' }).check({ force: true });
  await studio.setSeed(4321);
  await page.getByRole('radio', { name: '3 images' }).check({ force: true });
  await studio.setAdvanced({ 'Base steps': '3', 'Super-res temperature': '0.5' });
  await page.getByLabel('Prompt', { exact: true }).fill('not kept');
  // Without ?backend=, the header's choice is what is saved.
  await page.goto(`/?testHooks&model=${FIXTURE_MODEL_URL}`);
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('wasm');
  await expect(page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', 'wasm', { timeout: 120_000 });
  await page.reload();
  await studio.waitReady();
  await expect(page.getByRole('combobox', { name: 'Backend' })).toHaveValue('wasm');
  await expect(page.getByLabel('Seed value')).toHaveValue('4321');
  await expect(page.getByRole('radio', { name: 'Locked' })).toBeChecked();
  await expect(page.getByRole('radio', { name: '3 images' })).toBeChecked();
  const advanced = page.locator('details', { hasText: 'Advanced' });
  await advanced.locator('summary').click();
  await expect(page.getByLabel('Base steps', { exact: true })).toHaveValue('3');
  await expect(page.getByLabel('Super-res temperature', { exact: true })).toHaveValue('0.5');
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('');
});

test('a new version shows "Update available — Reload" and takes over on Reload', async ({ studio, page }) => {
  const swFile = path.resolve(process.env.E2E_OUT_DIR ?? 'dist', 'sw.js');
  const original = readFileSync(swFile, 'utf8');
  await studio.open();
  await controlled(page);
  try {
    // A deploy: the service worker script changes.
    writeFileSync(swFile, `${original}\n// e2e: next version\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const prompt = page.getByRole('alertdialog', { name: 'Update available' });
    await expect(prompt).toBeVisible({ timeout: 30_000 });
    await page.screenshot({ path: '/tmp/pwa-update.png' });
    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload' }).click()]);
    await studio.waitReady();
    await expect(prompt).toHaveCount(0);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
  } finally {
    writeFileSync(swFile, original);
  }
});
