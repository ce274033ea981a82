/**
 * Shared e2e fixtures: the backend each project runs on, and a `studio` helper that opens the
 * app on that backend with test hooks, waits for the model, and drives the common steps.
 */
import { expect, test as base, type Page } from '@playwright/test';
// Type-only: brings in the `window.__muse` declaration of the app's test hooks.
import type { MuseTestHooks } from '../../src/app/testHooks';

/** The random-weight test package, served by the dev/preview servers. */
export const FIXTURE_MODEL_URL = '/tests/fixtures/tiny/';

export type Backend = 'wasm' | 'webgpu';
export interface StudioOptions {
  backend: Backend;
}

/** What a test sees of the last generation (window.__muse.lastResult, see src/app/testHooks.ts). */
export type LastResult = NonNullable<MuseTestHooks['lastResult']>;

export class Studio {
  constructor(
    readonly page: Page,
    readonly backend: Backend,
  ) {}

  /**
   * Opens the studio on this project's backend and waits until the model is ready on it. Flows
   * run on the tiny fixture package unless the query names a model: the trained default is
   * exercised by its own spec, since on the software WebGPU adapter it takes minutes per image.
   * `choice` 'auto' opens it on Auto, as a new visitor gets it; it must then settle on this project's backend.
   */
  async open(query = '', choice: Backend | 'auto' = this.backend): Promise<void> {
    const model = query.includes('model=') ? '' : `&model=${FIXTURE_MODEL_URL}`;
    await this.page.goto(`/?backend=${choice}&testHooks${model}${query}`);
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await expect(this.page.getByRole('status', { name: 'Model status' })).toContainText('Ready', { timeout: 120_000 });
    await expect(this.page.getByRole('status', { name: 'Active backend' })).toHaveAttribute('data-backend', this.backend);
  }

  get generateButton() {
    return this.page.getByRole('button', { name: /^Generate/ });
  }

  async setSeed(seed: number): Promise<void> {
    await this.page.getByLabel('Seed value').fill(String(seed));
  }

  /** Sets Advanced fields, e.g. { 'Base steps': '3' }. */
  async setAdvanced(values: Record<string, string>): Promise<void> {
    const advanced = this.page.locator('details', { hasText: 'Advanced' });
    if (!(await advanced.evaluate((d) => (d as HTMLDetailsElement).open))) await advanced.locator('summary').click();
    for (const [label, value] of Object.entries(values)) await this.page.getByLabel(label, { exact: true }).fill(value);
  }

  /** Settings that make a job long enough to act on while it runs. */
  async makeJobsLong(): Promise<void> {
    // WebGPU on SwiftShader is slow already. On WASM the tiny model at the maximum steps can still
    // finish in well under a second on a fast machine (a second Generate then starts instead of
    // queueing), so it also asks for four images.
    if (this.backend === 'wasm') {
      await this.setAdvanced({ 'Base steps': '64', 'Super-res steps': '64' });
      await this.page.getByRole('radio', { name: '4 images' }).check({ force: true });
    }
  }

  /** Settings that make a job quick (for flows that only need some result). */
  async makeJobsShort(): Promise<void> {
    await this.setAdvanced({ 'Base steps': '2', 'Super-res steps': '2' });
    // One image, where the control is shown (Generate mode; Edit makes one).
    const one = this.page.getByRole('radio', { name: '1 image', exact: true });
    if (await one.count()) await one.check({ force: true });
  }

  async results(): Promise<number> {
    return this.page.evaluate(() => window.__muse?.results ?? 0);
  }

  async lastResult(): Promise<LastResult> {
    const r = await this.page.evaluate(() => window.__muse?.lastResult);
    if (!r) throw new Error('no result yet');
    return r;
  }

  /** Waits until `n` generations have finished in this page. */
  async waitForResults(n: number, timeout = 180_000): Promise<void> {
    await expect.poll(() => this.results(), { timeout }).toBeGreaterThanOrEqual(n);
  }
}

export const test = base.extend<StudioOptions & { studio: Studio }>({
  backend: ['wasm', { option: true }],
  studio: async ({ page, backend }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await use(new Studio(page, backend));
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };
