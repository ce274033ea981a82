/**
 * A model package is wrong: bad manifest, missing or damaged file, ONNX graph that does not match
 * the contract. The message names the file and says what is wrong, so it can be shown as-is.
 */
export class PackageError extends Error {
  /** Manifest-relative path of the offending file, when there is one. */
  readonly file?: string;

  constructor(problem: string, file?: string) {
    super(file ? `${file}: ${problem}` : problem);
    this.name = 'PackageError';
    if (file !== undefined) this.file = file;
  }
}

/** A GenerateRequest the engine refuses (e.g. steps out of range); the message names the field. */
export class RequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * The error a cancelled generation rejects with. A DOMException named "AbortError" is what
 * `fetch` and other web APIs use, so callers can test `err.name === 'AbortError'` everywhere.
 */
export function abortError(): Error {
  return new DOMException('Generation cancelled', 'AbortError');
}

/** True when `err` is a cancellation (from our own abortError or any web API). */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/** Describes any thrown value in one line, for wrapping lower-level errors. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
