/**
 * One visit of a built studio, as a user reopening the app: a fresh Chromium process on the
 * build's persistent profile (so its HTTP cache, service worker, Cache Storage, IndexedDB and
 * wasm code cache survive from the visits before), launched with the e2e tests' flags.
 *
 * The visit fills in the prompt and the seed (Locked), lets the probe press Generate the moment
 * the model says Ready, waits for that image, presses Generate once more and waits for the
 * second (warm) image, then stays open `idleMs` so the browser can store what it keeps.
 */
import { chromium } from '@playwright/test';
import { chromiumArgs, findChromium } from '../../../tests/e2e/browser';
import { profileStoresKB } from '../shared/profileStores';
import { GENERATE_BUTTON, PROBE_SCRIPT, type StudioProbe } from './probe';
import type { VisitTimes } from './report';

/**
 * How long one wait (Ready, an image) may take. Beside a training run at high priority a first
 * visit's browser got about a tenth of a core here: Ready took 2 min, the old build's first image
 * more than 10.
 */
const WAIT_MS = 30 * 60_000;

export interface VisitSetup {
  profile: string;
  /** The page to open, query included. */
  url: string;
  prompt: string;
  seed: number;
  idleMs: number;
  /** First visit: also wait until a service worker controls the page before the idle time. */
  first: boolean;
  /** Where a slow visit says what it is waiting for. */
  log?: (line: string) => void;
}

/** What one visit measured and saw. */
export interface VisitRecord {
  times: VisitTimes;
  crossOriginIsolated: boolean;
  /** The engine's active backend (the header's data-backend). */
  backend: string;
  /** Whether a service worker controlled the page. */
  controlled: boolean;
  /** The profile's stores after the visit (shared/profileStores.ts). */
  stores: { codeCacheWasmKB: number; cacheStorageKB: number };
  /** Uncaught page errors. */
  errors: string[];
}

/** Times of the probe relative to navigation start, as the report needs them. */
export function visitTimes(p: Pick<StudioProbe, 'ready' | 'pressed' | 'images'>): VisitTimes {
  const [pressed, pressedAgain] = p.pressed;
  const [first, second] = p.images;
  if (p.ready === undefined || pressed === undefined || pressedAgain === undefined || first === undefined || second === undefined) {
    throw new Error(`the visit is incomplete: ready ${String(p.ready)}, presses ${p.pressed.length}, images ${p.images.length}`);
  }
  return { ready: p.ready, pressDelay: pressed - p.ready, firstImage: first - pressed, firstAfterReady: first - p.ready, warm: second - pressedAgain };
}

/** Opens the studio once in a fresh browser process on `setup.profile` and measures it. */
export async function visitStudio(setup: VisitSetup): Promise<VisitRecord> {
  const context = await chromium.launchPersistentContext(setup.profile, {
    executablePath: findChromium(),
    args: chromiumArgs,
    headless: true,
    viewport: { width: 1280, height: 800 },
  });
  const errors: string[] = [];
  let seen: Omit<VisitRecord, 'stores' | 'errors' | 'times'> & { probe: Pick<StudioProbe, 'ready' | 'pressed' | 'images'> };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(PROBE_SCRIPT);
    await page.goto(setup.url, { waitUntil: 'domcontentloaded', timeout: WAIT_MS });
    // The seed and its mode persist between visits in both builds; the prompt does not.
    await page.getByLabel('Prompt', { exact: true }).fill(setup.prompt, { timeout: WAIT_MS });
    await page.getByRole('radio', { name: 'Locked' }).check({ force: true });
    await page.getByLabel('Seed value').fill(String(setup.seed));
    await page.evaluate(() => window.__studioBench?.arm());
    // Waits for the n-th image, saying every 30 s what the page shows, so a stuck visit explains itself.
    const images = async (n: number): Promise<void> => {
      const until = Date.now() + WAIT_MS;
      for (;;) {
        try {
          await page.waitForFunction((k) => (window.__studioBench?.images.length ?? 0) >= k, n, { timeout: 30_000, polling: 100 });
          return;
        } catch (e) {
          if (page.isClosed()) throw e;
          const state = await page.evaluate(() => window.__studioBench?.describe() ?? 'no probe in the page');
          if (Date.now() > until) throw new Error(`no image ${n} after ${WAIT_MS / 60_000} min: ${state}`);
          setup.log?.(`  waiting for image ${n}: ${state}`);
        }
      }
    };
    await images(1);
    await page.locator(GENERATE_BUTTON).click();
    await images(2);
    seen = await page.evaluate(() => {
      const p = window.__studioBench!;
      return {
        probe: { ready: p.ready, pressed: [...p.pressed], images: [...p.images] },
        crossOriginIsolated: window.crossOriginIsolated,
        backend: document.querySelector('[aria-label="Active backend"]')?.getAttribute('data-backend') ?? '',
        controlled: navigator.serviceWorker.controller !== null,
      };
    });
    if (setup.first) {
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT_MS, polling: 250 });
    }
    await page.waitForTimeout(setup.idleMs);
  } finally {
    await context.close();
  }
  // Read once the browser has closed and written its stores.
  const { probe, ...rest } = seen;
  return { ...rest, times: visitTimes(probe), stores: profileStoresKB(setup.profile), errors };
}
