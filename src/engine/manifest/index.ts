export * from './types';
export { parseManifest } from './parse';
export { isPackagePath, pathProblem } from './paths';
export { nameSlug, NAME_SLUG_MAX } from './nameSlug';
