import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PackageError } from '../../../src/engine/errors';
import { parseManifest } from '../../../src/engine/manifest/parse';
import { pathProblem } from '../../../src/engine/manifest/paths';
import { baseManifest, fakeFiles, setPath, withFiles } from './helpers/fakePackage';

type Json = Record<string, unknown>;

/** A valid manifest object (with files) to break in one place per test. */
const valid = (): Json => withFiles(baseManifest(), fakeFiles());

const parseWith = (path: string, value: unknown) => () => parseManifest(setPath(valid(), path, value));

describe('parseManifest: valid packages', () => {
  it('accepts a complete manifest and returns it typed', () => {
    const m = parseManifest(valid());
    expect(m.name).toBe('unit-fake');
    expect(m.stages.base.grid).toEqual([4, 4]);
    expect(m.stages.superRes?.lowResGrid).toEqual([4, 4]);
    expect(m.vqgan.pixelRange).toEqual([-1, 1]);
    expect(m.stages.base.defaults).toEqual({ steps: 6, guidance: 3, guidanceRamp: 'linear', temperature: 1, confidenceNoise: 4.5 });
  });

  it('accepts the ONNX test fixture', () => {
    const json: unknown = JSON.parse(readFileSync(new URL('../../fixtures/tiny/manifest.json', import.meta.url), 'utf8'));
    expect(parseManifest(json).fixture).toBe(true);
  });

  it('super-res is optional; unknown extra fields are accepted (later additions, provenance details)', () => {
    const m = parseManifest(setPath(setPath(valid(), 'stages.superRes', undefined), 'futureField', { x: 1 }));
    expect(m.stages.superRes).toBeUndefined();
    expect(m.name).toBe('unit-fake');
  });

  it('returns a copy: the caller\'s object is not shared', () => {
    const json = valid();
    const m = parseManifest(json);
    (json['stages'] as Json)['base'] = null;
    expect(m.stages.base.grid).toEqual([4, 4]);
  });

  it('provenance.trainingCommand is optional (fixtures, converted checkpoints)', () => {
    expect(parseManifest(setPath(valid(), 'provenance.trainingCommand', undefined)).provenance.trainingCommand).toBeUndefined();
  });
});

describe('parseManifest: format and version', () => {
  it('refuses an unknown format version with the versions named', () => {
    expect(parseWith('formatVersion', 7)).toThrow('manifest.json: unsupported package format version 7 (this studio reads version 1)');
    expect(parseWith('formatVersion', '1')).toThrow(/unsupported package format version "1"/);
  });

  it('refuses something that is not a package manifest', () => {
    expect(parseWith('format', 'other')).toThrow(/not a Muse Studio model package/);
    expect(() => parseManifest([1, 2])).toThrow(/must hold a JSON object/);
    expect(() => parseManifest(null)).toThrow(PackageError);
  });

  it('names the file in the error (label)', () => {
    try {
      parseManifest(setPath(valid(), 'formatVersion', 2), 'pkg/manifest.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PackageError);
      expect((err as PackageError).file).toBe('pkg/manifest.json');
    }
  });
});

describe('parseManifest: shapes and sizes', () => {
  it('grid must be two positive integers', () => {
    expect(parseWith('stages.base.grid', [8])).toThrow('manifest.json: stages.base.grid must be two positive integers, got [8]');
    expect(parseWith('stages.base.grid', [4, 0])).toThrow(/stages.base.grid must be two positive integers, got \[4,0\]/);
    expect(parseWith('stages.base.grid', [4, 2.5])).toThrow(/two positive integers/);
    expect(parseWith('stages.base.grid', '4x4')).toThrow(/two positive integers, got "4x4"/);
  });

  it('imageSize must be grid × downsample', () => {
    expect(parseWith('stages.base.imageSize', [64, 64])).toThrow(
      'manifest.json: stages.base.imageSize must be grid × vqgan.downsample = [32,32], got [64,64]',
    );
    expect(parseWith('stages.superRes.imageSize', [64, 32])).toThrow(/stages.superRes.imageSize must be grid × vqgan.downsample = \[64,64\]/);
  });

  it('maskTokenId must be ≥ codebookSize', () => {
    expect(parseWith('stages.base.maskTokenId', 63)).toThrow(/stages.base.maskTokenId must be ≥ vqgan.codebookSize \(64\), got 63/);
  });

  it('superRes.lowResGrid must equal base.grid', () => {
    expect(parseWith('stages.superRes.lowResGrid', [8, 8])).toThrow(/stages.superRes.lowResGrid must equal stages.base.grid \[4,4\], got \[8,8\]/);
  });

  it('pixelRange must be [low, high] with low < high', () => {
    expect(parseWith('vqgan.pixelRange', [1, -1])).toThrow(/vqgan.pixelRange must be two numbers \[low, high\] with low < high, got \[1,-1\]/);
    expect(parseWith('vqgan.pixelRange', [0])).toThrow(/vqgan.pixelRange must be two numbers/);
  });

  it('a preview atlas must be listed in files with K × f² × 4 bytes', () => {
    const withAtlas = (bytes: number) => {
      const m = setPath(valid(), 'vqgan.previewAtlas', 'vqgan/preview_atlas.rgba');
      return setPath(m, 'files', { ...(m['files'] as object), 'vqgan/preview_atlas.rgba': { sha256: 'a'.repeat(64), bytes } });
    };
    expect(parseManifest(withAtlas(64 * 8 * 8 * 4)).vqgan.previewAtlas).toBe('vqgan/preview_atlas.rgba');
    expect(() => parseManifest(withAtlas(1000))).toThrow(
      'manifest.json: vqgan.previewAtlas "vqgan/preview_atlas.rgba" must be codebookSize × downsample² × 4 = 16384 bytes, files says 1000',
    );
    expect(parseWith('vqgan.previewAtlas', 'vqgan/missing.rgba')).toThrow(/vqgan.previewAtlas names "vqgan\/missing.rgba", which is not listed in files/);
  });
});

describe('parseManifest: stage defaults', () => {
  it.each([
    ['steps', 0, /stages.base.defaults.steps must be a whole number from 1 to 64, got 0/],
    ['steps', 65, /steps must be a whole number from 1 to 64, got 65/],
    ['steps', 2.5, /steps must be a whole number from 1 to 64, got 2.5/],
    ['guidance', -1, /stages.base.defaults.guidance must be a number from 0 to 20, got -1/],
    ['temperature', 0, /stages.base.defaults.temperature must be a number above 0 and at most 10, got 0/],
    ['confidenceNoise', -0.5, /confidenceNoise must be a number of at least 0, got -0.5/],
    ['guidanceRamp', 'cosine', /guidanceRamp must be "none" or "linear", got "cosine"/],
  ])('%s = %s is refused', (key, value, message) => {
    expect(parseWith(`stages.base.defaults.${key}`, value)).toThrow(message);
  });
});

describe('parseManifest: paths', () => {
  it.each([
    ['../outside.onnx', /leaves the package/],
    ['transformer/../../x.onnx', /leaves the package/],
    ['/etc/base.onnx', /is absolute/],
    ['https://example.com/base.onnx', /is a URL/],
    ['C:/models/base.onnx', /is a URL or drive path/],
    ['transformer\\base.onnx', /backslash/],
    ['transformer//base.onnx', /empty or "." segment/],
    ['./transformer/base.onnx', /empty or "." segment/],
  ])('refuses %s in a stage and as a files key', (bad, message) => {
    expect(parseWith('stages.base.onnx', bad)).toThrow(message);
    const m = valid();
    (m['files'] as Json)[bad] = { sha256: 'a'.repeat(64), bytes: 1 };
    expect(() => parseManifest(m)).toThrow(message);
  });

  it('every referenced path must be listed in files', () => {
    expect(parseWith('vqgan.decoder', 'vqgan/other.onnx')).toThrow('manifest.json: vqgan.decoder names "vqgan/other.onnx", which is not listed in files');
  });

  it('pathProblem accepts plain relative paths', () => {
    expect(pathProblem('text_encoder/onnx/encoder_model.onnx')).toBeNull();
    expect(pathProblem('a b/c-d_e.f.json')).toBeNull();
    expect(pathProblem('')).toMatch(/empty/);
    expect(pathProblem('a/\u0001')).toMatch(/control/);
  });

  it('pathProblem rejects percent-escaped dot segments and URL query or fragment marks', () => {
    expect(pathProblem('%2e%2e/secret.onnx')).toMatch(/percent-escape could hide/);
    expect(pathProblem('a/%2E%2E/%2e%2e/b.onnx')).toMatch(/percent-escape/);
    expect(pathProblem('a/b.onnx?x=1')).toMatch(/"\?" or "#"/);
    expect(pathProblem('a/b#c.onnx')).toMatch(/"\?" or "#"/);
  });
});

describe('parseManifest: missing fields and wrong types', () => {
  it.each([
    'name', 'displayName', 'fixture', 'license', 'provenance', 'provenance.source', 'provenance.created', 'files',
    'textEncoder', 'textEncoder.kind', 'textEncoder.onnx', 'textEncoder.tokenizer', 'textEncoder.config',
    'textEncoder.maxLength', 'textEncoder.hiddenSize', 'textEncoder.padTokenId', 'vqgan', 'vqgan.encoder',
    'vqgan.decoder', 'vqgan.downsample', 'vqgan.codebookSize', 'vqgan.pixelRange', 'stages', 'stages.base',
    'stages.base.onnx', 'stages.base.grid', 'stages.base.imageSize', 'stages.base.maskTokenId', 'stages.base.defaults',
    'stages.base.defaults.steps', 'stages.base.defaults.guidance', 'stages.base.defaults.guidanceRamp',
    'stages.base.defaults.temperature', 'stages.base.defaults.confidenceNoise', 'stages.superRes.lowResGrid',
    'description',
  ])('%s missing', (path) => {
    expect(parseWith(path, undefined)).toThrow(`manifest.json: ${path} is missing`);
  });

  it.each([
    ['name', 5, 'name must be text of a-z, 0-9 and "-" only, got 5'],
    ['name', 'Scenes Model', 'name must be text of a-z, 0-9 and "-" only, got "Scenes Model"'],
    ['displayName', '  ', 'displayName must be non-empty text, got "  "'],
    ['fixture', 'yes', 'fixture must be true or false, got "yes"'],
    ['textEncoder.maxLength', '16', 'textEncoder.maxLength must be a whole number from 1 to 4096, got "16"'],
    ['textEncoder.hiddenSize', 0, 'textEncoder.hiddenSize must be a whole number of at least 1, got 0'],
    ['textEncoder.kind', 'bert', 'textEncoder.kind must be "t5" or "clip", got "bert"'],
    ['vqgan.downsample', 8.5, 'vqgan.downsample must be a whole number of at least 1, got 8.5'],
    ['stages.base', [1], 'stages.base must be an object, got [1]'],
    ['provenance.created', 'yesterday', 'provenance.created must be an ISO date, got "yesterday"'],
  ])('%s = %j', (path, value, message) => {
    expect(parseWith(path, value)).toThrow(`manifest.json: ${message}`);
  });

  it('files entries need a 64-hex sha256 and a byte count', () => {
    const entry = (e: unknown) => {
      const m = valid();
      (m['files'] as Json)['transformer/base.onnx'] = e;
      return () => parseManifest(m);
    };
    expect(entry({ sha256: 'ABC', bytes: 1 })).toThrow(/files\["transformer\/base.onnx"\].sha256 must be 64 lower-case hex digits, got "ABC"/);
    expect(entry({ sha256: 'f'.repeat(64), bytes: -1 })).toThrow(/files\["transformer\/base.onnx"\].bytes must be a whole number of at least 0, got -1/);
    expect(entry({ sha256: 'f'.repeat(64) })).toThrow(/files\["transformer\/base.onnx"\].bytes is missing/);
    expect(entry('x')).toThrow(/must be an object/);
  });
});
