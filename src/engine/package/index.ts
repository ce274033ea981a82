export type { GraphFile, PackageSource } from './source';
export { createUrlSource, type FetchLike, type UrlSource } from './urlSource';
export { createMemorySource } from './memorySource';
export { sha256Hex, verifyFile, type VerifyMode } from './verify';
export { bodyStream, readBody } from './readBody';
export { checkedStream, sha256OfStream, verifyFileStream, type CheckedStream, type StreamFailure } from './verifyStream';
