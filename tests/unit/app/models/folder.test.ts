import { describe, expect, it } from 'vitest';
import { folderFromFileList, packageRoot } from '../../../../src/app/models/folder';
import { InstallError, installPackage } from '../../../../src/app/models/install';
import { createFolderSource } from '../../../../src/app/models/sources';
import { ModelStore } from '../../../../src/app/models/store';
import { FakeCaches, tinyFiles } from './helpers';

function fileList(root: string, files: Map<string, Uint8Array>): File[] {
  return [...files].map(([p, bytes]) => {
    const f = new File([bytes as Uint8Array<ArrayBuffer>], p.split('/').at(-1)!);
    Object.defineProperty(f, 'webkitRelativePath', { value: `${root}/${p}` });
    return f;
  });
}

describe('adding a folder', () => {
  it('reads <input webkitdirectory> paths relative to the picked folder and stores the package', async () => {
    const folder = packageRoot(folderFromFileList(fileList('tiny', tinyFiles())));
    expect(folder.name).toBe('tiny');
    expect([...folder.files.keys()].sort()).toEqual([...tinyFiles().keys()].sort());
    const store = new ModelStore(new FakeCaches());
    const { record } = await installPackage(createFolderSource(folder.name, folder.files), { kind: 'folder', name: 'tiny' }, store);
    expect(record.origin).toEqual({ kind: 'folder', name: 'tiny' });
  });

  it('accepts the parent of the package folder when it holds only that folder', () => {
    const nested = new Map([...tinyFiles()].map(([p, b]) => [`tiny/${p}`, b] as const));
    const folder = packageRoot(folderFromFileList(fileList('models', nested)));
    expect(folder.name).toBe('tiny');
    expect(folder.files.has('manifest.json')).toBe(true);
  });

  it('a folder without a manifest says which folder to pick', () => {
    const files = tinyFiles();
    files.delete('manifest.json');
    expect(() => packageRoot(folderFromFileList(fileList('weights', files)))).toThrow(
      'there is no manifest.json in the folder "weights". Pick the package folder itself (the one holding manifest.json), or a diffusers aMUSEd snapshot (the one holding model_index.json).',
    );
  });

  it('a file the manifest lists but the folder lacks is named', async () => {
    const files = tinyFiles();
    files.delete('vqgan/encoder.onnx');
    const err = await installPackage(createFolderSource('tiny', new Map([...files].map(([p, b]) => [p, new Blob([b as Uint8Array<ArrayBuffer>])]))), { kind: 'folder', name: 'tiny' }, new ModelStore(new FakeCaches())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallError);
    expect((err as Error).message).toBe('vqgan/encoder.onnx: is not in the folder "tiny". Nothing was stored.');
  });
});
