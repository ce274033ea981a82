/**
 * Engine results as protocol events: images become WireImages whose buffers are transferred,
 * not copied, and every event goes with the list of buffers to transfer.
 */
import type { EditResult, GenerateResult, Progress, RgbaImage } from '../engine';
import type { BackendKind, WireImage, WorkerEvent } from './protocol';

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

/** The `result` event of a generation: images and tokens move to the UI. */
export function resultEvent(jobId: string, result: GenerateResult, backend: BackendKind): Outgoing {
  const images = result.images.map((img) => toWire(img, false));
  // Copies (a few KiB): the engine's token arrays may be views of one buffer, which could not be
  // transferred once per image.
  const tokens = { base: result.tokens.base.map((t) => t.slice()), superRes: result.tokens.superRes?.map((t) => t.slice()) };
  return {
    event: { type: 'result', jobId, images, tokens, settings: result.settings, promptTruncated: result.promptTruncated, timings: result.timings, backend },
    transfer: [...images.map((w) => w.rgba), ...tokens.base.map((t) => t.buffer), ...(tokens.superRes ?? []).map((t) => t.buffer)],
  };
}

/** The `editResult` event of an edit. */
export function editResultEvent(jobId: string, result: EditResult, backend: BackendKind): Outgoing {
  const images = result.images.map((img) => toWire(img, false));
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
    transfer: images.map((w) => w.rgba),
  };
}
