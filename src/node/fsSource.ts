import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PackageError, describeError } from '../engine/errors';
import { pathProblem } from '../engine/manifest/paths';
import type { PackageSource } from '../engine/package/source';

/**
 * A package in a local folder (CLI and Node tests). Lives outside src/engine so the engine stays
 * free of Node built-ins and bundles unchanged into the browser worker.
 */
export function createFsSource(dir: string): PackageSource {
  const root = resolve(dir);
  return {
    label: dir,
    async read(path: string): Promise<Uint8Array> {
      // The manifest validator already rejects such paths; checking again keeps this source safe
      // on its own (it may be handed a path before the manifest is validated).
      const problem = pathProblem(path);
      if (problem) throw new PackageError(`path ${problem}`, path);
      try {
        const buf = await readFile(join(root, path));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new PackageError(`file not found in ${dir}`, path);
        if (code === 'EISDIR') throw new PackageError(`is a folder in ${dir}, expected a file`, path);
        throw new PackageError(`could not be read from ${dir} (${describeError(err)})`, path);
      }
    },
  };
}
