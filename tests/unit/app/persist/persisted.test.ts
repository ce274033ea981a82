import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { keep, persisted, persistedValue, skip, type KeyValueStorage, type PersistPlan } from '../../../../src/app/persist/persisted';
import { intIn, oneOf, recordOf, text } from '../../../../src/app/persist/readers';
import { formPlan, modelChoice } from '../../../../src/app/persist/settings';

function memoryStorage(init: Record<string, string> = {}): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(init));
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

interface S {
  mode: 'a' | 'b';
  count: number;
  note: string;
  scratch: string;
}
const plan: PersistPlan<S> = {
  mode: keep(oneOf('a', 'b')),
  count: keep(intIn(1, 4)),
  note: keep(text(10)),
  scratch: skip('typed content'),
};
const fresh = () => createStore<S>()(() => ({ mode: 'a', count: 1, note: '', scratch: '' }));

describe('persisted', () => {
  it('saves the kept keys only, and restores them', () => {
    const storage = memoryStorage();
    const a = fresh();
    persisted('t', a, plan, storage);
    a.setState({ mode: 'b', count: 3, scratch: 'secret prompt' });
    expect(JSON.parse(storage.data.get('muse-studio:t')!)).toEqual({ mode: 'b', count: 3, note: '' });
    const b = fresh();
    persisted('t', b, plan, storage);
    expect(b.getState()).toEqual({ mode: 'b', count: 3, note: '', scratch: '' });
  });

  it('validates on read: a bad value keeps its default and the good ones still apply', () => {
    const storage = memoryStorage({ 'muse-studio:t': JSON.stringify({ mode: 'z', count: 9, note: 'ok', scratch: 'x', extra: 1 }) });
    const s = fresh();
    persisted('t', s, plan, storage);
    expect(s.getState()).toEqual({ mode: 'a', count: 1, note: 'ok', scratch: '' });
  });

  it('survives unreadable JSON and storage that throws', () => {
    const s = fresh();
    persisted('t', s, plan, memoryStorage({ 'muse-studio:t': '{nope' }));
    expect(s.getState().mode).toBe('a');
    const throwing: KeyValueStorage = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => {},
    };
    const t = fresh();
    persisted('t', t, plan, throwing);
    expect(() => t.setState({ count: 2 })).not.toThrow();
  });

  it('forces a decision for every key (compile-time)', () => {
    // @ts-expect-error `scratch` has no decision
    const incomplete: PersistPlan<S> = { mode: keep(oneOf('a', 'b')), count: keep(intIn(1, 4)), note: keep(text(10)) };
    expect(incomplete).toBeDefined();
  });

  it('persistedValue falls back on a missing or invalid value', () => {
    const storage = memoryStorage({ 'muse-studio:b': '"quantum"' });
    const v = persistedValue('b', oneOf('auto', 'wasm'), 'auto', storage);
    expect(v.get()).toBe('auto');
    v.set('wasm');
    expect(v.get()).toBe('wasm');
  });
});

describe('the studio settings', () => {
  it('keeps settings but not the prompt', () => {
    expect(formPlan.prompt.persist).toBe(false);
    for (const k of ['negativePrompt', 'seedMode', 'seedText', 'count', 'overrides'] as const) expect(formPlan[k].persist).toBe(true);
  });

  it('keeps Advanced overrides as typed, dropping unknown fields', () => {
    const read = recordOf(/^(base|superRes)\.(steps|guidance|temperature)$/, text(32));
    expect(read({ 'base.steps': '2.5', 'superRes.guidance': '3', 'evil.__proto__': 'x', 'base.steps2': '1' })).toEqual({
      'base.steps': '2.5',
      'superRes.guidance': '3',
    });
  });

  it('reads the model choice only when well formed', () => {
    const ok = { kind: 'stored', id: 'tiny-fixture-0123456789ab', displayName: 'Tiny', origin: { kind: 'url', url: 'https://m.example/p/' } };
    expect(modelChoice(memoryStorage({ 'muse-studio:model': JSON.stringify(ok) })).get()).toEqual(ok);
    const bad = { ...ok, id: '../../x' };
    expect(modelChoice(memoryStorage({ 'muse-studio:model': JSON.stringify(bad) })).get()).toEqual({ kind: 'default' });
  });
});

describe('the editor settings', () => {
  it('keeps brush and edit settings, never the photo', async () => {
    const { useEditor } = await import('../../../../src/app/editor/store');
    const { editorPlan, persistEditor } = await import('../../../../src/app/persist/editorSettings');
    for (const k of ['source', 'photo', 'history', 'staged', 'sent'] as const) expect(editorPlan[k].persist).toBe(false);
    const storage = memoryStorage({
      'muse-studio:editor': JSON.stringify({ brushSize: 40, tool: 'eraser', overlayColor: '#00ff00', overlayOpacity: 7, photo: { name: 'x' } }),
    });
    const stop = persistEditor(storage);
    const s = useEditor.getState();
    expect([s.brushSize, s.tool, s.overlayColor, s.overlayOpacity, s.photo]).toEqual([40, 'eraser', '#00ff00', 0.5, undefined]);
    useEditor.setState({ feather: 9 });
    expect(JSON.parse(storage.data.get('muse-studio:editor')!)).toMatchObject({ feather: 9, brushSize: 40 });
    stop();
  });
});
