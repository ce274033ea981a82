import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSnapshotTokenizer, openSnapshot } from '../../../../src/engine/diffusers';
import { padIds } from '../../../../src/engine/text/tokenizer';
import { createFsSnapshotSource } from '../../../../src/node/fsSnapshotSource';
import { createMemorySnapshot } from '../../../../src/engine/diffusers/source';

const DIR = 'tests/fixtures/amused-tiny-diffusers';
interface Cases { maxLength: number; padTokenId: number; cases: { prompt: string; ids: number[] }[] }
const REF = JSON.parse(readFileSync('tests/fixtures/amused-tiny-diffusers-tokens.json', 'utf8')) as Cases;

/** The padded row the pipeline feeds CLIP, from the reference (ids stop at the first padding token). */
const refRow = (ids: number[]): number[] => [...ids, ...new Array<number>(REF.maxLength - ids.length).fill(REF.padTokenId)];

describe('the CLIP tokenizer built from a snapshot’s vocab.json + merges.txt', () => {
  it('gives transformers’ CLIPTokenizer ids, padded and truncated, on 300 prompts', async () => {
    const src = createFsSnapshotSource(DIR);
    const s = await openSnapshot(src);
    const tok = await loadSnapshotTokenizer(src, s.tokenizerFiles, 77);
    expect(REF.cases.length).toBeGreaterThanOrEqual(300);
    const wrong: string[] = [];
    let truncated = 0;
    for (const { prompt, ids } of REF.cases) {
      const enc = tok.encode(prompt);
      if (enc.truncated) truncated++;
      const row = Array.from(padIds(enc.ids, 77, tok.padTokenId).inputIds, Number);
      if (JSON.stringify(row) !== JSON.stringify(refRow(ids))) wrong.push(JSON.stringify(prompt));
    }
    expect(wrong).toEqual([]);
    expect(truncated).toBeGreaterThan(10); // long prompts are among the cases, and say so
    expect(tok.padTokenId).toBe(REF.padTokenId);
  });

  it('uses tokenizer.json when the folder has one', async () => {
    const converted = readFileSync('tests/fixtures/amused-tiny/text_encoder/tokenizer.json');
    const src = createMemorySnapshot('m', { 'tokenizer/tokenizer.json': new Uint8Array(converted) });
    const tok = await loadSnapshotTokenizer(src, ['tokenizer/tokenizer.json'], 77);
    const { prompt, ids } = REF.cases[2];
    expect(tok.encode(prompt).ids).toEqual(ids);
  });

  it('names a broken merges.txt line', async () => {
    const src = createMemorySnapshot('m', {
      'tokenizer/vocab.json': new TextEncoder().encode(JSON.stringify({ a: 0, '<|startoftext|>': 1, '<|endoftext|>': 2 })),
      'tokenizer/merges.txt': new TextEncoder().encode('#version: 0.2\na b c\n'),
    });
    await expect(loadSnapshotTokenizer(src, ['tokenizer/vocab.json', 'tokenizer/merges.txt'], 77)).rejects.toThrow(/tokenizer\/merges\.txt: line 2 is not a pair/);
  });
});
