/**
 * The import boundaries of eslint.config.js hold, and the rule really fires: an import from
 * src/app in the worker or the service worker is a lint error, the same import in the UI is not.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../../', import.meta.url).pathname });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

const fromApp = "import { useStudio } from '../app/store/studio';\nexport const s = useStudio;\n";

describe('layers point one way (eslint)', () => {
  it.each(['src/worker/probe.ts', 'src/sw/probe.ts'])('%s may not import from src/app', async (file) => {
    expect(await ruleIds(file, fromApp)).toContain('@typescript-eslint/no-restricted-imports');
  });

  it('the worker may import shared storage code', async () => {
    expect(await ruleIds('src/worker/probe.ts', "import { storedIdOf } from '../storage/layout';\nexport const f = storedIdOf;\n")).toEqual([]);
  });

  it('the UI may import from src/app', async () => {
    expect(await ruleIds('src/gallery/probe.ts', fromApp)).toEqual([]);
  });
});
