// Flat config: ESLint's recommended rules, typescript-eslint's, React hooks rules for the UI, and
// the import boundaries of docs/ENGINE_API.md / STYLE.md enforced as lint errors:
//   - only src/worker/ imports onnxruntime-web (one ORT instance, one place that owns it), and
//     only Node code (src/cli, src/node, tests) imports onnxruntime-node;
//   - src/engine/ is pure TypeScript: no ONNX Runtime at run time (it is passed in; type-only
//     imports of onnxruntime-common are fine), no React, no DOM-only or Node-only modules.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const ORT_WEB_ONLY_IN_WORKER = 'Only src/worker/ may import onnxruntime-web; pass the ORT module in (see docs/ENGINE_API.md).';
const ENGINE_IS_PURE = 'src/engine is pure TypeScript that runs in the worker and in Node: the ONNX Runtime module is passed in, and no React, DOM-only or Node-only module is imported (see src/engine/README.md).';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'https', 'http2', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'string_decoder', 'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

const ortWebPaths = [{ name: 'onnxruntime-web', message: ORT_WEB_ONLY_IN_WORKER }];
const ortWebPatterns = [{ group: ['onnxruntime-web/*'], message: ORT_WEB_ONLY_IN_WORKER }];
const NODE_RUNTIME_ONLY_IN_NODE = 'onnxruntime-node is for the CLI and Node tests only; browser code gets ORT from the worker.';
const ortNodePath = { name: 'onnxruntime-node', message: NODE_RUNTIME_ONLY_IN_NODE };
const ortNodePattern = { group: ['onnxruntime-node/*'], message: NODE_RUNTIME_ONLY_IN_NODE };

export default defineConfig(
  {
    ignores: [
      'dist/**', 'dist-*/**', 'node_modules/**', '.venv/**', 'training/**', 'models/**', 'scratch/**',
      'tests/fixtures/**', 'test-results/**', 'playwright-report/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Browser code outside the worker (UI, gallery): neither runtime.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/worker/**', 'src/cli/**', 'src/node/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [...ortWebPaths, ortNodePath], patterns: [...ortWebPatterns, ortNodePattern] }],
    },
  },
  {
    // The worker owns onnxruntime-web; onnxruntime-node would drag a native addon into the bundle.
    files: ['src/worker/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [ortNodePath], patterns: [ortNodePattern] }],
    },
  },
  {
    // Node side (CLI, tests, tool configs): onnxruntime-node is fine, onnxruntime-web is not.
    files: ['src/cli/**', 'src/node/**', 'tests/**', '*.{js,mjs,ts}'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: ortWebPaths, patterns: ortWebPatterns }],
    },
  },
  {
    // The engine: the strictest set (this block replaces the rule options above for these files).
    files: ['src/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...ortWebPaths,
            ortNodePath,
            { name: 'onnxruntime-common', message: ENGINE_IS_PURE, allowTypeImports: true },
            { name: 'react', message: ENGINE_IS_PURE },
            { name: 'react-dom', message: ENGINE_IS_PURE },
            { name: 'zustand', message: ENGINE_IS_PURE },
            ...NODE_BUILTINS.map((name) => ({ name, message: ENGINE_IS_PURE })),
          ],
          patterns: [
            ...ortWebPatterns,
            ortNodePattern,
            { group: ['react/*', 'react-dom/*', 'zustand/*', 'node:*'], message: ENGINE_IS_PURE },
            { group: ['**/app', '**/app/**', '**/worker', '**/worker/**', '**/gallery', '**/gallery/**', '**/cli/**', '**/node/**'], message: ENGINE_IS_PURE },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'localStorage', 'sessionStorage', 'indexedDB', 'navigator', 'process', 'Buffer', 'require', '__dirname'].map(
          (name) => ({ name, message: ENGINE_IS_PURE }),
        ),
      ],
    },
  },
);
