/**
 * The worker's `backend` event carries `shaderF16` (the Model panel picks a snapshot's weights
 * files and words its precision by it), and the engine is opened with `preferFp16` to match:
 * ModelHost.open → install on a fake WebGPU adapter with and without 'shader-f16', the real
 * loadModel on a fake ORT, the package served over a stubbed fetch.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobQueue } from '../../../src/engine';
import type { OrtWeb } from '../../../src/worker/runtime';
import { ModelHost } from '../../../src/worker/models';
import type { WorkerEvent } from '../../../src/worker/protocol';
import { fakeClipPackageWithFp16, fakeOrt } from '../engine/helpers/fakePackage';

const BASE = 'http://studio.test/pkg/';

/** A worker's ModelHost on a fake adapter with `features`; its events, and which graphs its sessions came from. */
async function openOn(features: string[]): Promise<{ events: WorkerEvent[]; reads: string[] }> {
  vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({ features: new Set(features) }) } });
  const pkg = fakeClipPackageWithFp16();
  const reads: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    const path = url.slice(BASE.length);
    reads.push(path);
    return new Response((await pkg.source.read(path)) as Uint8Array<ArrayBuffer>);
  });
  const { ort } = fakeOrt();
  // What ModelHost touches of ORT's WebGPU side: no device (the fake sessions never run).
  const web = Object.assign(ort, { env: { webgpu: { device: undefined } } }) as unknown as OrtWeb;
  const events: WorkerEvent[] = [];
  const host = new ModelHost({ ort: async () => web, jobs: new JobQueue(), post: (e) => events.push(e), baseUrl: BASE, wasmThreads: 1 });
  host.preference = 'webgpu';
  await host.install(await host.open(BASE));
  return { events, reads };
}

describe('ModelHost announces shader-f16 and opens the fp16 graph with it', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('an adapter with shader-f16: backend event with shaderF16, the fp16 transformer opened', async () => {
    const { events, reads } = await openOn(['shader-f16', 'timestamp-query']);
    expect(events.filter((e) => e.type === 'backend')).toEqual([{ type: 'backend', active: 'webgpu', preference: 'webgpu', reason: undefined, wasmThreads: 1, shaderF16: true }]);
    expect(reads).toContain('transformer/base.fp16.onnx');
    expect(reads).not.toContain('transformer/base.onnx');
  });

  it('an adapter without it: no shaderF16 in the event, the float32 transformer opened', async () => {
    const { events, reads } = await openOn(['timestamp-query']);
    const announced = events.filter((e) => e.type === 'backend');
    expect(announced).toEqual([{ type: 'backend', active: 'webgpu', preference: 'webgpu', reason: undefined, wasmThreads: 1 }]);
    expect(announced[0]).not.toHaveProperty('shaderF16');
    expect(reads).toContain('transformer/base.onnx');
    expect(reads.filter((p) => p.includes('fp16'))).toEqual([]);
  });
});
