/**
 * What the studio-visit bench runs in the page before the studio's own scripts (Playwright
 * `addInitScript`), as source text: Playwright serialises a function's source, and the helpers a
 * TypeScript transform may add to a function (tsx's `__name`) do not exist in the page.
 *
 * It reads only DOM states that the build of issue 14's commit and today's build both have:
 * - Ready: the model status `[data-model-state="ready"]` (src/app/components/ModelStatus.tsx);
 * - an image shown: the output's `[data-testid="result"]` grid appearing (OutputPanel.tsx shows
 *   `previews` while a job runs and `result` once its images are in);
 * - Generate: the button titled "Generate (…+Enter)" (RunBar.tsx).
 * Times are `performance.now()`, i.e. from the navigation's start. `arm()` (called once the
 * prompt and seed are filled in) lets it press Generate the moment both Ready and armed hold,
 * without a round trip to Node; every press of Generate is recorded, by the probe or not.
 */

/** What the probe records, read back as `window.__studioBench`. */
export interface StudioProbe {
  /** First time the model status said Ready. */
  ready?: number;
  /** Each dispatched click on Generate. */
  pressed: number[];
  /** Each time a finished image grid appeared. */
  images: number[];
  armed: boolean;
  arm(): void;
  /** The probe's state and what the studio shows, for a visit that does not finish. */
  describe(): string;
}

declare global {
  interface Window {
    __studioBench?: StudioProbe;
  }
}

/** CSS selector of the Generate button in both builds. */
export const GENERATE_BUTTON = 'button[title^="Generate ("]';

export const PROBE_SCRIPT = `(() => {
  if (window.top !== window) return;
  const GENERATE = ${JSON.stringify(GENERATE_BUTTON)};
  const sb = { pressed: [], images: [], armed: false, ready: undefined, arm: undefined, describe: undefined };
  window.__studioBench = sb;
  let hadResult = false;
  const press = () => {
    if (sb.ready === undefined || !sb.armed || sb.pressed.length > 0) return;
    const b = document.querySelector(GENERATE);
    if (b && !b.disabled) b.click();
  };
  sb.arm = () => { sb.armed = true; press(); };
  const text = (sel) => (document.querySelector(sel)?.textContent ?? '-').trim().replace(/\\s+/g, ' ').slice(0, 200);
  sb.describe = () => {
    const b = document.querySelector(GENERATE);
    return 'ready ' + (sb.ready === undefined ? '-' : sb.ready.toFixed(0)) + ', presses ' + sb.pressed.length + ', images ' + sb.images.length +
      ', armed ' + sb.armed + '; model status "' + text('[aria-label="Model status"]') + '"; Generate ' + (b ? (b.disabled ? 'disabled' : 'enabled') : 'absent') +
      '; output "' + text('[aria-label="Output"]') + '"';
  };
  document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest(GENERATE)) sb.pressed.push(performance.now());
  }, true);
  const check = () => {
    const now = performance.now();
    if (sb.ready === undefined && document.querySelector('[data-model-state="ready"]')) sb.ready = now;
    const has = document.querySelector('[data-testid="result"]') !== null;
    if (has && !hadResult) sb.images.push(now);
    hadResult = has;
    press();
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-model-state', 'data-testid', 'disabled'],
  });
})();`;
