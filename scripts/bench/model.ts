/**
 * What the report says about a benchmarked package: read once from its manifest (modelInfo) and
 * described in one place (describeModel), for the main table and the --against comparison alike.
 */
import type { Manifest } from '../../src/engine';
import type { StepOverrides } from './shared/types';

export interface ModelInfo {
  dir: string;
  name: string;
  fixture: boolean;
  baseGrid: [number, number];
  superResGrid?: [number, number];
  imageSize: [number, number];
  /** Steps the measured jobs ran: the package default, or the override below. */
  baseSteps: number;
  superResSteps: number;
  /** The package's own stage defaults. */
  defaults: Record<string, unknown>;
  /** --steps-base / --steps-sr, when they replaced the package defaults. */
  stepOverrides?: StepOverrides;
}

/**
 * The report's view of a package. `dir` is how the report names it (relative to the repository
 * where it lies inside it); `overrides` are the step counts its jobs ran instead of the defaults.
 * Throws when a super-res override is given for a package without a super-res stage.
 */
export function modelInfo(dir: string, manifest: Manifest, overrides: StepOverrides = {}): ModelInfo {
  const base = manifest.stages.base;
  const sr = manifest.stages.superRes;
  if (overrides.superRes !== undefined && !sr) throw new Error(`--steps-sr: ${dir} has no super-res stage`);
  const given: StepOverrides = {
    ...(overrides.base !== undefined ? { base: overrides.base } : {}),
    ...(overrides.superRes !== undefined ? { superRes: overrides.superRes } : {}),
  };
  return {
    dir,
    name: manifest.name,
    fixture: manifest.fixture,
    baseGrid: base.grid,
    ...(sr ? { superResGrid: sr.grid } : {}),
    imageSize: (sr ?? base).imageSize,
    baseSteps: given.base ?? base.defaults.steps,
    superResSteps: given.superRes ?? sr?.defaults.steps ?? 0,
    defaults: { base: base.defaults, ...(sr ? { superRes: sr.defaults } : {}) },
    ...(Object.keys(given).length ? { stepOverrides: given } : {}),
  };
}

function steps(m: ModelInfo, stage: 'base' | 'superRes'): string {
  const n = stage === 'base' ? m.baseSteps : m.superResSteps;
  const override = m.stepOverrides?.[stage];
  if (override === undefined) return `${n} steps`;
  const flag = stage === 'base' ? '--steps-base' : '--steps-sr';
  const d = (m.defaults[stage] as { steps?: number } | undefined)?.steps;
  return `**${n} steps** (${flag}; package default ${d ?? '–'})`;
}

/** "`dir` (name): base 16×16 tokens, 12 steps; super-res 32×32 tokens, 8 steps; image 256×256 px", overrides named. */
export function describeModel(m: ModelInfo): string {
  return `\`${m.dir}\` (${m.name}): base ${m.baseGrid.join('×')} tokens, ${steps(m, 'base')}` +
    (m.superResGrid ? `; super-res ${m.superResGrid.join('×')} tokens, ${steps(m, 'superRes')}` : '') +
    `; image ${m.imageSize[0]}×${m.imageSize[1]} px`;
}
