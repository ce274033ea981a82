/**
 * What a snapshot says about itself before anything large is downloaded: the licence its model
 * card declares, and what running it costs (weights bytes stored, parameters, memory).
 */
import type { DiffusersSnapshot } from './snapshot';

/**
 * The licence a Hugging Face model card (README.md) declares in its YAML front matter:
 * `license:` (an id such as `openrail++`), with `license_name:` when the id is `other`.
 * Undefined when the card has no front matter or no licence line.
 */
export function cardLicense(readme: string): string | undefined {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  if (!m) return undefined;
  const field = (name: string): string | undefined => {
    const line = new RegExp(`^${name}:[ \\t]*(.+?)[ \\t]*$`, 'm').exec(m[1]);
    const value = line?.[1].replace(/^["']|["']$/g, '').trim();
    return value ? value.slice(0, 200) : undefined;
  };
  const id = field('license');
  if (!id) return undefined;
  const name = field('license_name');
  return id === 'other' && name ? name : id;
}

export interface SnapshotNeeds {
  /** Parameters of the three weighted parts (tensors the graphs use or not). */
  parameters: number;
  /** Bytes of the weights files as stored (what is downloaded for them). */
  weightsBytes: number;
  /** The stored element type of the weights ('F32' plain files, 'F16' the fp16 variant). */
  storedDtype: 'F32' | 'F16' | 'BF16' | 'mixed';
  /**
   * Rough memory to run it: the stored weights once, float32 copies of any half-precision
   * weights (the graphs cast them to float32, and onnxruntime folds the casts into new
   * initializers), plus working memory for activations and the runtime (an estimate).
   */
  memoryBytes: number;
  /**
   * The same where the transformer computes in fp16 (its `onnxFp16` graph, WebGPU with
   * shader-f16): its weights need no float32 copies, only fp16 ones when stored as fp32 or bf16
   * (the CLIP and VQ graphs stay float32). The float32 islands' weights (norms, the logits
   * projection: about 1 % of aMUSEd-256's transformer) are left out.
   */
  memoryFp16Bytes: number;
}

/** Working memory beyond the weights: activations at aMUSEd's grids, ORT arenas (estimate). */
const WORKING_BYTES = 256 * 1024 * 1024;

/** What `s` needs to run (see SnapshotNeeds); pure arithmetic over the parsed headers. */
export function snapshotNeeds(s: DiffusersSnapshot): SnapshotNeeds {
  let parameters = 0;
  let weightsBytes = 0;
  let halfBytes = 0;
  // The copies each precision adds: float32 ones of half-precision weights (float32 compute);
  // for the transformer in fp16 compute, fp16 ones of weights not stored as F16.
  let fp16CopyBytes = 0;
  let transformerHalfBytes = 0;
  const dtypes = new Set<string>();
  for (const w of [s.transformer.weights, s.vqvae.weights, s.textEncoder.weights]) {
    weightsBytes += w.fileBytes;
    for (const t of w.tensors.values()) {
      if (t.dtype === 'I64') continue;
      const n = t.shape.reduce((a, b) => a * b, 1);
      parameters += n;
      dtypes.add(t.dtype);
      if (t.dtype !== 'F32') halfBytes += n * 4;
      if (w === s.transformer.weights) {
        if (t.dtype !== 'F32') transformerHalfBytes += n * 4;
        if (t.dtype !== 'F16') fp16CopyBytes += n * 2;
      }
    }
  }
  const storedDtype = dtypes.size === 1 ? ([...dtypes][0] as SnapshotNeeds['storedDtype']) : dtypes.size === 0 ? 'F32' : 'mixed';
  return {
    parameters, weightsBytes, storedDtype,
    memoryBytes: weightsBytes + halfBytes + WORKING_BYTES,
    memoryFp16Bytes: weightsBytes + halfBytes - transformerHalfBytes + fp16CopyBytes + WORKING_BYTES,
  };
}
