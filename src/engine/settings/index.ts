export { BOUNDS, GUIDANCE_RAMPS, boundProblem, describeBound, showValue, withinBound, type Bound, type SettingName } from './bounds';
