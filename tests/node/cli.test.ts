import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputPath, parseGenerateArgs } from '../../src/cli/args';
import { runCli } from '../../src/cli/generate';
import { readPngParameters, readPngText } from '../../src/engine/png';
import { FIXTURE_DIR, REPO_ROOT, tempDir, captureIo } from './helpers';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir('muse-cli-');
});
afterAll(async () => {
  await tmp?.cleanup();
});


describe('parseGenerateArgs', () => {
  it('parses every flag', () => {
    const o = parseGenerateArgs(['--prompt', 'a', '--negative', 'b', '--seed', '7', '--steps', '3', '--sr-steps', '2', '--guidance', '2.5', '--temperature', '0.8', '--count', '2', '--model', 'm', '--out', 'x.png']);
    expect(o).toEqual({ prompt: 'a', negative: 'b', seed: 7, steps: 3, srSteps: 2, guidance: 2.5, temperature: 0.8, count: 2, model: 'm', out: 'x.png' });
    expect(parseGenerateArgs(['--help'])).toBeNull();
    expect(parseGenerateArgs(['--prompt', '', '--out', 'y.PNG'])).toMatchObject({ seed: undefined, token: undefined });
    expect(parseGenerateArgs(['--prompt', 'a', '--out', 'x.png', '--model', 'hf:a/b', '--token', 'hf_AbC123'])).toMatchObject({ model: 'hf:a/b', token: 'hf_AbC123' });
    expect(parseGenerateArgs(['--cache'])).toEqual({ cache: 'list' });
    expect(parseGenerateArgs(['--cache-clear'])).toEqual({ cache: 'clear' });
  });

  it('refuses a --token that is not one without repeating it', () => {
    for (const bad of ['hf_with space', 'hf_ü', 'hf_tab\t', '']) {
      let message = '';
      try {
        parseGenerateArgs(['--prompt', 'a', '--out', 'x.png', `--token=${bad}`]);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^--token is (empty|not a token: it has spaces or characters outside printable ASCII)/);
      if (bad) expect(message).not.toContain(bad);
    }
  });

  it.each([
    [['--out', 'x.png'], /--prompt is required/],
    [['--prompt', 'a'], /--out FILE.png is required/],
    [['--prompt', 'a', '--out', 'x.jpg'], /--out must name a .png file/],
    [['--prompt', 'a', '--out', 'x.png', '--steps', 'abc'], /--steps must be a whole number from 1 to 64, got "abc"/],
    [['--prompt', 'a', '--out', 'x.png', '--steps', '0'], /--steps must be a whole number from 1 to 64/],
    [['--prompt', 'a', '--out', 'x.png', '--seed=-1'], /--seed must be a whole number from 0 to 4294967295/],
    [['--prompt', 'a', '--out', 'x.png', '--seed', '4294967296'], /--seed must be a whole number/],
    [['--prompt', 'a', '--out', 'x.png', '--count', '5'], /--count must be a whole number from 1 to 4/],
    [['--prompt', 'a', '--out', 'x.png', '--guidance=-2'], /--guidance must be a number from 0 to 20/],
    [['--prompt', 'a', '--out', 'x.png', '--temperature', '0'], /--temperature must be a number above 0 and at most 10/],
    [['--prompt', 'a', '--out', 'x.png', '--bogus'], /Unknown option '--bogus'/],
    [['--cache', '--prompt', 'a'], /--cache and --cache-clear take no other flags \(got --prompt\)/],
    [['--cache', '--cache-clear'], /give --cache or --cache-clear, not both/],
    [['--prompt'], /argument missing|--prompt/],
    // node:util parseArgs reads "--seed -1" as a missing value and says to write --seed=-1
    [['--prompt', 'a', '--out', 'x.png', '--seed', '-1'], /argument is ambiguous/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseGenerateArgs(argv)).toThrow(message);
  });

  it('names extra images FILE-2.png, FILE-3.png…', () => {
    expect([0, 1, 3].map((k) => outputPath('out/img.png', k))).toEqual(['out/img.png', 'out/img-2.png', 'out/img-4.png']);
  });
});

describe('runCli on the fixture', () => {
  it('writes PNGs whose A1111 parameters read back; the same seed gives identical bytes', async () => {
    const a = join(tmp.dir, 'a.png');
    const b = join(tmp.dir, 'sub/b.png');
    const args = ['--prompt', 'a red house', '--negative', 'blurry', '--seed', '5', '--count', '2', '--model', FIXTURE_DIR];
    const io = captureIo();
    expect(await runCli([...args, '--out', a], io)).toBe(0);
    expect(await runCli([...args, '--out', b], captureIo())).toBe(0);
    expect(io.out).toHaveLength(2);
    expect(io.out[0]).toMatch(/^wrote .*a\.png \(64x64, seed 5, \d+ ms per image\)$/);
    expect(io.err.join('\n')).toMatch(/random weights/);

    const [pa, pb, pa2, pb2] = await Promise.all([a, b, outputPath(a, 1), outputPath(b, 1)].map((f) => readFile(f)));
    expect(pb.equals(pa)).toBe(true);
    expect(pb2.equals(pa2)).toBe(true);
    expect(pa2.equals(pa)).toBe(false);

    const params = readPngParameters(pa);
    expect(params).toMatchObject({
      prompt: 'a red house',
      negativePrompt: 'blurry',
      seed: 5,
      steps: 6,
      guidance: 3,
      superResSteps: 4,
      superResGuidance: 2,
      temperature: 1,
      guidanceRamp: 'linear',
      width: 64,
      height: 64,
      model: 'tiny-fixture',
    });
    expect(readPngParameters(pa2).seed).toBe(6);
    expect(readPngText(pa)['parameters']).toMatch(/^a red house\nNegative prompt: blurry\nSteps: 6, Sampler: MaskGIT, CFG scale: 3, Seed: 5, /);
  });

  it('applies step, guidance and temperature flags', async () => {
    const f = join(tmp.dir, 'flags.png');
    expect(await runCli(['--prompt', 'x', '--seed', '1', '--steps', '2', '--sr-steps', '3', '--guidance', '1.5', '--temperature', '0.7', '--model', FIXTURE_DIR, '--out', f], captureIo())).toBe(0);
    expect(readPngParameters(await readFile(f))).toMatchObject({ steps: 2, superResSteps: 3, guidance: 1.5, temperature: 0.7 });
  });

  it('explains that no default model exists yet', async () => {
    const io = captureIo();
    expect(await runCli(['--prompt', 'x', '--out', join(tmp.dir, 'n.png')], io, join(tmp.dir, 'no-such-model'))).toBe(1);
    expect(io.err.join('\n')).toMatch(/no trained default model exists yet[\s\S]*--model tests\/fixtures\/tiny[\s\S]*random-weight test fixture/);
  });

  it('reports usage errors with exit code 2 and a broken package with exit code 1', async () => {
    const usage = captureIo();
    expect(await runCli(['--prompt', 'x', '--out', 'x.png', '--steps', 'lots'], usage)).toBe(2);
    expect(usage.err.join('\n')).toMatch(/error: --steps must be a whole number[\s\S]*--help/);
    const broken = captureIo();
    expect(await runCli(['--prompt', 'x', '--model', join(tmp.dir, 'missing'), '--out', join(tmp.dir, 'm.png')], broken)).toBe(1);
    expect(broken.err.join('\n')).toMatch(/cannot load the model package in .*missing: manifest.json: file not found/);
  });

  it('runs as a command (the npm run generate entry point)', async () => {
    const out = join(tmp.dir, 'cmd.png');
    const run = promisify(execFile);
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/generate.ts', '--prompt', 'a red house', '--seed', '5', '--model', FIXTURE_DIR, '--out', out], { cwd: REPO_ROOT });
    expect(r.stdout).toMatch(/wrote .*cmd\.png/);
    expect(readPngParameters(await readFile(out)).seed).toBe(5);
  });
});

describe('the evaluation batch tool (training/eval.py runs it)', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/evalBatch.ts', ...args], { cwd: REPO_ROOT }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints its usage for --help, and names an unknown option as the other commands do, not with a stack trace', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: .*evalBatch\.ts --prompts FILE\.json --out DIR/);
    const bad = await run('--bogus');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: Unknown option '--bogus'[\s\S]*\nRun with --help for usage\.\n$/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
