/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): for every pixel, the distance to the nearest pixel of a set, in
 * two separable passes of the 1-D lower-envelope-of-parabolas algorithm. Linear time, so the
 * feather of a mask on a 4096-pixel photo costs a few passes over the band it touches.
 */

/**
 * Stands in for "no set pixel on this line": far above any real squared distance (≤ 2·4096²),
 * yet small enough that every sum here is an integer below 2^53 and so exact.
 */
const FAR = 1e12;

/** 1-D squared distance transform of f (0 at set pixels, FAR elsewhere), written into d. */
function transform1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    // Intersection of the parabola rooted at q with the rightmost one of the envelope.
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = dq * dq + f[v[k]];
  }
}

/**
 * Squared Euclidean distance from every pixel of a `width` × `height` grid to the nearest pixel
 * where `isSet(x, y)` is true (0 on the set). A grid without set pixels gives values ≥ 1e12.
 */
export function squaredDistanceToSet(width: number, height: number, isSet: (x: number, y: number) => boolean): Float64Array {
  const out = new Float64Array(width * height);
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = isSet(x, y) ? 0 : FAR;
    transform1d(f, height, d, v, z);
    for (let y = 0; y < height; y++) out[y * width + x] = d[y];
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = out[row + x];
    transform1d(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = d[x];
  }
  return out;
}
