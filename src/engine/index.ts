/** Public surface of the engine: import from 'src/engine' rather than its folders. */
export { checkPackageFiles, loadModel, readManifest, T5_SOURCE_FILES, type EngineOptions, type FileProblem, type LoadProgress } from './engine';
export type * from './types';
export type { Ort } from './ort';
export { JobQueue, type Job, type JobContext } from './queue';
export { PackageError, RequestError, abortError, isAbortError } from './errors';
export { parseManifest, isPackagePath, FORMAT_VERSION } from './manifest';
export type { StageSpec, SuperResStageSpec, FileEntry, TextEncoderSpec, MicroConditioning, ConfidenceSchedule } from './manifest';
export { createUrlSource, createMemorySource, sha256Hex, type GraphFile, type PackageSource, type FetchLike, type VerifyMode } from './package';
export { maskFromRgba, MAX_EDIT_SIDE, DEFAULT_STRENGTH, EMPTY_MASK_MESSAGE, POOR_VQ_PSNR, type VqRoundTrip } from './edit';
export { promptWords, unknownWords } from './text/knownWords';
