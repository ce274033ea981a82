/** createUrlSource's `stream`: the same refusals as `read` (status, HTML pages), on a body passed on as it arrives. */
import { describe, expect, it } from 'vitest';
import { createUrlSource } from '../../../src/engine/package/urlSource';

/** A fetch answering every URL with `parts` as separate chunks. */
const answer =
  (parts: string[], init: ResponseInit = {}) =>
  async (): Promise<Response> => {
    const chunks = parts.map((p) => new TextEncoder().encode(p));
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(ctrl) {
          const next = chunks.shift();
          if (next) ctrl.enqueue(next);
          else ctrl.close();
        },
      }),
      init,
    );
  };

const text = async (s: ReadableStream<Uint8Array>): Promise<string> => new Response(s).text();

describe('createUrlSource stream', () => {
  it('passes a file on chunk by chunk, short files included', async () => {
    expect(await text(await createUrlSource('https://host/pkg/', answer(['{"a"', ':1}'])).stream('x.json'))).toBe('{"a":1}');
    expect(await text(await createUrlSource('https://host/pkg/', answer([])).stream('empty.bin'))).toBe('');
    const long = ['a'.repeat(50), 'b'.repeat(50), 'c'.repeat(5000)];
    expect(await text(await createUrlSource('https://host/pkg/', answer(long)).stream('w.bin'))).toBe(long.join(''));
  });

  it('refuses an HTML page, typed or only sniffed, even when its first bytes arrive in pieces', async () => {
    const typed = createUrlSource('https://host/pkg/', answer(['{}'], { headers: { 'content-type': 'text/html' } }));
    await expect(typed.stream('m.json')).rejects.toThrow(/^m\.json: the server answered https:\/\/host\/pkg\/m\.json with an HTML page/);
    const sniffed = createUrlSource('https://host/pkg/', answer(['\n  <!DOC', 'TYPE html><html>', '<body>app</body></html>']));
    await expect(text(await sniffed.stream('model.onnx'))).rejects.toThrow(/^model\.onnx: the server answered .* with an HTML page/);
  });

  it('names the file on a status that is not ok', async () => {
    await expect(createUrlSource('https://host/pkg/', answer(['no'], { status: 404 })).stream('a.onnx')).rejects.toThrow(/^a\.onnx: not found at https:\/\/host\/pkg\/a\.onnx/);
  });
});
