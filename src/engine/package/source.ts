/** Where package bytes come from: a folder (Node), a URL prefix, files held in memory, a cache. */
export interface PackageSource {
  /** Human-readable location for messages, e.g. "models/scenes" or "https://…/pkg/". */
  readonly label: string;
  /** Reads one file named by a manifest-relative path. Rejects with a PackageError naming it. */
  read(path: string): Promise<Uint8Array>;
  /**
   * The same file as a stream, where the source can give one (stored packages): checks that
   * need every byte but not all at once (checkPackageFiles) read it chunk by chunk, so a large
   * weights file is never held whole. Rejects like `read`; undefined: read this one with `read`.
   */
  stream?(path: string): Promise<ReadableStream<Uint8Array> | undefined>;
}
