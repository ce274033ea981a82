import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './tests/e2e/browser';
import type { StudioOptions } from './tests/e2e/fixtures';

/**
 * End-to-end tests in a real Chromium against the production build (`vite build` + `vite preview`).
 * Every flow runs twice: on the WASM backend and on WebGPU (headless Chromium exposes a
 * SwiftShader adapter with --enable-unsafe-webgpu, so WebGPU is exercised even without a GPU).
 */

// E2E_PORT / E2E_OUT_DIR let one checkout run a second suite beside another (own build, own server).
const PORT = Number(process.env.E2E_PORT ?? 4173);
const OUT_DIR = process.env.E2E_OUT_DIR ?? 'dist';

export default defineConfig<StudioOptions>({
  testDir: 'tests/e2e',
  // One browser at a time: the build machines have 2 cores, and WebGPU runs on the CPU here.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 60_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: findChromium(),
      args: chromiumArgs,
    },
  },
  projects: [
    { name: 'wasm', use: { backend: 'wasm' } },
    { name: 'webgpu', use: { backend: 'webgpu' } },
  ],
  webServer: {
    command: `npx vite build --logLevel warn --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --port ${PORT} --strictPort --outDir ${OUT_DIR}`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
    stdout: 'pipe',
  },
});
