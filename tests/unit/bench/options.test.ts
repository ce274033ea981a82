/**
 * The bench's command line (scripts/bench/options.ts): --against, the step overrides of --model
 * and --visits 0, checked before anything loads, in the words `npm run generate` uses for steps.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, type Options } from '../../../scripts/bench/options';

const parse = (...argv: string[]): Options => {
  const o = parseArgs(argv);
  if (o === 'help') throw new Error('unexpected help');
  return o;
};

describe('bench options', () => {
  it('without options: models/scenes alone, every backend, package steps, 2 visits', () => {
    const o = parse();
    expect(o).toMatchObject({ model: 'models/scenes', runs: 5, backends: ['node', 'wasm', 'webgpu'], visits: 2, write: true });
    expect(o.against).toBeUndefined();
    expect(o.stepsBase).toBeUndefined();
    expect(o.stepsSr).toBeUndefined();
  });

  it('reads the comparison run of issue 11', () => {
    const o = parse('--model', '/work/pkg/v2', '--against', 'models/scenes', '--backends', 'node,wasm', '--runs', '3', '--no-baseline', '--no-readback', '--no-write', '--visits', '0', '--json', '/tmp/a.json');
    expect(o).toMatchObject({ model: '/work/pkg/v2', against: 'models/scenes', backends: ['node', 'wasm'], runs: 3, baseline: false, readback: false, write: false, visits: 0, json: '/tmp/a.json' });
  });

  it('takes --steps-base and --steps-sr for --model', () => {
    expect(parse('--steps-base', '8')).toMatchObject({ stepsBase: 8 });
    expect(parse('--steps-sr', '4', '--steps-base', '10')).toMatchObject({ stepsBase: 10, stepsSr: 4 });
  });

  it('refuses step counts the engine would refuse, in the CLI\'s words', () => {
    expect(() => parse('--steps-base', '0')).toThrow('--steps-base must be a whole number from 1 to 64, got "0"');
    expect(() => parse('--steps-sr', '65')).toThrow('--steps-sr must be a whole number from 1 to 64, got "65"');
    expect(() => parse('--steps-base', '2.5')).toThrow('--steps-base must be a whole number');
    expect(() => parse('--steps-base')).toThrow('--steps-base must be a whole number');
  });

  it('--against and --model need a folder, not the next option', () => {
    expect(() => parse('--against')).toThrow('--against needs a package folder');
    expect(() => parse('--against', '--runs', '3')).toThrow('--against needs a package folder');
    expect(() => parse('--model', '')).toThrow('--model needs a package folder');
  });

  it('--visits may be 0, not negative', () => {
    expect(parse('--visits', '0').visits).toBe(0);
    expect(() => parse('--visits', '-1')).toThrow('--visits needs an integer ≥ 0, got -1');
    expect(() => parse('--runs', '0')).toThrow('--runs needs an integer ≥ 1, got 0');
  });

  it('--quick means 2 runs unless --runs says otherwise', () => {
    expect(parse('--quick').runs).toBe(2);
    expect(parse('--runs', '4', '--quick').runs).toBe(4);
  });

  it('refuses unknown backends, options and non-object session options; --help asks for help', () => {
    expect(() => parse('--backends', 'node,cuda')).toThrow('unknown backend cuda');
    expect(() => parse('--backends', '')).toThrow('--backends needs a list');
    expect(() => parse('--agianst', 'x')).toThrow('unknown option --agianst');
    expect(() => parse('--session-options', '[1]')).toThrow('--session-options needs a JSON object');
    expect(parse('--session-options', '{"intraOpNumThreads":1}').sessionOptions).toEqual({ intraOpNumThreads: 1 });
    expect(parseArgs(['--runs', '2', '--help'])).toBe('help');
  });
});
