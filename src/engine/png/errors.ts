/** What went wrong with a PNG file, so callers can branch without parsing messages. */
export type PngErrorCode =
  | 'not-png' // the signature is missing: this is some other kind of file
  | 'truncated' // the file ends inside a chunk, or before IEND
  | 'bad-crc' // a chunk's stored CRC does not match its bytes
  | 'malformed' // the structure is wrong (chunk order, lengths, text fields)
  | 'invalid-input'; // the caller passed something that cannot be encoded

/** Raised by the PNG reader/writer. The message is meant to be shown to a user as is. */
export class PngError extends Error {
  readonly code: PngErrorCode;
  /** The chunk type involved, e.g. "tEXt", when there is one. */
  readonly chunk?: string;

  constructor(code: PngErrorCode, message: string, chunk?: string) {
    super(message);
    this.name = 'PngError';
    this.code = code;
    if (chunk !== undefined) this.chunk = chunk;
  }
}

/** Raised by parseA1111 when the "parameters" text cannot be read as generation settings. */
export class ParametersError extends Error {
  /** The A1111 key whose value is missing or invalid, e.g. "Seed", when there is one. */
  readonly key?: string;

  constructor(message: string, key?: string) {
    super(message);
    this.name = 'ParametersError';
    if (key !== undefined) this.key = key;
  }
}
