/**
 * What the user is typing: prompt, negative prompt, seed, count and the Advanced overrides.
 * Advanced fields hold raw strings so an invalid number stays on screen with its message;
 * a field without an override shows (and uses) the manifest default.
 */
import { create } from 'zustand';
import type { FieldKey } from '../settings/validate';

export type SeedMode = 'random' | 'locked';

export interface FormState {
  prompt: string;
  negativePrompt: string;
  seedMode: SeedMode;
  /** The seed field; in random mode it shows the seed of the last job. */
  seedText: string;
  count: number;
  overrides: Partial<Record<FieldKey, string>>;
  /**
   * "Settings recalled from …", shown beside the prompt (where the user looks next) until the
   * prompt is changed by hand or another recall replaces it.
   */
  recallNote?: string;
}

export const useForm = create<FormState>()(() => ({
  prompt: '',
  negativePrompt: '',
  seedMode: 'random',
  seedText: '',
  count: 1,
  overrides: {},
}));

export const formActions = {
  setPrompt: (prompt: string) => useForm.setState({ prompt, recallNote: undefined }),
  setRecallNote: (recallNote: string | undefined) => useForm.setState({ recallNote }),
  setNegativePrompt: (negativePrompt: string) => useForm.setState({ negativePrompt }),
  setSeedMode: (seedMode: SeedMode) => useForm.setState({ seedMode }),
  setSeedText: (seedText: string) => useForm.setState({ seedText, seedMode: 'locked' }),
  setCount: (count: number) => useForm.setState({ count: Math.min(4, Math.max(1, Math.round(count))) }),
  setOverride: (key: FieldKey, value: string) =>
    useForm.setState((s) => ({ overrides: { ...s.overrides, [key]: value } })),
  resetOverrides: () => useForm.setState({ overrides: {} }),
  /** Locks the seed to a previous job's seed ("reuse last"). */
  reuseSeed: (seed: number) => useForm.setState({ seedText: String(seed), seedMode: 'locked' }),
};
