/**
 * What of the studio survives a reload, decided key by key (see persisted.ts):
 * the form's settings, the backend override and the chosen model.
 */
import { useForm, type FormState } from '../store/form';
import { useStudio } from '../store/studio';
import type { BackendPreference } from '../../worker/protocol';
import { keep, persisted, persistedValue, skip, type KeyValueStorage, type PersistPlan } from './persisted';
import { intIn, oneOf, recordOf, text } from './readers';
import type { FieldKey } from '../settings/validate';
import { checkOrigin, type PackageOrigin } from '../models/store';
import { ID_PATTERN } from '../../storage/layout';

export const formPlan: PersistPlan<FormState> = {
  prompt: skip('a prompt is content, not a setting: saved images keep theirs in the gallery'),
  negativePrompt: keep(text(2000)),
  seedMode: keep(oneOf('random', 'locked')),
  seedText: keep(text(32)),
  count: keep(intIn(1, 4)),
  // Raw strings, as typed: an invalid value comes back with its message, like before the reload.
  recallNote: skip('a confirmation of one recall, about this visit only'),
  overrides: keep(recordOf(/^(base|superRes)\.(steps|guidance|temperature)$/, text(32)) as (raw: unknown) => Partial<Record<FieldKey, string>> | undefined),
};

/** Restores the form's settings and keeps saving them. */
export function persistForm(storage?: KeyValueStorage): () => void {
  return persisted('form', useForm, formPlan, storage);
}

/** The backend override chosen in the header (a `?backend=` URL parameter is not saved). */
export const backendSetting = (storage?: KeyValueStorage) =>
  persistedValue<BackendPreference>('backend', oneOf('auto', 'webgpu', 'wasm'), 'auto', storage);

/**
 * Which model to load at start: the built-in default, or a stored package by id, with what
 * "Download again" needs if the browser evicted it.
 */
export type ModelChoice = { kind: 'default' } | { kind: 'stored'; id: string; displayName: string; origin: PackageOrigin };

const readChoice = (raw: unknown): ModelChoice | undefined => {
  const r = raw as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) return undefined;
  if (r.kind === 'default') return { kind: 'default' };
  const origin = checkOrigin(r.origin);
  if (r.kind === 'stored' && typeof r.id === 'string' && ID_PATTERN.test(r.id) && typeof r.displayName === 'string' && origin) {
    return { kind: 'stored', id: r.id, displayName: r.displayName.slice(0, 200), origin };
  }
  return undefined;
};

export const modelChoice = (storage?: KeyValueStorage) => persistedValue<ModelChoice>('model', readChoice, { kind: 'default' }, storage);

/**
 * Saves the backend override whenever the user changes it. Call after applying the start-up
 * choice, so a `?backend=` parameter (set before this) is not saved.
 */
export function saveBackendChanges(storage?: KeyValueStorage): () => void {
  const setting = backendSetting(storage);
  return useStudio.subscribe((s, prev) => {
    if (s.backend.preference !== prev.backend.preference) setting.set(s.backend.preference);
  });
}
