/**
 * Turning what the user picked or dropped into `path → File` for a package folder:
 * the directory picker (`showDirectoryPicker`, Chromium), `<input webkitdirectory>` (all
 * browsers), or a dropped folder (`webkitGetAsEntry`). Paths are relative to the package, i.e.
 * to the folder holding manifest.json: picking its parent works when it holds just that folder.
 */
import { PackageError } from '../../engine';

export interface PickedFolder {
  name: string;
  files: Map<string, File>;
}

/** The error for a folder with no manifest.json where a package should be. */
export function noManifest(name: string): PackageError {
  return new PackageError(
    `there is no manifest.json in the folder "${name}". Pick the package folder itself (the one holding manifest.json), or a diffusers aMUSEd snapshot (the one holding model_index.json).`,
  );
}

/** Re-roots `files` at the folder that holds manifest.json (the root, or its only subfolder). */
export function packageRoot(folder: PickedFolder): PickedFolder {
  if (folder.files.has('manifest.json')) return folder;
  const tops = new Set([...folder.files.keys()].map((p) => p.split('/')[0]));
  if (tops.size === 1) {
    const [top] = tops;
    if (folder.files.has(`${top}/manifest.json`)) {
      const files = new Map<string, File>();
      for (const [p, f] of folder.files) files.set(p.slice(top.length + 1), f);
      return { name: top, files };
    }
  }
  throw noManifest(folder.name);
}

/** From `<input type="file" webkitdirectory>`: paths are "<folder>/<path>". */
export function folderFromFileList(list: FileList | File[]): PickedFolder {
  const files = new Map<string, File>();
  let name = '';
  for (const file of Array.from(list)) {
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    const slash = rel.indexOf('/');
    if (!name) name = slash > 0 ? rel.slice(0, slash) : 'folder';
    files.set(slash > 0 ? rel.slice(slash + 1) : rel, file);
  }
  return { name: name || 'folder', files };
}

interface DirHandle {
  kind: 'directory';
  name: string;
  values(): AsyncIterable<DirHandle | FileHandle>;
}
interface FileHandle {
  kind: 'file';
  name: string;
  getFile(): Promise<File>;
}

async function walkHandle(dir: DirHandle, prefix: string, out: Map<string, File>): Promise<void> {
  for await (const entry of dir.values()) {
    const path = prefix + entry.name;
    if (entry.kind === 'file') out.set(path, await entry.getFile());
    else await walkHandle(entry, `${path}/`, out);
  }
}

/** True where the File System Access directory picker exists (Chromium). */
export function hasDirectoryPicker(): boolean {
  return typeof (window as unknown as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';
}

/** Opens the directory picker; null when the user cancelled. */
export async function pickDirectory(): Promise<PickedFolder | null> {
  const picker = (window as unknown as { showDirectoryPicker(opts?: object): Promise<DirHandle> }).showDirectoryPicker;
  let handle: DirHandle;
  try {
    handle = await picker.call(window, { id: 'muse-model', mode: 'read' });
  } catch (e) {
    if ((e as { name?: string }).name === 'AbortError') return null;
    throw e;
  }
  const files = new Map<string, File>();
  await walkHandle(handle, '', files);
  return { name: handle.name, files };
}

// The older entries API (FileSystemEntry), which drag-and-drop offers in every browser.
async function walkEntry(dir: FileSystemDirectoryEntry, prefix: string, out: Map<string, File>): Promise<void> {
  const reader = dir.createReader();
  // readEntries returns at most ~100 entries per call: repeat until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return;
    for (const entry of batch) {
      const path = prefix + entry.name;
      if (entry.isFile) out.set(path, await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail)));
      else if (entry.isDirectory) await walkEntry(entry as FileSystemDirectoryEntry, `${path}/`, out);
    }
  }
}

/**
 * The folder in a drop, or null when the drop holds no folder. Must be called during the drop
 * event (the entries are gone afterwards); the files are read after it.
 */
export function folderFromDrop(data: DataTransfer): Promise<PickedFolder> | null {
  const items = Array.from(data.items ?? []);
  const entries = items.map((i) => i.webkitGetAsEntry?.() ?? null);
  const dir = entries.find((e) => e?.isDirectory) as FileSystemDirectoryEntry | undefined;
  if (!dir) return null;
  return (async () => {
    const files = new Map<string, File>();
    await walkEntry(dir, '', files);
    return { name: dir.name, files };
  })();
}
