/** Backend choice: WebGPU's shader-f16 feature decides whether the worker asks for fp16 transformers. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseBackend } from '../../../src/worker/backend';

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
