/**
 * Whether two byte arrays hold the same bytes. Weights files are compared with Buffer.equals:
 * vitest's toEqual walks a megabyte array element by element (30 s for a few files on a busy
 * machine, past the 60 s test limit).
 */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
