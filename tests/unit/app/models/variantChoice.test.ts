/**
 * Which weights files of a diffusers snapshot the Model panel reads (issue 12, "by device"): the
 * user's pick wins; else fp16 files where the transformer computes in fp16 (WebGPU with
 * shader-f16), fp32 files elsewhere; else whatever the snapshot has. The summary says why, and
 * the Hub and folder routes decide through the same function with the worker's announced backend.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkFolderSnapshot, checkHubModel, dismissHub, switchVariant } from '../../../../src/app/models/hubActions';
import { hubSummaryLines, variantWhy } from '../../../../src/app/models/hubSummary';
import { chooseVariant, computesFp16 } from '../../../../src/app/models/snapshotModel';
import { useModels } from '../../../../src/app/models/useModels';
import { useStudio } from '../../../../src/app/store/studio';
import { fakeHub, tinySnapshot } from './hubHelpers';

const BOTH = ['model_index.json', 'transformer/diffusion_pytorch_model.safetensors', 'transformer/diffusion_pytorch_model.fp16.safetensors'];
const PLAIN = BOTH.filter((p) => !p.includes('.fp16.'));
const HALF = BOTH.filter((p) => !p.endsWith('model.safetensors'));

describe('chooseVariant', () => {
  it('follows the device when the snapshot has both sets', () => {
    expect(chooseVariant(BOTH, { fp16Compute: true })).toEqual({ variant: 'fp16', variantReason: 'fp16-compute', otherVariant: true });
    expect(chooseVariant(BOTH, { fp16Compute: false })).toEqual({ variant: 'fp32', variantReason: 'float32-compute', otherVariant: true });
    expect(chooseVariant(BOTH)).toEqual({ variant: 'fp32', variantReason: 'float32-compute', otherVariant: true });
  });

  it('takes the only set there is, whatever the device', () => {
    expect(chooseVariant(PLAIN, { fp16Compute: true })).toEqual({ variant: 'fp32', variantReason: 'only', otherVariant: false });
    expect(chooseVariant(HALF, { fp16Compute: false })).toEqual({ variant: 'fp16', variantReason: 'only', otherVariant: false });
  });

  it("the user's pick wins over the device when the snapshot has it; an earlier download's files are kept", () => {
    expect(chooseVariant(BOTH, { wanted: 'fp32', fp16Compute: true })).toEqual({ variant: 'fp32', variantReason: 'asked', otherVariant: true });
    expect(chooseVariant(BOTH, { wanted: 'fp16', fp16Compute: false })).toEqual({ variant: 'fp16', variantReason: 'asked', otherVariant: true });
    expect(chooseVariant(BOTH, { wanted: 'fp32', kept: true, fp16Compute: true })).toEqual({ variant: 'fp32', variantReason: 'kept', otherVariant: true });
    // A pick the snapshot does not have: the set it has.
    expect(chooseVariant(PLAIN, { wanted: 'fp16' })).toEqual({ variant: 'fp32', variantReason: 'only', otherVariant: false });
  });

  it('computes in fp16 only on WebGPU with shader-f16', () => {
    expect(computesFp16('webgpu', true)).toBe(true);
    expect(computesFp16('webgpu', false)).toBe(false);
    expect(computesFp16('webgpu', undefined)).toBe(false);
    expect(computesFp16('wasm', true)).toBe(false);
    expect(computesFp16(undefined, true)).toBe(false);
  });

  it('the summary says why those files', () => {
    expect(variantWhy({ variant: 'fp16', variantReason: 'fp16-compute' }, 'hub')).toBe(
      'fp16 files: this GPU computes in fp16, so they are used as stored (about half the download of the fp32 files)',
    );
    expect(variantWhy({ variant: 'fp32', variantReason: 'float32-compute' }, 'folder')).toBe(
      'fp32 files: this device computes in float32 (fp16 files would be widened as they load and need more memory)',
    );
    expect(variantWhy({ variant: 'fp32', variantReason: 'asked' }, 'hub')).toBe('fp32 files, as you chose');
    expect(variantWhy({ variant: 'fp16', variantReason: 'kept' }, 'hub')).toBe('fp16 files, the same as its earlier download');
    expect(variantWhy({ variant: 'fp16', variantReason: 'only' }, 'folder')).toBe('fp16 files: the snapshot has no fp32 files');
  });
});

describe('both routes follow the backend the worker announced', () => {
  const hub = fakeHub({ 'test/tiny': tinySnapshot() });
  const folder = () => ({ name: 'amused-tiny', files: new Map([...tinySnapshot()].map(([p, b]) => [p, new File([b as Uint8Array<ArrayBuffer>], p)])) });
  const shown = () => useModels.getState().hub?.summary;
  const settled = () => vi.waitFor(() => expect(useModels.getState().hub?.status).not.toBe('checking'), { timeout: 60_000, interval: 20 });

  afterEach(() => {
    dismissHub();
    vi.unstubAllGlobals();
    useStudio.setState({ backend: { preference: 'auto', switching: false } });
  });

  it('fp16 files on WebGPU with shader-f16, fp32 on WASM; "use the other files" is the user\'s pick', async () => {
    vi.stubGlobal('fetch', hub.fetch);
    useStudio.setState({ backend: { preference: 'auto', switching: false, active: 'webgpu', shaderF16: true } });
    await checkHubModel('test/tiny');
    expect(shown()).toMatchObject({ from: 'hub', variant: 'fp16', variantReason: 'fp16-compute' });
    expect(hubSummaryLines(shown()!, 'webgpu', true).find((l) => l.label === 'Files')?.text).toMatch(/^fp16 files: this GPU computes in fp16/);
    await checkFolderSnapshot(folder());
    expect(shown()).toMatchObject({ from: 'folder', variant: 'fp16', variantReason: 'fp16-compute' });
    switchVariant();
    await vi.waitFor(() => expect(shown()?.variantReason).toBe('asked'), { timeout: 60_000, interval: 20 });
    expect(shown()?.variant).toBe('fp32');

    useStudio.setState({ backend: { preference: 'auto', switching: false, active: 'wasm' } });
    await checkHubModel('test/tiny');
    await settled();
    expect(shown()).toMatchObject({ from: 'hub', variant: 'fp32', variantReason: 'float32-compute' });
    await checkFolderSnapshot(folder());
    expect(shown()).toMatchObject({ from: 'folder', variant: 'fp32', variantReason: 'float32-compute' });
  }, 180_000);
});
