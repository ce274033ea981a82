/**
 * Constant inputs are placed once per stage run and fed to every iteration; the placement is
 * released when the run ends, also when it is cancelled. The WebGPU placer writes each tensor to
 * one GPU buffer and feeds it as a gpu-buffer tensor.
 */
import { describe, expect, it } from 'vitest';
import type { PlacedConstants } from '../../../src/engine/onnx/constants';
import type { Ort, OrtTensor } from '../../../src/engine/ort';
import { runStage, type StageRun } from '../../../src/engine/pipeline/stage';
import { createRng } from '../../../src/engine/sampler/prng';
import { gpuConstantPlacer } from '../../../src/worker/gpuConstants';
import { FakeTensor, recordingSession } from './helpers/fakeSession';

const N = 4;
const K = 5;

const Tensor = FakeTensor;

/** A stage run on a recording session; `feeds` fills with what each forward pass was given. */
function stage(over: Partial<StageRun>): { run: StageRun; feeds: Record<string, unknown>[] } {
  const { session, feeds } = recordingSession(N, K);
  const text = { states: new Float32Array(6), mask: BigInt64Array.from([1n, 1n, 0n]), truncated: false };
  const run: StageRun = {
    ort: { Tensor } as unknown as Ort,
    session,
    file: 'transformer/base.onnx',
    positions: N,
    codebookSize: K,
    maskTokenId: K,
    settings: { steps: 3, guidance: 2, guidanceRamp: 'none', temperature: 1, confidenceNoise: 1 },
    cond: text,
    uncond: text,
    rngs: [createRng(1)],
    onStep: async () => {},
    ...over,
  };
  return { run, feeds };
}

/** A placer that swaps in marked tensors and counts calls and releases. */
function countingPlacer() {
  const calls = { place: 0, release: 0 };
  const placer = async (feeds: Record<string, OrtTensor>): Promise<PlacedConstants> => {
    calls.place++;
    const placed = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { ...t, placed: true } as unknown as OrtTensor]));
    return { feeds: placed, release: () => void calls.release++ };
  };
  return { calls, placer };
}

describe('runStage: constant inputs', () => {
  it('places them once and feeds the placed tensors on every iteration; the tokens stay per-pass CPU tensors', async () => {
    const { calls, placer } = countingPlacer();
    const { run, feeds } = stage({ placeConstants: placer, lowRes: [new Int32Array(2)] });
    await runStage(run);
    expect(feeds).toHaveLength(3);
    expect(calls).toEqual({ place: 1, release: 1 });
    for (const f of feeds) {
      for (const name of ['text_states', 'text_mask', 'low_res_tokens']) expect(f[name]).toMatchObject({ placed: true });
      expect(f['tokens']).not.toHaveProperty('placed');
    }
    // The same placed tensor object on every pass: nothing is rebuilt per iteration.
    expect(feeds[2]['text_states']).toBe(feeds[0]['text_states']);
  });

  it('releases the placement when the job is cancelled between iterations', async () => {
    const { calls, placer } = countingPlacer();
    const ctl = new AbortController();
    const { run } = stage({ placeConstants: placer, signal: ctl.signal, onStep: async (step) => void (step === 1 && ctl.abort()) });
    await expect(runStage(run)).rejects.toThrow(/cancel|abort/i);
    expect(calls).toEqual({ place: 1, release: 1 });
  });
});

describe('gpuConstantPlacer', () => {
  function fakeDevice() {
    const log: string[] = [];
    let n = 0;
    const device = {
      createBuffer: (d: { size: number }) => {
        const id = n++;
        log.push(`create ${id} ${d.size}`);
        return { id, destroy: () => log.push(`destroy ${id}`) };
      },
      queue: { writeBuffer: (b: { id: number }, _o: number, _d: ArrayBufferLike, _off: number, size: number) => log.push(`write ${b.id} ${size}`) },
    };
    return { device, log };
  }

  it('uploads each tensor to one buffer (sizes padded to 4 bytes), feeds gpu-buffer tensors, destroys them on release', async () => {
    const { device, log } = fakeDevice();
    const ort = { Tensor, env: { webgpu: { device: Promise.resolve(device) } } } as unknown as Ort;
    const placed = await gpuConstantPlacer(ort)({
      text_states: new Tensor('float32', new Float32Array(6), [1, 3, 2]) as unknown as OrtTensor,
      flags: new Tensor('uint8', new Uint8Array(3), [3]) as unknown as OrtTensor,
    });
    expect(placed.feeds['text_states']).toMatchObject({ location: 'gpu-buffer', type: 'float32', dims: [1, 3, 2] });
    expect(placed.feeds['flags']).toMatchObject({ location: 'gpu-buffer', type: 'uint8', dims: [3] });
    expect(log).toEqual(['create 0 24', 'write 0 24', 'create 1 4', 'write 1 4']);
    placed.release();
    expect(log.slice(4)).toEqual(['destroy 0', 'destroy 1']);
  });

  it('leaves the tensors on the CPU when ORT has no WebGPU device', async () => {
    const ort = { Tensor, env: { webgpu: {} } } as unknown as Ort;
    const t = new Tensor('float32', new Float32Array(2), [2]) as unknown as OrtTensor;
    const placed = await gpuConstantPlacer(ort)({ text_states: t });
    expect(placed.feeds['text_states']).toBe(t);
  });
});
