/**
 * A Hugging Face model id in the Model panel, end to end in Chromium: a fake Hub on a local
 * origin answers like the Hub over the tiny aMUSEd snapshot fixture (tree listing with LFS
 * sha256, revision info, `resolve/` URLs; a weights file's `resolve/` redirects to a second
 * origin, as the Hub redirects to its CDN). The page is pointed at it with `?hubEndpoint=` (test
 * pages only) and both origins are allowed model sites. Playwright's request routing is not
 * used: with a route active the model never finished loading (docs/DIFFUSERS.md). The CSP's
 * real Hub hosts are checked in tests/unit/app/models/csp.test.ts.
 * Type the id, read size and licence before any download, download with per-file progress,
 * stall and reload mid-download, resume (files already stored are not fetched again), generate,
 * edit a photo by text, then reload offline and generate again. Every file is fetched at the
 * commit the revision resolved to (the fake Hub answers nothing by branch name). Runs on both
 * projects (on the software WebGPU adapter since the worker asks ORT for the NCHW layout there:
 * 3.1 min, docs/DIFFUSERS.md). A second test opens the same snapshot as
 * a folder from disk (`<input webkitdirectory>`) and adds it through the same loader.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { pngBytes, testPhoto, waitForStaged } from './editorHelpers';

// Beside the model server's port (modelServer.ts): E2E_HUB_PORT lets a second suite move them.
const HUB_PORT = Number(process.env.E2E_HUB_PORT ?? 4195);
const HUB = `http://localhost:${HUB_PORT}`;
const CDN = `http://localhost:${HUB_PORT + 1}`;
const REPO = 'test/amused-tiny';
const CARD = '---\nlicense: openrail++\n---\n# A tiny random aMUSEd for tests\n';
/** The commit `main` points at: the page resolves it once and reads every file at it. */
const COMMIT = 'c'.repeat(40);

function snapshotFiles(): Map<string, Buffer> {
  const dir = path.resolve('tests/fixtures/amused-tiny-diffusers');
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(dir, p)).isDirectory()) walk(p);
      else out.set(p, readFileSync(path.join(dir, p)));
    }
  };
  walk('');
  out.set('README.md', Buffer.from(CARD));
  return out;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'range, authorization',
  'access-control-expose-headers': 'content-range, content-length',
};

interface FakeHub {
  /** Path of every whole-file download (no Range) of a weights file, in order. */
  downloads: string[];
  /** Every request either origin saw. */
  requests: string[];
  /** While set, the download of this path is held unanswered (a stalled connection). */
  stall?: string;
  /** Resolves when a request for `stall` arrived. */
  stalled: Promise<void>;
  close(): Promise<void>;
}

/** The fake Hub and its "CDN", on two local origins. */
async function startFakeHub(): Promise<FakeHub> {
  const files = snapshotFiles();
  let arrived = () => {};
  const held: ServerResponse[] = [];
  const send = (res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: Buffer | string) => {
    res.writeHead(status, { ...CORS, ...headers }).end(body);
  };
  const file = (req: IncomingMessage, res: ServerResponse, p: string) => {
    const bytes = files.get(p);
    if (!bytes) return send(res, 404);
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const [s, e] = [Number(range[1]), Math.min(Number(range[2]), bytes.length - 1)];
      return send(res, 206, { 'content-range': `bytes ${s}-${e}/${bytes.length}`, 'content-length': e - s + 1 }, bytes.subarray(s, e + 1));
    }
    if (p.endsWith('.safetensors')) hub.downloads.push(p);
    if (p === hub.stall) {
      // Headers and the first bytes, then nothing: the page is reloaded while it waits.
      res.writeHead(200, { ...CORS, 'content-length': bytes.length });
      res.write(bytes.subarray(0, 1024));
      held.push(res);
      arrived();
      return;
    }
    send(res, 200, { 'content-length': bytes.length }, bytes);
  };
  const hubServer = createServer((req, res) => {
    hub.requests.push(`${HUB}${req.url}`);
    if (req.method === 'OPTIONS') return send(res, 204);
    const u = new URL(req.url ?? '/', HUB);
    if (u.pathname === `/api/models/${REPO}/tree/${COMMIT}`) {
      const list = [...files].map(([p, b]) => ({
        type: 'file',
        path: p,
        size: b.length,
        ...(p.endsWith('.safetensors') ? { lfs: { oid: createHash('sha256').update(b).digest('hex'), size: b.length } } : {}),
      }));
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(list));
    }
    if (u.pathname === `/api/models/${REPO}/revision/main`) {
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ sha: COMMIT, lastModified: '2024-01-02T00:00:00.000Z' }));
    }
    if (u.pathname.startsWith('/api/models/test/private/')) return send(res, 401);
    // Only the commit: a request by branch name would mean the revision was not pinned.
    const m = new RegExp(`^/${REPO}/resolve/${COMMIT}/(.+)$`).exec(u.pathname);
    if (!m) return send(res, 404);
    // LFS files live on the CDN: the Hub answers with a redirect there, as it does.
    if (m[1].endsWith('.safetensors')) return send(res, 302, { location: `${CDN}/repos/x/${m[1]}` });
    file(req, res, decodeURIComponent(m[1]));
  });
  const cdnServer = createServer((req, res) => {
    hub.requests.push(`${CDN}${req.url}`);
    if (req.method === 'OPTIONS') return send(res, 204);
    file(req, res, decodeURIComponent(new URL(req.url ?? '/', CDN).pathname.replace(/^\/repos\/x\//, '')));
  });
  const listen = (s: Server, port: number) => new Promise<void>((ok) => s.listen(port, 'localhost', ok));
  await Promise.all([listen(hubServer, HUB_PORT), listen(cdnServer, HUB_PORT + 1)]);
  const hub: FakeHub = {
    downloads: [],
    requests: [],
    stalled: new Promise((ok) => (arrived = ok)),
    async close() {
      for (const r of held) r.destroy();
      await Promise.all([hubServer, cdnServer].map((s) => new Promise((ok) => s.close(ok))));
    },
  };
  return hub;
}

let hub: FakeHub;
test.beforeEach(async () => {
  hub = await startFakeHub();
});
test.afterEach(async () => {
  await hub?.close();
});

const panel = (page: Page) => page.getByRole('region', { name: 'Model' });

async function lookUp(page: Page, id: string): Promise<void> {
  await page.getByLabel('Hugging Face model', { exact: true }).fill(id);
  await page.getByRole('button', { name: 'Look up' }).click();
}

/** How long one image may take: WebGPU here is SwiftShader on two shared cores. */
const IMAGE_GUARD = 600_000;

test('a Hugging Face id: summary before download, progress, stall and reload, resume, generate and edit, then offline', async ({ studio, page, context, backend }) => {
  // Four page loads, two generations and an edit on a shared 2-core machine: past the 240 s
  // default (measured: 6.6 min on wasm beside a training run; 3.1 min on the software WebGPU
  // adapter with the machine otherwise idle, where a busy machine took over 3 min just to encode
  // the first prompt). Hang guards, not speed limits.
  test.setTimeout(1_800_000);
  await studio.open(`&hubEndpoint=${encodeURIComponent(HUB)}`);
  // Both fake origins are model sites the user allowed; the service worker applies that to the
  // page's policy from the next load.
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? null), { timeout: 30_000 }).toBe('activated');
  await page.evaluate(async (origins) => {
    const cache = await caches.open('muse-models-v1');
    await cache.put('/__muse-models/allowed-origins.json', new Response(JSON.stringify(origins), { headers: { 'Content-Type': 'application/json' } }));
  }, [HUB, CDN]);
  await page.reload();
  await studio.waitReady();

  // Messages first: a text that is not an id, and a private repo.
  const lookup = panel(page).getByLabel('Hugging Face lookup');
  await lookUp(page, 'not-an-id');
  await expect(lookup).toContainText('"not-an-id" is not a Hugging Face model id');
  await lookUp(page, 'test/private');
  await expect(lookup).toContainText('HTTP 401');

  // The summary, before any weights file is downloaded.
  await lookUp(page, REPO);
  const summary = panel(page).getByRole('group', { name: 'Hugging Face model summary' });
  await expect(summary).toContainText(REPO);
  const files = snapshotFiles();
  const weights = ['text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors'];
  const kb = (weights.reduce((n, p) => n + files.get(p)!.length, 0) / 1024).toFixed(1);
  await expect(summary.locator('[data-label="Download"]')).toContainText(`${kb} KB (3 fp32 weights files)`);
  await expect(summary.locator('[data-label="Licence"]')).toHaveText('openrail++');
  await expect(summary.locator('[data-label="Revision"]')).toHaveText('main at commit ccccccc (every file is read at that commit)');
  await expect(summary.locator('[data-label="Runs on"]')).toContainText(`${backend === 'wasm' ? 'WASM (CPU)' : 'WebGPU'}, in float32; 256×256 px`);
  await expect(summary.locator('[data-label="Memory"]')).toContainText(/^about \d/);
  await expect(summary.locator('[data-label="Storage"]')).toContainText('room enough');
  expect(hub.downloads).toEqual([]);
  await page.screenshot({ path: '/tmp/hub-summary.png', fullPage: true });

  // Download; the transformer's weights stall, and the page is reloaded while they do.
  hub.stall = 'transformer/diffusion_pytorch_model.safetensors';
  await summary.getByRole('button', { name: 'Download and use' }).click();
  await hub.stalled;
  const progress = panel(page).getByRole('group', { name: 'Model download' });
  await expect(progress.getByRole('listitem', { name: 'text_encoder/model.safetensors' })).toHaveAttribute('data-state', 'stored');
  await expect(progress.getByRole('listitem', { name: hub.stall })).toHaveAttribute('data-state', 'reading');
  hub.stall = undefined;
  await page.reload();
  await studio.waitReady();

  // The interrupted download is offered; Resume fetches only what was not stored.
  await expect(progress).toContainText(`Adding ${REPO} from Hugging Face ${REPO}@main was interrupted`);
  const before = hub.downloads.length;
  await progress.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText(new RegExp(`${REPO}.*·\\s*Ready`), { timeout: 120_000 });
  expect(hub.downloads.slice(before).sort()).toEqual(weights.slice(1));
  const item = page.getByRole('list', { name: 'Stored models' }).getByRole('listitem', { name: REPO });
  await expect(item).toContainText('in use');
  await expect(item).toContainText(`Hugging Face ${REPO}@main (commit ccccccc) · licence: openrail++`);

  await studio.setAdvanced({ 'Base steps': '2' });
  await studio.generateButton.click();
  await studio.waitForResults(1, IMAGE_GUARD);
  await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();

  // Edit a photo by text with the downloaded model (its VQ encoder graph runs here).
  await page.getByRole('tab', { name: 'Edit' }).click();
  await expect(page.getByRole('region', { name: 'Editor' })).toBeVisible();
  await page.getByLabel('Open image…').first().setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await pngBytes(testPhoto()) });
  await expect(page.getByTestId('photo-info')).toHaveText('photo.png · 320×200 px');
  await page.getByRole('radio', { name: 'By text' }).check({ force: true });
  await page.getByRole('button', { name: /^Edit(?! image)/ }).click();
  expect(await waitForStaged(page, IMAGE_GUARD)).toMatchObject({ mode: 'text', width: 320, height: 200 });
  await page.getByRole('tab', { name: 'Generate' }).click();

  // Offline: the page comes from the service worker, the model from storage; the Hub is not asked.
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? null), { timeout: 30_000 }).toBe('activated');
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const runtime = (await caches.keys()).find((n) => n.startsWith('muse-runtime'));
        return runtime ? (await (await caches.open(runtime)).keys()).some((r) => r.url.endsWith('.wasm')) : false;
      }),
    )
    .toBe(true);
  const asked = hub.requests.length;
  await context.setOffline(true);
  try {
    await page.reload();
    await studio.waitReady();
    await expect(page.getByRole('status', { name: 'Model status' })).toContainText(new RegExp(`${REPO}.*·\\s*Ready`));
    await studio.setAdvanced({ 'Base steps': '2' });
    await studio.generateButton.click();
    await studio.waitForResults(1, IMAGE_GUARD);
    await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();
    expect(hub.requests.slice(asked)).toEqual([]);
    await page.screenshot({ path: '/tmp/hub-offline.png', fullPage: true });
  } finally {
    await context.setOffline(false);
  }
});

test('a diffusers snapshot folder from disk: the same summary as the Hub, added, stored and used', async ({ studio, page, backend }) => {
  test.skip(backend !== 'wasm', 'the Hub test runs this loader on WebGPU; this one checks the folder route');
  test.setTimeout(600_000);
  await studio.open();
  // <input webkitdirectory>: Playwright gives it the folder's files with their relative paths.
  await panel(page).getByLabel('Model package folder').setInputFiles(path.resolve('tests/fixtures/amused-tiny-diffusers'));
  const summary = panel(page).getByRole('group', { name: 'Diffusers folder summary' });
  await expect(summary).toContainText('amused-tiny-diffusers');
  const files = snapshotFiles();
  const weights = ['text_encoder/model.safetensors', 'transformer/diffusion_pytorch_model.safetensors', 'vqvae/diffusion_pytorch_model.safetensors'];
  const kb = (weights.reduce((n, p) => n + files.get(p)!.length, 0) / 1024).toFixed(1);
  await expect(summary.locator('[data-label="Copy"]')).toContainText(`${kb} KB from the folder (3 fp32 weights files)`);
  // The fixture folder has no model card: the licence is said to be unknown.
  await expect(summary.locator('[data-label="Licence"]')).toContainText('not stated in the model card');
  await expect(summary.locator('[data-label="Runs on"]')).toContainText('WASM (CPU), in float32; 256×256 px');
  await summary.getByRole('button', { name: 'Add and use' }).click();
  await expect(page.getByRole('status', { name: 'Model status' })).toContainText(/amused-tiny-diffusers.*·\s*Ready/, { timeout: 120_000 });
  const item = page.getByRole('list', { name: 'Stored models' }).getByRole('listitem', { name: 'amused-tiny-diffusers' });
  await expect(item).toContainText('in use');
  await expect(item).toContainText('folder "amused-tiny-diffusers"');
  await studio.setAdvanced({ 'Base steps': '2' });
  await studio.generateButton.click();
  await studio.waitForResults(1);
  await expect(page.getByRole('img', { name: 'Generated image 1 of 1' })).toBeVisible();
});
