/**
 * What a CLIP package's base transformer is fed (docs/MODEL_PACKAGE.md, "CLIP text encoders and
 * micro-conditioning"), on a fake session that records its feeds; and the `amused` confidence
 * schedule.
 */
import { describe, expect, it } from 'vitest';
import type { Ort } from '../../../src/engine/ort';
import { runStage, type StageRun } from '../../../src/engine/pipeline/stage';
import { decodeStep } from '../../../src/engine/sampler/decodeStep';
import { createRng, gumbel } from '../../../src/engine/sampler/prng';
import { confidenceNoiseAt } from '../../../src/engine/sampler/schedule';
import type { PromptEncoding } from '../../../src/engine/text/promptEncoder';
import { FakeTensor, recordingSession as recordingFake } from './helpers/fakeSession';

const N = 4;
const K = 6;
const S = 3;
const D = 2;
const P = 2;

const Tensor = FakeTensor;
const ort = { Tensor } as unknown as Ort;
const recordingSession = () => recordingFake(N, K);

const clipText = (base: number): PromptEncoding => ({
  states: Float32Array.from({ length: S * D }, (_, i) => base + i),
  mask: BigInt64Array.from([1n, 1n, 0n]),
  pooled: Float32Array.from([base + 100, base + 101]),
  truncated: false,
});

function stage(over: Partial<StageRun>): StageRun {
  return {
    ort,
    session: recordingSession().session,
    file: 'transformer/base.onnx',
    positions: N,
    codebookSize: K,
    maskTokenId: K,
    settings: { steps: 2, guidance: 10, guidanceRamp: 'none', temperature: 1, confidenceNoise: 2 },
    cond: clipText(0),
    uncond: clipText(50),
    rngs: [createRng(1), createRng(2)],
    onStep: async () => {},
    ...over,
  };
}

describe('runStage feeds for CLIP packages', () => {
  it('feeds text_states, pooled_text (cond rows then uncond rows) and micro_conds on every row; no text_mask', async () => {
    const { session, feeds } = recordingSession();
    await runStage(stage({ session, microConds: [256, 256, 0, 0, 6] }));
    expect(feeds).toHaveLength(2);
    const f = feeds[0];
    expect(Object.keys(f).sort()).toEqual(['micro_conds', 'pooled_text', 'text_states', 'tokens']);
    expect(f['text_states'].dims).toEqual([4, S, D]);
    // Rows: image 0 cond, image 1 cond, image 0 uncond, image 1 uncond; padding rows kept as given.
    expect(Array.from(f['text_states'].data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 50, 51, 52, 53, 54, 55, 50, 51, 52, 53, 54, 55]);
    expect(f['pooled_text'].dims).toEqual([4, P]);
    expect(Array.from(f['pooled_text'].data as Float32Array)).toEqual([100, 101, 100, 101, 150, 151, 150, 151]);
    expect(f['micro_conds'].type).toBe('float32');
    expect(f['micro_conds'].dims).toEqual([4, 5]);
    expect(Array.from(f['micro_conds'].data as Float32Array)).toEqual(Array.from({ length: 4 }, () => [256, 256, 0, 0, 6]).flat());
  });

  it('without guidance (w = 1) only the conditional rows are fed, micro_conds still on each', async () => {
    const { session, feeds } = recordingSession();
    await runStage(stage({ session, microConds: [1, 2], settings: { steps: 1, guidance: 1, guidanceRamp: 'none', temperature: 1, confidenceNoise: 0 } }));
    expect(feeds[0]['pooled_text'].dims).toEqual([2, P]);
    expect(Array.from(feeds[0]['micro_conds'].data as Float32Array)).toEqual([1, 2, 1, 2]);
  });

  it('T5 encodings (no pooled) are fed with text_mask, as before', async () => {
    const { session, feeds } = recordingSession();
    const t5 = { states: new Float32Array(S * D), mask: BigInt64Array.from([1n, 0n, 0n]), truncated: false };
    await runStage(stage({ session, cond: t5, uncond: t5 }));
    expect(Object.keys(feeds[0]).sort()).toEqual(['text_mask', 'text_states', 'tokens']);
  });

  it('refuses CLIP encodings without micro-conditioning values, and mixed encoders', async () => {
    await expect(runStage(stage({}))).rejects.toThrow(/need the stage's micro-conditioning values/);
    const t5 = { states: new Float32Array(S * D), mask: BigInt64Array.from([1n, 0n, 0n]), truncated: false };
    await expect(runStage(stage({ uncond: t5, microConds: [1] }))).rejects.toThrow(/different text encoders/);
  });
});

describe('confidence noise schedules', () => {
  it('linear-from-next (default): τ·(1 − (i+1)/T)', () => {
    expect([0, 1, 2, 3].map((i) => confidenceNoiseAt(i, 4, 2))).toEqual([1.5, 1, 0.5, 0]);
    expect(confidenceNoiseAt(0, 1, 4.5, 'linear-from-next')).toBe(0);
  });

  it('amused: linspace(τ, 0, T)[i], as diffusers AmusedScheduler', () => {
    // torch.linspace(2, 0, 12) = 2, 1.8182, 1.6364, …, 0.1818, 0
    const got = Array.from({ length: 12 }, (_, i) => confidenceNoiseAt(i, 12, 2, 'amused'));
    const want = Array.from({ length: 12 }, (_, i) => 2 - (2 * i) / 11);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
    expect(got[0]).toBe(2);
    expect(got[11]).toBe(0);
    expect(confidenceNoiseAt(0, 1, 2, 'amused')).toBe(2);
  });

  it('decodeStep uses the schedule it is given: τ_i scales the Gumbel noise of step i', () => {
    // Position 0 is certain (log p = 0), position 1 a coin flip (log p = −log 2); the one with the
    // lower log p + τ_i·g is re-masked after step 0 of 3 (τ_0 = 3 for amused, 2 for linear-from-next).
    const logits = new Float32Array(2 * K).fill(-Infinity);
    logits[0] = 0;
    logits[K] = 0;
    logits[K + 1] = 0;
    const state = { tokens: Int32Array.from([K, K]), maskTokenId: K, n0: 2, step: 0, totalSteps: 3 };
    const expected = (seed: number, tau0: number): number => {
      const r = createRng(seed);
      r.nextFloat();
      const c0 = tau0 * gumbel(r);
      r.nextFloat();
      const c1 = -Math.log(2) + tau0 * gumbel(r);
      return c0 <= c1 ? 0 : 1;
    };
    let differing = 0;
    for (let seed = 1; seed <= 200; seed++) {
      for (const [schedule, tau0] of [['amused', 3], ['linear-from-next', 2]] as const) {
        const r = decodeStep(state, logits, createRng(seed), { temperature: 1, confidenceNoise: 3, confidenceSchedule: schedule });
        expect(r.masked).toBe(1);
        expect(r.tokens[expected(seed, tau0)]).toBe(K);
      }
      if (expected(seed, 3) !== expected(seed, 2)) differing++;
    }
    expect(differing).toBeGreaterThan(0); // the schedules really lead to different choices
  });
});
