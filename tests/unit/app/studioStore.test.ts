import { beforeEach, describe, expect, it } from 'vitest';
import { applyEvent, useStudio } from '../../../src/app/store/studio';
import type { Manifest } from '../../../src/engine';
import { waitTexts } from '../../../src/app/components/JobProgress';

const manifest = { name: 'tiny', displayName: 'Tiny' } as Manifest;
const params = { prompt: 'p', negativePrompt: '', seed: 5, count: 1, modelName: 'tiny', modelUrl: '/m/' };

beforeEach(() => {
  useStudio.setState(
    { model: { status: 'idle' }, backend: { preference: 'auto', switching: false } },
    true,
  );
});

describe('studio store', () => {
  it('a failed load keeps the model that is already loaded', () => {
    useStudio.setState({ loadJobId: 'j1', model: { status: 'loading', loadingUrl: '/a/' } });
    applyEvent({ type: 'loaded', jobId: 'j1', modelUrl: '/a/', manifest, backend: 'wasm', ms: 3 });
    expect(useStudio.getState().model).toMatchObject({ status: 'ready', url: '/a/', manifest });

    useStudio.setState((s) => ({ loadJobId: 'j2', model: { ...s.model, loadingUrl: '/bad/' } }));
    applyEvent({ type: 'error', jobId: 'j2', code: 'package', message: 'manifest.json: not found' });
    expect(useStudio.getState().model).toMatchObject({
      status: 'ready',
      url: '/a/',
      manifest,
      loadError: 'manifest.json: not found',
      failedUrl: '/bad/',
      loadingUrl: undefined,
    });
  });

  it('remembers a software WebGPU adapter while it is active, and forgets it on WASM', () => {
    applyEvent({ type: 'backend', active: 'webgpu', preference: 'webgpu', wasmThreads: 2, softwareAdapter: 'google swiftshader' });
    expect(useStudio.getState().backend).toMatchObject({ active: 'webgpu', softwareAdapter: 'google swiftshader' });
    applyEvent({ type: 'backend', active: 'wasm', preference: 'wasm', wasmThreads: 2 });
    expect(useStudio.getState().backend.active).toBe('wasm');
    expect(useStudio.getState().backend.softwareAdapter).toBeUndefined();
  });

  it('remembers shader-f16 (fp16 transformers run) while that WebGPU adapter is active', () => {
    applyEvent({ type: 'backend', active: 'webgpu', preference: 'auto', wasmThreads: 2, shaderF16: true });
    expect(useStudio.getState().backend.shaderF16).toBe(true);
    applyEvent({ type: 'backend', active: 'wasm', preference: 'wasm', wasmThreads: 2 });
    expect(useStudio.getState().backend.shaderF16).toBeUndefined();
  });

  it('a queued job becomes the running job when it starts', () => {
    useStudio.setState({
      job: { id: 'g1', params, status: 'running', overallStep: 0, overallTotal: 0 },
      queued: { id: 'g2', params, status: 'queued', overallStep: 0, overallTotal: 0 },
    });
    applyEvent({ type: 'cancelled', jobId: 'g1' });
    applyEvent({ type: 'started', jobId: 'g2', backend: 'webgpu' });
    const s = useStudio.getState();
    expect(s.queued).toBeUndefined();
    expect(s.job).toMatchObject({ id: 'g2', status: 'running', backend: 'webgpu' });
    applyEvent({ type: 'progress', jobId: 'g2', stage: 'base', step: 1, totalSteps: 6, overallStep: 1, overallTotal: 10 });
    expect(useStudio.getState().job).toMatchObject({ overallStep: 1, overallTotal: 10, stage: 'base' });
  });

  it('an error for the running job is shown and ends it; events of unknown jobs are ignored', () => {
    useStudio.setState({ job: { id: 'g1', params, status: 'running', overallStep: 2, overallTotal: 10 } });
    applyEvent({ type: 'progress', jobId: 'other', stage: 'base', step: 9, totalSteps: 9, overallStep: 9, overallTotal: 9 });
    expect(useStudio.getState().job?.overallStep).toBe(2);
    applyEvent({ type: 'error', jobId: 'g1', code: 'crashed', message: 'The engine worker crashed', fatal: true });
    expect(useStudio.getState().job).toBeUndefined();
    expect(useStudio.getState().jobError).toBe('The engine worker crashed');
  });

  it('every wait is named: load progress in files, and what a queued job waits behind', () => {
    useStudio.setState({ loadJobId: 'j1', model: { status: 'loading', loadingUrl: '/a/' } });
    applyEvent({ type: 'loadProgress', jobId: 'j1', done: 3, total: 7 });
    expect(useStudio.getState().model.loadProgress).toEqual({ done: 3, total: 7 });
    applyEvent({ type: 'loadProgress', jobId: 'old', done: 7, total: 7 });
    expect(useStudio.getState().model.loadProgress).toEqual({ done: 3, total: 7 });

    useStudio.setState({ job: { id: 'g1', params, status: 'queued', overallStep: 0, overallTotal: 0 } });
    applyEvent({ type: 'queued', jobId: 'g1', behind: 'load' });
    expect(waitTexts[useStudio.getState().job!.waitingFor!]).toBe('Waiting for the model to load…');

    applyEvent({ type: 'loaded', jobId: 'j1', modelUrl: '/a/', manifest, backend: 'wasm', ms: 3 });
    expect(useStudio.getState().model.loadProgress).toBeUndefined();
  });
});
