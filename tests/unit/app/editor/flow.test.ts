// The editor's commands against a fake worker: Edit sends one `edit` job through the shared
// queue, its answer is staged, Next variation uses seed + 1, Accept saves to the gallery and
// chains. (The real worker and engine run in tests/e2e/editor.spec.ts.)
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../../../src/app/commands';
import { acceptStaged, connectEditor, editAvailability, nextVariation, startEdit } from '../../../../src/app/editor/commands';
import { editorActions, useEditor } from '../../../../src/app/editor/store';
import { useForm } from '../../../../src/app/store/form';
import { applyEvent, useStudio } from '../../../../src/app/store/studio';
import { useGallery } from '../../../../src/gallery';
import type { Manifest } from '../../../../src/engine';
import type { EditJobRequest, WorkerEvent, WorkerRequest } from '../../../../src/worker/protocol';
import { editResultEvent } from '../../../../src/worker/wire';

const posted: { msg: WorkerRequest; transfer: Transferable[] }[] = [];
let emit: (e: WorkerEvent) => void = () => {};

const stage = (size: number) => ({ imageSize: [size, size], grid: [4, 4], defaults: { steps: 2, guidance: 3, guidanceRamp: 'linear', temperature: 1, confidenceNoise: 4.5 } });
const manifest = { name: 'tiny-fixture', displayName: 'Tiny', stages: { base: stage(32), superRes: stage(64) } } as unknown as Manifest;

beforeAll(() => {
  connectEngine(() => {
    const w = {
      onmessage: null as ((ev: MessageEvent<WorkerEvent>) => void) | null,
      onerror: null,
      onmessageerror: null,
      postMessage(msg: WorkerRequest, transfer: Transferable[] = []) {
        posted.push({ msg, transfer });
      },
      terminate() {},
    };
    emit = (e) => w.onmessage?.({ data: e } as MessageEvent<WorkerEvent>);
    return w as unknown as Worker;
  });
  connectEditor();
  useStudio.setState({ model: { status: 'ready', manifest, url: '/tests/fixtures/tiny/' } });
  useForm.setState({ prompt: 'a balloon', seedMode: 'locked', seedText: '7' });
});

const lastEdit = () => posted.filter((p) => p.msg.type === 'edit').at(-1)! as { msg: EditJobRequest; transfer: Transferable[] };
const availability = () => editAvailability(useForm.getState(), useStudio.getState(), useEditor.getState());

/** Answers like the worker: the event (with the result's PNG) that src/worker/wire.ts builds. */
function answer(msg: EditJobRequest, fill: number) {
  const { width, height } = msg.request.image;
  emit({ type: 'started', jobId: msg.jobId, backend: 'wasm' });
  const result = {
    images: [{ width, height, data: new Uint8ClampedArray(width * height * 4).fill(fill) }],
    settings: { base: manifest.stages.base.defaults, superRes: manifest.stages.superRes!.defaults },
    promptTruncated: false,
    timings: {},
    changedFraction: 0.25,
    windows: [{ x: 0, y: 0, width, height }],
  };
  emit(editResultEvent(msg.jobId, msg.request, manifest.name, result, 'wasm').event);
}

describe('editor flow', () => {
  it('Edit is disabled without a photo and with an empty mask, saying why', () => {
    expect(availability()).toMatchObject({ canEdit: false, reason: 'Open an image first: upload, drop or paste one.' });
    editorActions.usePhoto({ image: { width: 8, height: 4, data: new Uint8ClampedArray(8 * 4 * 4).fill(50) }, name: 'p.png' });
    expect(availability()).toMatchObject({ canEdit: false, reason: 'The mask is empty: paint the region to regenerate.' });
    startEdit();
    expect(posted.filter((p) => p.msg.type === 'edit')).toHaveLength(0);
    editorActions.setEditMode('text');
    expect(availability().canEdit).toBe(true);
    editorActions.setEditMode('inpaint');
  });

  it('a stroke enables Edit; the request carries the mask and transfers copies', () => {
    editorActions.pushOp({ kind: 'stroke', tool: 'brush', radius: 1, points: [1.5, 1.5] });
    expect(availability().canEdit).toBe(true);
    startEdit();
    const { msg, transfer } = lastEdit();
    expect(msg.request).toMatchObject({ mode: 'inpaint', seed: 7, prompt: 'a balloon', count: 1, feather: 2 });
    expect([...msg.request.mask!.data].filter((v) => v === 255)).toHaveLength(5);
    expect(transfer).toContain(msg.request.image.data.buffer);
    expect(msg.request.image.data).not.toBe(useEditor.getState().photo!.image.data);
    expect(useStudio.getState().job).toMatchObject({ id: msg.jobId, kind: 'edit' });
  });

  it('an edit during a job queues (one), and a third is refused by the same rule as Generate', () => {
    startEdit();
    expect(useStudio.getState().queued).toMatchObject({ kind: 'edit' });
    expect(availability()).toMatchObject({ canEdit: false, reason: 'One image job is running and one is queued.' });
    applyEvent({ type: 'cancelled', jobId: useStudio.getState().queued!.id });
  });

  it('the result is staged; Next variation runs seed + 1; Accept saves it and makes it the photo', async () => {
    const first = lastEdit().msg;
    answer(posted.find((p) => p.msg.type === 'edit')!.msg as EditJobRequest, 200);
    expect(useEditor.getState().staged).toMatchObject({ sent: { params: { seed: 7 } }, changedFraction: 0.25 });
    expect(useStudio.getState().job).toBeUndefined();

    nextVariation();
    const variation = lastEdit().msg;
    expect(variation.jobId).not.toBe(first.jobId);
    expect(variation.request.seed).toBe(8);
    answer(variation, 100);
    const staged = useEditor.getState().staged!;
    expect(staged.sent.params.seed).toBe(8);
    expect(staged.result.data[0]).toBe(100);

    acceptStaged();
    const s = useEditor.getState();
    expect(s.staged).toBeUndefined();
    expect(s.photo!.image).toBe(staged.result);
    expect(s.history.ops).toHaveLength(0);
    await expect.poll(() => useGallery.getState().items.length).toBe(1);
    expect(useGallery.getState().items[0].params).toMatchObject({ seed: 8, prompt: 'a balloon', extra: { Edit: 'inpaint' } });
  });
});
