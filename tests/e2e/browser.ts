/** Which Chromium the e2e tests launch, and with which flags (see docs: PITFALLS "Browser"). */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/** The system Chromium when present (Debian: apt-get install chromium), else Playwright's own. */
export function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const path of candidates) if (path && existsSync(path)) return path;
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = '';
  }
  if (bundled && existsSync(bundled)) return bundled;
  throw new Error(
    'No Chromium found for the e2e tests. Install one with `sudo apt-get install -y chromium` (Debian/Ubuntu), ' +
      'or `npx playwright install chromium`, or set CHROMIUM_PATH to a Chromium/Chrome binary.',
  );
}

export const WEBGPU_FLAG = '--enable-unsafe-webgpu';

/** Headless flags that work on the build machines; WebGPU runs on SwiftShader there. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  WEBGPU_FLAG,
];
