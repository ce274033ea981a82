/** Reads a response body chunk by chunk, reporting the running total (downloads with progress). */
export async function readBody(res: Response, onBytes?: (received: number) => void): Promise<Uint8Array> {
  if (!res.body || !onBytes) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onBytes(received);
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A response's body as a stream; a response without one (e.g. an empty file) gives an empty stream rather than null. */
export function bodyStream(res: Response): ReadableStream<Uint8Array> {
  return res.body ?? new Response(new Uint8Array(0)).body!;
}
