import { describe, expect, it } from 'vitest';
import { ortRuntimes, type OrtWeb } from '../../../src/worker/runtime';

describe('ortRuntimes', () => {
  it('gives WASM the plain ORT build and WebGPU the /webgpu build, each loaded and configured once', async () => {
    const configured: Array<OrtWeb['env']> = [];
    const ortFor = ortRuntimes((env) => configured.push(env));
    const wasm = await ortFor('wasm');
    const webgpu = await ortFor('webgpu');
    // Two separate runtimes (separate WASM instances): a switch never mixes their sessions.
    expect(wasm).not.toBe(webgpu);
    expect(wasm.env).not.toBe(webgpu.env);
    expect(await ortFor('wasm')).toBe(wasm);
    expect(await ortFor('webgpu')).toBe(webgpu);
    expect(configured).toEqual([wasm.env, webgpu.env]);
  });
});
