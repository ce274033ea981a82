/**
 * The WebGPU placer for a stage's constant inputs (engine/onnx/constants.ts): each tensor is
 * written to a GPU buffer once per stage run and fed as a `gpu-buffer` tensor to every iteration,
 * so ORT does not upload the text states again on each forward pass. The buffers belong to the
 * device ORT runs on (`ort.env.webgpu.device`) and are destroyed when the stage run ends.
 */
import type { ConstantPlacer } from '../engine/onnx/constants';
import type { Ort, OrtTensor } from '../engine/ort';

/** The few WebGPU calls used here (the project has no @webgpu/types dependency). */
interface GpuBuffer {
  destroy(): void;
}
interface GpuDevice {
  createBuffer(desc: { size: number; usage: number; label?: string }): GpuBuffer;
  queue: { writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferLike, dataOffset: number, size: number): void };
}

// GPUBufferUsage flags (WebGPU spec): COPY_SRC 0x4, COPY_DST 0x8, STORAGE 0x80. ORT reads
// inputs as storage buffers and may copy from them.
const USAGE = 0x4 | 0x8 | 0x80;

type GpuDataType = OrtTensor['type'] & ('float32' | 'float16' | 'int32' | 'int64' | 'uint32' | 'uint8' | 'bool');
const GPU_TYPES = new Set<string>(['float32', 'float16', 'int32', 'int64', 'uint32', 'uint8', 'bool']);

/**
 * A placer that uploads to `ort.env.webgpu.device`. Tensors of a type ORT cannot take from a
 * GPU buffer stay on the CPU; so does everything when no device exists yet.
 */
export function gpuConstantPlacer(ort: Ort): ConstantPlacer {
  return async (feeds) => {
    const device = (await Promise.resolve(ort.env.webgpu.device)) as GpuDevice | undefined;
    if (!device) return { feeds, release: () => {} };
    const buffers: GpuBuffer[] = [];
    const placed: Record<string, OrtTensor> = {};
    try {
      for (const [name, t] of Object.entries(feeds)) {
        const data = t.data as ArrayBufferView;
        if (!GPU_TYPES.has(t.type) || t.location !== 'cpu' || !ArrayBuffer.isView(data)) {
          placed[name] = t;
          continue;
        }
        // writeBuffer needs sizes in multiples of 4 bytes (bool and uint8 rows may not be).
        const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4);
        const buffer = device.createBuffer({ size, usage: USAGE, label: `constant ${name}` });
        buffers.push(buffer);
        if (size === data.byteLength) device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
        else {
          const padded = new Uint8Array(size);
          padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
          device.queue.writeBuffer(buffer, 0, padded.buffer, 0, size);
        }
        placed[name] = ort.Tensor.fromGpuBuffer(buffer as never, { dataType: t.type as GpuDataType, dims: t.dims });
      }
    } catch (err) {
      for (const b of buffers) b.destroy();
      throw err;
    }
    return { feeds: placed, release: () => buffers.forEach((b) => b.destroy()) };
  };
}
