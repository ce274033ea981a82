/**
 * Engine results as protocol events: images become WireImages whose buffers are transferred,
 * not copied, and every event goes with the list of buffers to transfer.
 */
import type { EditRequest, EditResult, GenerateRequest, GenerateResult, Progress, RgbaImage } from '../engine';
import { editParams, encodePng, formatA1111, PARAMETERS_KEY, resultParams, type GenerationParams, type ResultSource } from '../engine/png';
import { errorMessage } from './backend';
import type { BackendKind, ResultImage, WireImage, WorkerEvent } from './protocol';

/** An event and the buffers its postMessage moves. */
export interface Outgoing {
  event: WorkerEvent;
  transfer: Transferable[];
}

/**
 * The image's bytes as a WireImage. The engine's result images own their whole buffer, which is
 * then moved as it is; `copy` (previews, which may share the engine's working buffers) or a
 * view into a larger buffer moves a copy instead.
 */
export function toWire(img: RgbaImage, copy: boolean): WireImage {
  const d = img.data;
  const whole = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer;
  const rgba = copy || !whole ? d.slice().buffer : (d.buffer as ArrayBuffer);
  return { width: img.width, height: img.height, rgba };
}

/** A progress event, with a copy of each preview (transferred). */
export function progressEvent(jobId: string, p: Progress): Outgoing {
  const previews = p.preview?.map((img) => toWire(img, true));
  return {
    event: {
      type: 'progress',
      jobId,
      stage: p.stage,
      step: p.step,
      totalSteps: p.totalSteps,
      overallStep: p.overallStep,
      overallTotal: p.overallTotal,
      previews,
      ...(p.window ? { window: p.window } : {}),
    },
    transfer: previews?.map((w) => w.rgba) ?? [],
  };
}

/**
 * A finished image with its PNG file: encoded here, where the pixels are, so the UI thread
 * neither copies nor encodes. A PNG that cannot be written (text the format cannot hold) leaves
 * `png` null with the reason; the pixels still go to the UI.
 */
export function toResultImage(img: RgbaImage, params: GenerationParams): ResultImage {
  let png: ArrayBuffer | null = null;
  let pngError: string | undefined;
  try {
    png = encodePng(img, { [PARAMETERS_KEY]: formatA1111(params) }).buffer;
  } catch (e) {
    pngError = errorMessage(e);
  }
  return { ...toWire(img, false), png, params, ...(pngError !== undefined ? { pngError } : {}) };
}

const buffersOf = (images: ResultImage[]): Transferable[] => images.flatMap((w) => (w.png ? [w.rgba, w.png] : [w.rgba]));

/** How a request and its model name read as the source of a result's parameters. */
function sourceOf(req: GenerateRequest, model: string, settings: ResultSource['settings']): ResultSource {
  return { prompt: req.prompt, ...(req.negativePrompt !== undefined ? { negativePrompt: req.negativePrompt } : {}), seed: req.seed, model, settings };
}

/** The `result` event of a generation: images, their PNGs and the tokens move to the UI. */
export function resultEvent(jobId: string, req: GenerateRequest, model: string, result: GenerateResult, backend: BackendKind): Outgoing {
  const src = sourceOf(req, model, result.settings);
  const images = result.images.map((img, k) => toResultImage(img, resultParams(src, img, k)));
  // Copies (a few KiB): the engine's token arrays may be views of one buffer, which could not be
  // transferred once per image.
  const tokens = { base: result.tokens.base.map((t) => t.slice()), superRes: result.tokens.superRes?.map((t) => t.slice()) };
  return {
    event: { type: 'result', jobId, images, tokens, settings: result.settings, promptTruncated: result.promptTruncated, timings: result.timings, backend },
    transfer: [...buffersOf(images), ...tokens.base.map((t) => t.buffer), ...(tokens.superRes ?? []).map((t) => t.buffer)],
  };
}

/** The `editResult` event of an edit: its PNGs also record how the photo was edited. */
export function editResultEvent(jobId: string, req: EditRequest, model: string, result: EditResult, backend: BackendKind): Outgoing {
  const src = sourceOf(req, model, result.settings);
  const extra = editParams(req);
  const images = result.images.map((img, k) => {
    const params = resultParams(src, img, k);
    return toResultImage(img, { ...params, extra: { ...params.extra, ...extra } });
  });
  return {
    event: {
      type: 'editResult',
      jobId,
      images,
      settings: result.settings,
      promptTruncated: result.promptTruncated,
      timings: result.timings,
      backend,
      changedFraction: result.changedFraction,
      windows: result.windows,
    },
    transfer: buffersOf(images),
  };
}
