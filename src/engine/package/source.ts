/** Where package bytes come from: a folder (Node), a URL prefix, files held in memory, a cache. */
export interface PackageSource {
  /** Human-readable location for messages, e.g. "models/scenes" or "https://…/pkg/". */
  readonly label: string;
  /** Reads one file named by a manifest-relative path. Rejects with a PackageError naming it. */
  read(path: string): Promise<Uint8Array>;
}
