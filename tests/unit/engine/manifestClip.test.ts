/**
 * The CLIP / aMUSEd extension of the manifest (docs/MODEL_PACKAGE.md, "CLIP text encoders and
 * micro-conditioning"), external data, the fp16 base graph and the confidence schedule: what is
 * accepted, and one test per bad input.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/engine/manifest/parse';
import { baseManifest, clipFiles, clipManifest, fakeFiles, setPath, withFiles } from './helpers/fakePackage';

type Json = Record<string, unknown>;

/** A valid CLIP manifest, plus listed extra files (for fp16 copies and data files). */
const clip = (): Json => withFiles(clipManifest(), clipFiles(), ['transformer/base.fp16.onnx', 'transformer/base.fp16.onnx.data', 'vqgan/decoder.onnx.data', 'other/base.onnx.data']);
const t5 = (): Json => withFiles(baseManifest(), fakeFiles(), ['transformer/base.fp16.onnx', 'transformer/base.onnx.data']);

const clipWith = (path: string, value: unknown) => () => parseManifest(setPath(clip(), path, value));
const t5With = (path: string, value: unknown) => () => parseManifest(setPath(t5(), path, value));

describe('parseManifest: CLIP packages', () => {
  it('accepts a CLIP manifest and returns its extra fields typed', () => {
    const m = parseManifest(clip());
    expect(m.textEncoder).toMatchObject({ kind: 'clip', projectionDim: 24, maxLength: 8, padTokenId: 588 });
    expect(m.stages.base.microConditioning).toEqual({ names: ['width', 'height', 'cropTop', 'cropLeft', 'aestheticScore'], values: [64, 64, 0, 0, 6] });
    expect(m.stages.base.confidenceSchedule).toBe('amused');
    expect(m.stages.superRes).toBeUndefined();
    expect(m.externalData).toEqual({ 'transformer/base.onnx': 'transformer/base.onnx.data' });
    expect(m.vqgan.pixelRange).toEqual([0, 1]);
  });

  it('accepts the converted aMUSEd-layout fixtures (training/make_amused_fixtures.py)', () => {
    for (const dir of ['amused-tiny', 'amused-tiny-512']) {
      const json: unknown = JSON.parse(readFileSync(new URL(`../../fixtures/${dir}/manifest.json`, import.meta.url), 'utf8'));
      const m = parseManifest(json);
      expect(m.textEncoder.kind).toBe('clip');
      expect(m.stages.base.microConditioning?.values).toHaveLength(5);
      expect(m.stages.base.maskTokenId).toBe(71);
    }
  });

  it('microConditioning.names is optional', () => {
    expect(parseManifest(setPath(clip(), 'stages.base.microConditioning.names', undefined)).stages.base.microConditioning).toEqual({ values: [64, 64, 0, 0, 6] });
  });

  it('T5 packages are unchanged: no microConditioning, projectionDim or externalData needed', () => {
    const m = parseManifest(t5());
    expect(m.textEncoder.kind).toBe('t5');
    expect(m.stages.base.microConditioning).toBeUndefined();
    expect(m.externalData).toBeUndefined();
    expect(m.stages.base.confidenceSchedule).toBeUndefined();
  });

  it.each([
    ['textEncoder.projectionDim', undefined, 'textEncoder.projectionDim is missing'],
    ['textEncoder.projectionDim', 0, 'textEncoder.projectionDim must be a whole number of at least 1, got 0'],
    ['textEncoder.projectionDim', '24', 'textEncoder.projectionDim must be a whole number of at least 1, got "24"'],
    ['stages.base.microConditioning', undefined, 'stages.base.microConditioning is missing (required with textEncoder.kind "clip"'],
    ['stages.base.microConditioning', [256, 256], 'stages.base.microConditioning must be an object, got [256,256]'],
    ['stages.base.microConditioning.values', undefined, 'stages.base.microConditioning.values is missing'],
    ['stages.base.microConditioning.values', [], 'stages.base.microConditioning.values must be a non-empty list of finite numbers, got []'],
    ['stages.base.microConditioning.values', [256, '256'], 'stages.base.microConditioning.values must be a non-empty list of finite numbers, got [256,"256"]'],
    ['stages.base.microConditioning.values', [256, null], 'stages.base.microConditioning.values must be a non-empty list of finite numbers, got [256,null]'],
    ['stages.base.microConditioning.names', ['w', 'h'], 'stages.base.microConditioning.names must name each of the 5 values, got 2 names'],
    ['stages.base.microConditioning.names', 'width', 'stages.base.microConditioning.names must be a list of strings, got "width"'],
    ['stages.base.microConditioning.names', [1, 2, 3, 4, 5], 'stages.base.microConditioning.names must be a list of strings, got [1,2,3,4,5]'],
  ])('%s = %j is refused', (path, value, message) => {
    expect(clipWith(path, value)).toThrow(`manifest.json: ${message}`);
  });

  it('a CLIP package cannot have a super-res stage', () => {
    const m = clip();
    (m['stages'] as Json)['superRes'] = { onnx: 'transformer/base.onnx', grid: [8, 8], imageSize: [128, 128], maskTokenId: 71, lowResGrid: [4, 4], defaults: {} };
    expect(() => parseManifest(m)).toThrow('manifest.json: stages.superRes must be absent with textEncoder.kind "clip" (CLIP packages are single-stage)');
  });

  it('T5 packages refuse the CLIP-only fields', () => {
    expect(t5With('textEncoder.projectionDim', 24)).toThrow('manifest.json: textEncoder.projectionDim must be absent: only kind "clip" has a pooled output');
    expect(t5With('stages.base.microConditioning', { values: [1] })).toThrow('manifest.json: stages.base.microConditioning must be absent: only packages with textEncoder.kind "clip" have it');
    expect(t5With('stages.superRes.microConditioning', { values: [1] })).toThrow('manifest.json: stages.superRes.microConditioning must be absent: only the base stage takes micro-conditioning');
  });
});

describe('parseManifest: externalData', () => {
  it('maps graphs to data files in their folder, for T5 packages too', () => {
    const m = parseManifest(setPath(t5(), 'externalData', { 'transformer/base.onnx': 'transformer/base.onnx.data' }));
    expect(m.externalData).toEqual({ 'transformer/base.onnx': 'transformer/base.onnx.data' });
  });

  it.each([
    [['a.data'], 'externalData must be an object, got ["a.data"]'],
    [{ 'transformer/other.onnx': 'transformer/base.onnx.data' }, 'externalData["transformer/other.onnx"] "transformer/other.onnx" is not one of the package\'s ONNX graphs'],
    [{ 'transformer/base.onnx': 'transformer/missing.data' }, 'externalData["transformer/base.onnx"] names "transformer/missing.data", which is not listed in files'],
    [{ 'transformer/base.onnx': '../base.onnx.data' }, 'externalData["transformer/base.onnx"] "../base.onnx.data" leaves the package'],
    [{ 'transformer/base.onnx': 'other/base.onnx.data' }, 'externalData["transformer/base.onnx"] "other/base.onnx.data" must be in the graph\'s folder ("transformer/")'],
    [{ 'transformer/base.onnx': 'vqgan/decoder.onnx' }, 'externalData["transformer/base.onnx"] "vqgan/decoder.onnx" is an ONNX graph, not its external data'],
    [{ 'transformer/base.onnx': 5 }, 'externalData["transformer/base.onnx"] must be a path inside the package, got 5'],
  ])('%j is refused', (value, message) => {
    expect(clipWith('externalData', value)).toThrow(`manifest.json: ${message}`);
  });
});

describe('parseManifest: fp16 base graph and confidence schedule', () => {
  it('stages.base.onnxFp16 names a listed file, with its own external data', () => {
    const m = setPath(clip(), 'stages.base.onnxFp16', 'transformer/base.fp16.onnx');
    setPath(m, 'externalData', { 'transformer/base.onnx': 'transformer/base.onnx.data', 'transformer/base.fp16.onnx': 'transformer/base.fp16.onnx.data' });
    const parsed = parseManifest(m);
    expect(parsed.stages.base.onnxFp16).toBe('transformer/base.fp16.onnx');
    expect(parsed.externalData?.['transformer/base.fp16.onnx']).toBe('transformer/base.fp16.onnx.data');
    expect(parseManifest(setPath(t5(), 'stages.base.onnxFp16', 'transformer/base.fp16.onnx')).stages.base.onnxFp16).toBe('transformer/base.fp16.onnx');
  });

  it.each([
    ['stages.base.onnxFp16', 'transformer/nope.onnx', 'stages.base.onnxFp16 names "transformer/nope.onnx", which is not listed in files'],
    ['stages.base.onnxFp16', 'transformer/base.onnx', 'stages.base.onnxFp16 must name a different file than stages.base.onnx'],
    ['stages.base.onnxFp16', '/abs.onnx', 'stages.base.onnxFp16 "/abs.onnx" is absolute'],
    ['stages.superRes.onnxFp16', 'transformer/base.fp16.onnx', 'stages.superRes.onnxFp16 must be absent: only the base stage has an fp16 copy'],
    ['stages.base.confidenceSchedule', 'cosine', 'stages.base.confidenceSchedule must be "linear-from-next" or "amused", got "cosine"'],
    ['stages.superRes.confidenceSchedule', 3, 'stages.superRes.confidenceSchedule must be "linear-from-next" or "amused", got 3'],
  ])('%s = %j is refused', (path, value, message) => {
    expect(t5With(path, value)).toThrow(`manifest.json: ${message}`);
  });

  it('confidenceSchedule is accepted on any stage', () => {
    const m = parseManifest(setPath(setPath(t5(), 'stages.superRes.confidenceSchedule', 'amused'), 'stages.base.confidenceSchedule', 'linear-from-next'));
    expect(m.stages.superRes?.confidenceSchedule).toBe('amused');
    expect(m.stages.base.confidenceSchedule).toBe('linear-from-next');
  });
});
