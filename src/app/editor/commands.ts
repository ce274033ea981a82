/**
 * The editor's commands, each defined once and used by buttons and shortcuts: open a file,
 * Edit (Mod+Enter in Edit mode), Next variation, Accept, Discard. Edits go through the same
 * job queue as Generate (`sendEdit` in ../commands.ts); their answers arrive through
 * `onEditResult` and are staged, never saved until accepted.
 */
import { availability, formRequest, sendEdit } from '../commands';
import { useForm, type FormState } from '../store/form';
import { onEditResult, useStudio, type EditJobResult, type StudioState } from '../store/studio';
import { openImageFile } from './image/open';
import type { Size } from './image/size';
import type { WireImage } from '../../worker/protocol';
import type { Manifest } from '../../engine';
import { saveResultImage } from '../galleryLink';
import { buildEditRequest, editBlocker, parseExtension } from './request';
import { useGallery } from '../../gallery';
import { editorActions, maskRasterOf, useEditor, type EditorState, type SentEdit } from './store';

/** The model's output size (its last stage), or undefined before a model is loaded. */
export function modelSize(manifest: Manifest | undefined): Size | undefined {
  const stages = manifest?.stages;
  if (!stages) return undefined;
  const [height, width] = (stages.superRes ?? stages.base).imageSize;
  return { width, height };
}

/** Opens a file, a dropped file or a pasted image; on failure the current photo stays. */
export async function openFile(file: Blob, fallbackName?: string): Promise<void> {
  editorActions.setOpening(true);
  const r = await openImageFile(file, fallbackName);
  if (r.ok) editorActions.opened(r.opened, modelSize(useStudio.getState().model.manifest));
  else editorActions.openFailed(r.message);
}

/** Whether the mask of the current photo regenerates nothing. */
export function maskIsEmpty(editor: EditorState): boolean {
  return !editor.photo || maskRasterOf(editor.photo.image).isEmpty(editor.history.ops);
}

export interface EditAvailability {
  canEdit: boolean;
  /** Why Edit is disabled, in words a user can act on. */
  reason?: string;
  /** True when pressing Edit now queues behind the running job. */
  willQueue: boolean;
}

/** Whether Edit can be pressed now, and why not: the editor's own reasons, then Generate's. */
export function editAvailability(form: FormState, studio: StudioState, editor: EditorState): EditAvailability {
  const common = availability(form, studio);
  const blocker = editBlocker({
    hasPhoto: editor.photo !== undefined,
    editMode: editor.editMode,
    maskEmpty: editor.editMode === 'inpaint' && maskIsEmpty(editor),
    extension: editor.photo && editor.editMode === 'outpaint' ? parseExtension(editor.extend, editor.photo.image) : undefined,
  });
  const reason = blocker ?? (common.canGenerate ? undefined : common.reason);
  return { canEdit: reason === undefined, reason, willQueue: common.willQueue };
}

/** Sends one run of `sent` with `seed` and remembers it until its result arrives. */
function run(sent: SentEdit, seed: number): void {
  const withSeed: SentEdit = { ...sent, params: { ...sent.params, seed, count: 1 } };
  const { request, transfer } = buildEditRequest(withSeed, seed);
  const id = sendEdit(request, withSeed.params, transfer);
  // Forget edits that ended without a result (errors, cancels): only the running and queued remain.
  const { job, queued } = useStudio.getState();
  editorActions.forget(Object.keys(useEditor.getState().sent).filter((k) => k !== job?.id && k !== queued?.id));
  editorActions.remember(id, withSeed);
}

/** Edit (Mod+Enter in Edit mode): inpaint, outpaint or edit by text with the form's prompt and seed. */
export function startEdit(): void {
  const editor = useEditor.getState();
  if (!editAvailability(useForm.getState(), useStudio.getState(), editor).canEdit || !editor.photo) return;
  const built = formRequest();
  if (!built) return;
  const { photo, editMode, history } = editor;
  const raster = maskRasterOf(photo.image);
  raster.sync(history.ops);
  const painted = !raster.isEmpty(history.ops);
  const extension = editMode === 'outpaint' ? parseExtension(editor.extend, photo.image) : undefined;
  const sent: SentEdit = {
    mode: editMode,
    photo,
    mask: editMode === 'inpaint' || (editMode === 'outpaint' && painted) ? raster.data.slice() : undefined,
    extend: extension?.ok ? extension.value : undefined,
    strength: editor.strength,
    feather: editor.feather,
    base: built.request.base,
    superRes: built.request.superRes,
    params: built.params,
  };
  run(sent, built.params.seed);
}

/** Next variation: the staged edit again with seed + 1. */
export function nextVariation(): void {
  const { staged } = useEditor.getState();
  const studio = useStudio.getState();
  if (!staged || !studio.model.manifest || (studio.job && studio.queued)) return;
  const seed = (staged.sent.params.seed + 1) >>> 0;
  useForm.setState({ seedText: String(seed) });
  run(staged.sent, seed);
}

/** Accept: the result's PNG goes to the gallery as the worker wrote it, and the result becomes the photo to edit next. */
export function acceptStaged(): void {
  const { staged } = useEditor.getState();
  if (!staged) return;
  editorActions.usePhoto({ image: staged.result, name: `edit of ${staged.sent.photo.name}` }, 'Accepted: saved to the gallery. Keep editing this image, or open another.');
  useEditor.setState({ staged: undefined });
  void saveResultImage(staged.file).then((saved) => {
    if (!saved) useEditor.setState({ note: `Accepted, but saving to the gallery failed: ${useGallery.getState().error ?? 'unknown error'}` });
  });
}

export function discardStaged(): void {
  editorActions.discard();
}

/** Stages a finished edit that this editor sent. */
function stageResult(r: EditJobResult): void {
  const sent = useEditor.getState().sent[r.id];
  const wire = r.images[0];
  if (!sent || !wire) return;
  editorActions.forget([r.id]);
  editorActions.stage({
    jobId: r.id,
    sent,
    result: { width: wire.width, height: wire.height, data: new Uint8ClampedArray(wire.rgba) },
    file: wire,
    offset: sent.mode === 'outpaint' && sent.extend ? { x: sent.extend.left, y: sent.extend.top } : { x: 0, y: 0 },
    settings: r.settings,
    changedFraction: r.changedFraction,
    windows: r.windows,
    backend: r.backend,
    promptTruncated: r.promptTruncated,
    ms: r.ms,
  });
}

/** Wires finished edits into the editor; returns the unsubscribe function. */
export function connectEditor(): () => void {
  return onEditResult(stageResult);
}

/** Opens an image from elsewhere in the studio (a generated result) in the editor. */
export function editImage(image: WireImage, name: string): void {
  editorActions.usePhoto({ image: { width: image.width, height: image.height, data: new Uint8ClampedArray(image.rgba.slice(0)) }, name });
  editorActions.setAppMode('edit');
}
