// PNG metadata for generated images: pure TypeScript (no DOM, no Node imports), so the
// browser, the worker and the CLI share one implementation. See README.md.
import { parseA1111 } from './a1111';
import type { GenerationParams } from './params';
import { ParametersError } from './errors';
import { readPngText } from './text';

export { formatA1111, parseA1111 } from './a1111';
export { checkGenerationParams, type GenerationParams } from './params';
export { hasPngSignature } from './chunks';
export { crc32 } from './crc32';
export { encodePng, PNG_ZLIB_LEVEL, type PngImage } from './encode';
export { editParams, resultParams, SR_TEMPERATURE_KEY, type ResultSource } from './resultParams';
export { PngError, ParametersError, type PngErrorCode } from './errors';
export { insertPngText, readPngText } from './text';

/** The text keyword AUTOMATIC1111-compatible tools use for generation settings. */
export const PARAMETERS_KEY = 'parameters';

/**
 * Reads the generation settings stored in a PNG's "parameters" text chunk.
 * @throws PngError when the file is not a valid PNG; ParametersError when it has no
 *   "parameters" chunk or the chunk cannot be parsed.
 */
export function readPngParameters(bytes: Uint8Array): GenerationParams {
  const text = readPngText(bytes);
  const parameters = Object.prototype.hasOwnProperty.call(text, PARAMETERS_KEY) ? text[PARAMETERS_KEY] : undefined;
  if (parameters === undefined) {
    throw new ParametersError('this PNG has no generation parameters (no "parameters" text chunk)');
  }
  return parseA1111(parameters);
}
