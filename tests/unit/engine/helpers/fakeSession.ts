/** A stand-in for ORT's Tensor and a transformer session that records what it is fed. */
import type { OrtSession } from '../../../../src/engine/ort';

export class FakeTensor {
  location = 'cpu';
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
  /** As ORT's: a tensor that lives in a GPU buffer (here: remembers the buffer). */
  static fromGpuBuffer(buffer: unknown, o: { dataType: string; dims: readonly number[] }) {
    return { type: o.dataType, dims: o.dims, location: 'gpu-buffer', gpuBuffer: buffer };
  }
}

/** A session whose every run returns zero logits [B, N, K] and records its feeds. */
export function recordingSession(N: number, K: number): { session: OrtSession; feeds: Record<string, FakeTensor>[] } {
  const feeds: Record<string, FakeTensor>[] = [];
  const session = {
    run: async (f: Record<string, FakeTensor>) => {
      feeds.push(f);
      const B = f['tokens'].dims[0];
      return { logits: new FakeTensor('float32', new Float32Array(B * N * K), [B, N, K]) };
    },
  } as unknown as OrtSession;
  return { session, feeds };
}
