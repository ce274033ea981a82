import { describe, expect, it, vi } from 'vitest';
import { encodePng, formatA1111 } from '../../../src/engine/png';
import { listenForPngDrops, readParamsFromFile } from '../../../src/gallery';
import { testImage } from '../png/pngTestUtils';
import { params } from './helpers';


async function pngFile(text: Record<string, string>, name = 'image.png'): Promise<File> {
  return new File([encodePng(testImage(2, 2), text)], name, { type: 'image/png' });
}

describe('readParamsFromFile', () => {
  it('reads the parameters of a Muse Studio PNG', async () => {
    const p = params({ negativePrompt: 'fog' });
    expect(await readParamsFromFile(await pngFile({ parameters: formatA1111(p) }))).toEqual({ ok: true, params: p });
  });

  it.each<[string, () => Promise<Blob>, RegExp]>([
    ['a text file', async () => new File(['hello'], 'notes.txt'), /^“notes\.txt” is not a PNG image/],
    ['an empty file', async () => new File([], 'empty.png'), /^“empty\.png” is empty/],
    ['a PNG without parameters', () => pngFile({ Software: 'paint' }), /has no generation settings/],
    ['unusable parameters', () => pngFile({ parameters: 'cat\nSteps: 1, CFG scale: 1, Seed: abc, Size: 1x1, Model: m' }), /cannot be used: Seed must be/],
    [
      'a damaged PNG',
      async () => {
        const bytes = new Uint8Array(await (await pngFile({ parameters: 'x' })).arrayBuffer());
        bytes[45] ^= 0xff; // inside the tEXt data (IHDR ends at 33; tEXt data starts at 41)
        return new File([bytes], 'bad.png');
      },
      /^“bad\.png” is a damaged PNG: PNG chunk tEXt has a bad CRC/,
    ],
    ['a nameless blob', async () => new Blob(['GIF89a']), /^The dropped file is not a PNG image/],
  ])('explains %s', async (_name, make, message) => {
    const r = await readParamsFromFile(await make());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

/** A drag event as a browser would send it, on Node's EventTarget. */
function dragEvent(type: string, files: File[] | null): Event {
  const e = new Event(type, { cancelable: true });
  const dataTransfer = files && { types: ['Files'], files, dropEffect: 'none' };
  Object.defineProperty(e, 'dataTransfer', { value: dataTransfer ?? { types: ['text/plain'], files: [] } });
  return e;
}

describe('listenForPngDrops', () => {
  function setup() {
    const target = new EventTarget();
    const cb = { onParams: vi.fn(), onError: vi.fn(), onDragging: vi.fn() };
    const stop = listenForPngDrops(target, cb);
    return { target, cb, stop };
  }

  it('recalls the parameters of one dropped PNG and tracks the drag', async () => {
    const { target, cb } = setup();
    const p = params();
    const file = await pngFile({ parameters: formatA1111(p) });
    target.dispatchEvent(dragEvent('dragenter', [file]));
    target.dispatchEvent(dragEvent('dragenter', [file])); // entering a child element
    target.dispatchEvent(dragEvent('dragleave', [file]));
    expect(cb.onDragging.mock.calls).toEqual([[true]]);
    const over = dragEvent('dragover', [file]);
    target.dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true);
    const drop = dragEvent('drop', [file]);
    target.dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    expect(cb.onDragging.mock.calls).toEqual([[true], [false]]);
    await vi.waitFor(() => expect(cb.onParams).toHaveBeenCalledWith(p));
    expect(cb.onError).not.toHaveBeenCalled();
  });

  it('asks for one file at a time', () => {
    const { target, cb } = setup();
    target.dispatchEvent(dragEvent('drop', [new File(['a'], 'a.png'), new File(['b'], 'b.png')]));
    expect(cb.onError).toHaveBeenCalledWith('Drop one PNG at a time to reuse its settings.');
  });

  it('reports a non-PNG drop and changes nothing', async () => {
    const { target, cb } = setup();
    target.dispatchEvent(dragEvent('drop', [new File(['x'], 'photo.jpg')]));
    await vi.waitFor(() => expect(cb.onError).toHaveBeenCalledWith(expect.stringMatching(/“photo\.jpg” is not a PNG image/)));
    expect(cb.onParams).not.toHaveBeenCalled();
  });

  it('leaves alone drops that another handler took, drags without files, and stops when disposed', async () => {
    const { target, cb, stop } = setup();
    const file = await pngFile({ parameters: formatA1111(params()) });
    const taken = dragEvent('drop', [file]);
    taken.preventDefault();
    target.dispatchEvent(taken);
    const text = dragEvent('drop', null);
    target.dispatchEvent(text);
    expect(text.defaultPrevented).toBe(false);
    stop();
    target.dispatchEvent(dragEvent('drop', [file]));
    await new Promise((r) => setTimeout(r, 20));
    expect(cb.onParams).not.toHaveBeenCalled();
    expect(cb.onError).not.toHaveBeenCalled();
  });
});
