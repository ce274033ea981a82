/**
 * The model manager's state: stored packages, the download in progress, storage use, and the
 * questions the manager is asking (allow a model site, download an evicted model again).
 * Changed only by the actions in actions.ts and boot.ts.
 */
import { create } from 'zustand';
import type { FileProgress } from './install';
import type { HubSummary } from './hub';
import type { FolderSnapshotSummary } from './folderSnapshot';
import type { PackageOrigin, StoredPackage } from './store';

export interface DownloadState {
  /** What the user gave (URL as typed, or folder name), or "Built-in model". */
  label: string;
  displayName?: string;
  files: FileProgress[];
  status: 'running' | 'failed';
  /** Set when failed: the whole message, ready to show. */
  error?: string;
  /** A network failure or an interrupted visit: Resume continues with the files already verified. */
  resumable: boolean;
  /** The staged id of a resumable download: Discard deletes what it saved. */
  resumeId?: string;
}

/** A Hugging Face model id being looked up, or looked up and waiting for the user's go. */
/** A diffusers snapshot the panel describes before adding it: looked up on the Hub, or a folder from this device. */
export interface HubState {
  /** What was looked up (`owner/name@revision`, as typed), or the folder's name. */
  id: string;
  status: 'checking' | 'ready' | 'failed';
  /** Where it comes from (absent: the Hub). */
  from?: 'hub' | 'folder';
  summary?: HubSummary | FolderSnapshotSummary;
  error?: string;
}

export interface ModelsState {
  /** The store was listed at least once. */
  ready: boolean;
  /** Why models cannot be stored in this browser (no Cache Storage), if so. */
  unavailable?: string;
  packages: StoredPackage[];
  /** The stored package that serves as the built-in default in this visit. */
  builtInId?: string;
  download?: DownloadState;
  /** A neutral note, e.g. that a package was already stored, or what "Check files" found. */
  info?: string;
  /** "Check files" running on a stored package: files hashed so far. */
  checking?: { id: string; done: number; total: number };
  /** The model chosen last time is gone from storage (evicted or cleared). */
  missing?: { id: string; displayName: string; origin: PackageOrigin };
  storage?: { usage: number; quota: number };
  /** navigator.storage.persisted(), once known. */
  persisted?: boolean;
  persistNote?: string;
  /** Model sites allowed in the stored list, and those allowed in THIS page's policy. */
  allowedOrigins: string[];
  pageOrigins: string[];
  /** The Hugging Face model the panel describes before its download. */
  hub?: HubState;
  /** Adding from another site needs the user's permission (and a reload to apply it). */
  askOrigin?: { input: string; origin: string; canApply: boolean };
}

export const useModels = create<ModelsState>()(() => ({
  ready: false,
  packages: [],
  allowedOrigins: [],
  pageOrigins: [],
}));

/** A model URL as people read it: the stored package's name for `stored:<id>`, else the URL. */
export function useModelLabel(url: string | undefined): string | undefined {
  return useModels((s) => {
    if (!url?.startsWith('stored:')) return url;
    return s.packages.find((p) => `stored:${p.id}` === url)?.displayName ?? 'stored model';
  });
}
