export * from './types';
export { parseManifest } from './parse';
export { isPackagePath, pathProblem } from './paths';
