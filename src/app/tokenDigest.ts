/** A short FNV-1a digest of result tokens, to compare runs without shipping whole arrays. */
export function tokenDigest(tokens: { base: Int32Array[]; superRes?: Int32Array[] }): string {
  let h = 0x811c9dc5;
  const feed = (arr: Int32Array) => {
    for (const v of arr) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193);
      h ^= (v >>> 8) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff; // separator between images
    h = Math.imul(h, 0x01000193);
  };
  tokens.base.forEach(feed);
  tokens.superRes?.forEach(feed);
  return (h >>> 0).toString(16).padStart(8, '0');
}
