import { defineConfig } from 'vitest/config';

/**
 * Unit tests (tests/unit, pure and fast) and Node integration tests (tests/node: the engine on
 * the tiny ONNX fixture through onnxruntime-node). Browser flows are Playwright's (tests/e2e)
 * and never run here.
 */
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/node/**/*.test.{ts,tsx}'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
    // ONNX sessions on a shared 2-core machine: generous, but a hang still fails.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // onnxruntime-node is a native addon; separate processes are the safe pool for it.
    pool: 'forks',
  },
});
