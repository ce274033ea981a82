/**
 * The TypeScript side of schemas/ is generated (`npm run schemas`); this fails when a schema
 * changed and the committed validator or types were not regenerated. Also: the schema's path
 * pattern and the engine's pathProblem (used where no schema applies, e.g. reading a stored
 * package) accept exactly the same paths.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../scripts/schemas/generate';
import { pathProblem } from '../../../src/engine/manifest/paths';
import schema from '../../../schemas/manifest.schema.json' with { type: 'json' };

describe('schemas/', () => {
  it('the generated validator and types match the schemas (run `npm run schemas`)', async () => {
    for (const [path, content] of Object.entries(await generate())) {
      expect(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8'), path).toBe(content);
    }
  });

  it('the path pattern accepts exactly what pathProblem accepts', () => {
    const pattern = new RegExp(schema.$defs.path.pattern, 'u');
    const samples = [
      'a', 'a/b.onnx', 'text_encoder/onnx/encoder_model.onnx', 'a b/c-d_e.f.json', '.hidden/x', 'a/..b', 'a..', 'x/.../y',
      '', '/abs', 'a//b', './a', 'a/.', 'a/..', '../a', 'a/../b', 'C:/x', 'https://h/x', 'a\\b', 'a%2e', 'a?b', 'a#b',
      'a\u0001b', 'a\u007fb', 'é/ü.onnx', 'a/b/',
    ];
    for (const p of samples) expect(pattern.test(p), JSON.stringify(p)).toBe(pathProblem(p) === null);
  });
});
