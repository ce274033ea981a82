import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SnapshotSource } from '../engine/diffusers';
import { PackageError, describeError } from '../engine/errors';
import { pathProblem } from '../engine/manifest/paths';

/**
 * A diffusers snapshot in a local folder (CLI and Node tests). Weights are read in byte ranges
 * through a file handle and hashed as a stream, so a 2.4 GB transformer is never held whole in
 * one buffer here.
 */
export function createFsSnapshotSource(dir: string): SnapshotSource {
  const root = resolve(dir);
  const where = (path: string): string => {
    const problem = pathProblem(path);
    if (problem) throw new PackageError(`path ${problem}`, path);
    return join(root, path);
  };
  const fail = (path: string, err: unknown): PackageError => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new PackageError(`file not found in ${dir}`, path);
    return new PackageError(`could not be read from ${dir} (${describeError(err)})`, path);
  };
  return {
    label: dir,
    async read(path) {
      try {
        const buf = await readFile(where(path));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        throw err instanceof PackageError ? err : fail(path, err);
      }
    },
    async exists(path) {
      try {
        return (await stat(where(path))).isFile();
      } catch {
        return false;
      }
    },
    async list(folder) {
      try {
        const entries = await readdir(folder === '' ? root : where(folder), { withFileTypes: true });
        return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
      } catch {
        return [];
      }
    },
    async sha256(path) {
      const hash = createHash('sha256');
      try {
        for await (const chunk of createReadStream(where(path), { highWaterMark: 4 * 2 ** 20 })) hash.update(chunk as Buffer);
      } catch (err) {
        throw err instanceof PackageError ? err : fail(path, err);
      }
      return hash.digest('hex');
    },
    async readRange(path, start, end) {
      let fh;
      try {
        fh = await open(where(path), 'r');
        const out = new Uint8Array(end - start);
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await fh.read(out, done, out.length - done, start + done);
          if (bytesRead === 0) throw new PackageError(`ends before byte ${end} (truncated file?)`, path);
          done += bytesRead;
        }
        return out;
      } catch (err) {
        throw err instanceof PackageError ? err : fail(path, err);
      } finally {
        await fh?.close();
      }
    },
  };
}
