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
  /**
   * Optional, for runtimes that open a graph from disk (onnxruntime-node): a local file holding
   * graph `path`, with its external-data file `data` (when it has one) beside it under the name
   * the graph refers to, so the runtime reads the weights from disk itself instead of through one
   * JS buffer per file. `bytes` are the sizes of [graph, data] on disk; `done` is called once the
   * session is created (or failed) and may remove what was made for it. Undefined when this
   * source cannot offer such a file; the loader then reads the bytes as usual.
   */
  graphFile?(path: string, data: string | undefined): Promise<GraphFile | undefined>;
}

/** A graph on local disk, as `PackageSource.graphFile` offers it. */
export interface GraphFile {
  file: string;
  bytes: number[];
  done(): Promise<void>;
}
