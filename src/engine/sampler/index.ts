export { createRng, gumbel, type Rng } from './prng';
export { maskedCountAfterStep, confidenceNoiseAt } from './schedule';
export { guidanceScaleAt, applyGuidance } from './guidance';
export { decodeStep, type DecodeState, type StepSettings, type StepResult } from './decodeStep';
