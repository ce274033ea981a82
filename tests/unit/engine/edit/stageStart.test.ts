/**
 * The stage decode loop started from partly known tokens (editing), on a fake ORT session that
 * returns seeded random logits and records what it was fed.
 */
import { describe, expect, it } from 'vitest';
import type { Ort, OrtSession } from '../../../../src/engine/ort';
import { runStage, type StageStart } from '../../../../src/engine/pipeline/stage';
import { createRng } from '../../../../src/engine/sampler/prng';
import { maskedCountAfterStep } from '../../../../src/engine/sampler/schedule';

const N = 16;
const K = 8;
const MASK = K;

class Tensor {
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
}
const ort = { Tensor } as unknown as Ort;

/** A session whose logits are seeded noise; `fed` holds the tokens of every run's first row. */
function fakeSession(): { session: OrtSession; fed: number[][] } {
  const fed: number[][] = [];
  const rng = createRng(42);
  const session = {
    run: async (feeds: Record<string, Tensor>) => {
      const t = feeds['tokens'];
      const B = t.dims[0];
      fed.push(Array.from((t.data as BigInt64Array).subarray(0, N), Number));
      const logits = Float32Array.from({ length: B * N * K }, () => 4 * rng.nextFloat());
      return { logits: new Tensor('float32', logits, [B, N, K]) };
    },
  } as unknown as OrtSession;
  return { session, fed };
}

const text = { states: new Float32Array(4 * 2), mask: new BigInt64Array(4).fill(1n), truncated: false };
const settings = { steps: 5, guidance: 2, guidanceRamp: 'none' as const, temperature: 1, confidenceNoise: 3 };

async function run(start: StageStart[] | undefined, count = 1) {
  const { session, fed } = fakeSession();
  const tokens = await runStage({
    ort,
    session,
    file: 'fake.onnx',
    positions: N,
    codebookSize: K,
    maskTokenId: MASK,
    settings,
    cond: text,
    uncond: text,
    rngs: Array.from({ length: count }, (_, k) => createRng(7 + k)),
    ...(start ? { start } : {}),
    onStep: async () => {},
  });
  return { tokens, fed };
}

describe('runStage from partly known tokens', () => {
  const known = Int32Array.from({ length: N }, (_, j) => j % K);
  const decode = Uint8Array.from({ length: N }, (_, j) => (j >= 5 && j < 11 ? 1 : 0)); // a 6-token hole

  it('never changes a known token and fills every hole position', async () => {
    const { tokens } = await run([{ tokens: known, decode }]);
    for (let j = 0; j < N; j++) {
      if (decode[j]) expect(tokens[0][j]).toBeGreaterThanOrEqual(0);
      else expect(tokens[0][j]).toBe(known[j]);
      expect(tokens[0][j]).toBeLessThan(K);
    }
  });

  it('schedules with N₀ = the hole size: masked counts fed per step follow the cosine schedule of 6', async () => {
    const { fed } = await run([{ tokens: known, decode }]);
    const maskedFed = fed.map((row) => row.filter((t) => t === MASK).length);
    const expected = [6];
    for (let i = 0; i < settings.steps - 1; i++) expected.push(maskedCountAfterStep(6, i, settings.steps, expected[i]));
    expect(maskedFed).toEqual(expected);
    // known positions are fed as given at every step
    for (const row of fed) for (let j = 0; j < N; j++) if (!decode[j]) expect(row[j]).toBe(known[j]);
  });

  it('without a start, every position starts masked (generation)', async () => {
    const { fed } = await run(undefined);
    expect(fed[0].every((t) => t === MASK)).toBe(true);
  });

  it('takes one start per image, each with its own hole', async () => {
    const other = Uint8Array.from({ length: N }, (_, j) => (j < 2 ? 1 : 0));
    const { tokens } = await run([{ tokens: known, decode }, { tokens: known, decode: other }], 2);
    for (let j = 2; j < N; j++) expect(tokens[1][j]).toBe(known[j]);
    await expect(run([{ tokens: known, decode }], 2)).rejects.toThrow(/1 entries for 2 images/);
  });

  it('refuses a known position that holds the mask token', async () => {
    const bad = known.slice();
    bad[0] = MASK;
    await expect(run([{ tokens: bad, decode }])).rejects.toThrow(/known position 0 holds the mask token/);
  });
});
