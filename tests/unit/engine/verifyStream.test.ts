/**
 * A file checked as it streams (large weights are stored chunk by chunk): the incremental sha256
 * agrees with the whole-file one, and a short, long or different file fails naming the path,
 * with the same words as the whole-file check.
 */
import { describe, expect, it } from 'vitest';
import { checkedStream, sha256Hex, verifyFile, verifyFileStream } from '../../../src/engine/package';

function chunked(bytes: Uint8Array, size: number, failAt?: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (failAt !== undefined && at >= failAt) return c.error(new TypeError('network error'));
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) % 251);

describe('checking a file as it streams', () => {
  it('passes the file through unchanged, in its chunks, when size and sha256 match', async () => {
    const entry = { bytes: bytes.length, sha256: await sha256Hex(bytes) };
    const seen: number[] = [];
    const { stream, failure } = checkedStream('w.safetensors', chunked(bytes, 1000), entry, (n) => seen.push(n));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    expect(out).toEqual(bytes);
    expect(seen).toHaveLength(101);
    expect(seen.at(-1)).toBe(bytes.length);
    expect(failure()).toBeUndefined();
  });

  it('fails a different, short or long file with the whole-file check’s words', async () => {
    const sha256 = await sha256Hex(bytes);
    const other = bytes.slice();
    other[5000] ^= 1;
    const whole = await verifyFile('w', other, { bytes: bytes.length, sha256 }).catch((e: Error) => e.message);
    const streamed = await verifyFileStream('w', chunked(other, 4096), { bytes: bytes.length, sha256 }).catch((e: Error) => e.message);
    expect(streamed).toBe(whole);
    expect(streamed).toMatch(/^w: sha256 mismatch: manifest says/);
    await expect(verifyFileStream('w', chunked(bytes.subarray(0, 5000), 4096), { bytes: bytes.length, sha256 })).rejects.toThrow(
      `w: expected ${bytes.length} bytes, found 5000 (the file is incomplete`,
    );
    await expect(verifyFileStream('w', chunked(bytes, 4096), { bytes: 5000, sha256 })).rejects.toThrow('w: expected 5000 bytes, found more');
  });

  it('says a failure came from the source (the network), not the check', async () => {
    const { stream, failure } = checkedStream('w', chunked(bytes, 1000, 3000), { bytes: bytes.length, sha256: await sha256Hex(bytes) });
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow();
    expect(failure()).toMatchObject({ from: 'source', error: expect.objectContaining({ message: 'network error' }) });
  });

  it("mode 'size' (bytes the caller hashed already) skips the hash but never the size", async () => {
    const wrongHash = { bytes: bytes.length, sha256: '0'.repeat(64) };
    const through = checkedStream('w', chunked(bytes, 1000), wrongHash, undefined, 'size');
    expect(new Uint8Array(await new Response(through.stream).arrayBuffer())).toEqual(bytes);
    const short = checkedStream('w', chunked(bytes.subarray(0, 5000), 1000), wrongHash, undefined, 'size');
    await expect(new Response(short.stream).arrayBuffer()).rejects.toThrow(`w: expected ${bytes.length} bytes, found 5000`);
    const long = checkedStream('w', chunked(bytes, 1000), { ...wrongHash, bytes: 5000 }, undefined, 'size');
    await expect(new Response(long.stream).arrayBuffer()).rejects.toThrow('w: expected 5000 bytes, found more');
  });
});
