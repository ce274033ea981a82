/**
 * Feedback where the eye is (issue 14.4), the parts that are store logic: Cancel keeps the last
 * result on the stage, a recall's confirmation lives beside the prompt until the prompt is
 * edited, and a photo resized by the last photo's size choice says so.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { applyEvent, useStudio, type GenerationResult } from '../../../src/app/store/studio';
import { formActions, useForm } from '../../../src/app/store/form';
import { editorActions, useEditor } from '../../../src/app/editor/store';

const params = { prompt: 'p', negativePrompt: '', seed: 5, count: 1, modelName: 'tiny', modelUrl: '/m/' };

function image(width: number, height: number) {
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(200) };
}

beforeEach(() => {
  useStudio.setState({ model: { status: 'idle' }, backend: { preference: 'auto', switching: false } }, true);
});

describe('Cancel', () => {
  it('keeps the previous result on the stage and notes the cancel', () => {
    const previous = { images: [], params, ms: 10, id: 'g0' } as unknown as GenerationResult;
    useStudio.setState({ result: previous, job: { id: 'g1', params, status: 'running', overallStep: 3, overallTotal: 10 } });
    applyEvent({ type: 'cancelled', jobId: 'g1' });
    const s = useStudio.getState();
    expect(s.job).toBeUndefined();
    expect(s.result).toBe(previous);
    expect(s.jobNote).toBe('Cancelled.');
  });
});

describe('recall note', () => {
  it('stays beside the prompt until the prompt is typed into', () => {
    formActions.setRecallNote('Settings recalled from the gallery: seed 7.');
    expect(useForm.getState().recallNote).toBe('Settings recalled from the gallery: seed 7.');
    formActions.setPrompt('a new prompt');
    expect(useForm.getState().recallNote).toBeUndefined();
  });
});

describe('photo size choice', () => {
  it('a "fit" kept from the last photo resizes the next one and says so; "original" adds nothing', () => {
    const model = { width: 64, height: 64 };
    const opened = (name: string) => ({ image: image(128, 96), name, original: { width: 128, height: 96 }, notices: [] });
    editorActions.opened(opened('first.png'), model);
    expect(useEditor.getState().notices).toEqual([]);
    editorActions.setSizing('fit', model);
    editorActions.opened(opened('second.png'), model);
    const s = useEditor.getState();
    expect(s.sizing).toBe('fit');
    expect(s.photo?.image.width).toBeLessThan(128);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatch(/^Resized from 128×96 to \d+×\d+ px by “Fit to the model”, kept from the last photo/);
  });
});
