/** Backend choice: WebGPU's shader-f16 feature decides whether the worker asks for fp16 transformers. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseBackend, executionProviders, sessionRuntime } from '../../../src/worker/backend';

const withAdapter = (features: string[] | undefined) =>
  vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => (features ? { features: new Set(features) } : {}) } });

describe('chooseBackend: shader-f16', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reports shaderF16 when the adapter has the feature', async () => {
    withAdapter(['shader-f16', 'timestamp-query']);
    expect(await chooseBackend('auto')).toEqual({ kind: 'webgpu', shaderF16: true });
  });

  it('no feature (or no feature list): shaderF16 false', async () => {
    withAdapter(['timestamp-query']);
    expect(await chooseBackend('webgpu')).toEqual({ kind: 'webgpu', shaderF16: false });
    withAdapter(undefined);
    expect(await chooseBackend('auto')).toEqual({ kind: 'webgpu', shaderF16: false });
  });

  it('WASM never reports it', async () => {
    withAdapter(['shader-f16']);
    expect(await chooseBackend('wasm')).toEqual({ kind: 'wasm' });
  });
});

describe('chooseBackend: software (fallback) adapters', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  const software = (where: 'info' | 'adapter') =>
    vi.stubGlobal('navigator', {
      gpu: {
        requestAdapter: async () =>
          where === 'info'
            ? { info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }, features: new Set() }
            : { isFallbackAdapter: true, features: new Set() },
      },
    });

  it('Auto takes WASM over a software adapter and says why', async () => {
    software('info');
    const c = await chooseBackend('auto');
    expect(c.kind).toBe('wasm');
    expect(c.reason).toBe('WebGPU offers only a software adapter (google swiftshader), which runs on the CPU and is much slower than WASM. Choose WebGPU under Backend to use it anyway.');
    software('adapter');
    expect((await chooseBackend('auto')).kind).toBe('wasm');
  });

  it('asking for WebGPU by name still uses it, naming the software adapter so the studio can say it is slow', async () => {
    software('info');
    expect(await chooseBackend('webgpu')).toEqual({ kind: 'webgpu', shaderF16: false, softwareAdapter: 'google swiftshader' });
    software('adapter');
    expect(await chooseBackend('webgpu')).toEqual({ kind: 'webgpu', shaderF16: false, softwareAdapter: 'software adapter' });
  });
});

describe('sessionRuntime', () => {
  it('optimises graphs less on WASM, where each visit pays it and runs were not faster for it', () => {
    expect(sessionRuntime('wasm')).toEqual({ executionProviders: ['wasm'], graphOptimizationLevel: 'basic' });
    expect(sessionRuntime('webgpu')).toEqual({ executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
    expect(sessionRuntime('webgpu', true)).toEqual({ executionProviders: [{ name: 'webgpu', preferredLayout: 'NCHW' }], graphOptimizationLevel: 'all' });
  });
});

describe('executionProviders', () => {
  it('asks the WebGPU provider for NCHW only on a software adapter', () => {
    expect(executionProviders('webgpu', true)).toEqual([{ name: 'webgpu', preferredLayout: 'NCHW' }]);
    expect(executionProviders('webgpu')).toEqual(['webgpu']);
    expect(executionProviders('wasm', true)).toEqual(['wasm']);
  });
});
