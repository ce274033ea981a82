/**
 * Draws the PWA icons (public/icons/*.png) from the same design as public/favicon.svg: a 3×3
 * grid of violet tokens on a dark rounded square. "any" icons keep transparent corners; the
 * maskable one fills the whole square and keeps the grid inside the central 80 % safe circle.
 * Run: npx tsx scripts/make-icons.ts
 */
import { writeFileSync } from 'node:fs';
import { encodePng } from '../src/engine/png';

const BG = [0x18, 0x18, 0x1b];
const FG = [0xa7, 0x8b, 0xfa];

/** True when (x, y) lies in the rounded rectangle (all in the 32-unit design space). */
function inRoundRect(x: number, y: number, x0: number, y0: number, w: number, h: number, r: number): boolean {
  const dx = Math.max(x0 + r - x, 0, x - (x0 + w - r));
  const dy = Math.max(y0 + r - y, 0, y - (y0 + h - r));
  if (x < x0 || y < y0 || x > x0 + w || y > y0 + h) return false;
  return dx * dx + dy * dy <= r * r;
}

/** Colour at a design-space point: [r, g, b, a] with a in 0..1. */
function shade(x: number, y: number, maskable: boolean): [number, number, number, number] {
  const inBg = maskable || inRoundRect(x, y, 0, 0, 32, 32, 7);
  if (!inBg) return [0, 0, 0, 0];
  // The maskable icon shrinks the grid about the centre so it stays inside the safe circle.
  const s = maskable ? 0.8 : 1;
  const gx = (x - 16) / s + 16;
  const gy = (y - 16) / s + 16;
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) {
      if (inRoundRect(gx, gy, 6 + col * 7, 6 + row * 7, 6, 6, 1)) {
        const alpha = (row + col) % 2 === 1 ? 0.45 : 1;
        return [
          FG[0] * alpha + BG[0] * (1 - alpha),
          FG[1] * alpha + BG[1] * (1 - alpha),
          FG[2] * alpha + BG[2] * (1 - alpha),
          1,
        ];
      }
    }
  }
  return [BG[0], BG[1], BG[2], 1];
}

function render(size: number, maskable: boolean): Uint8ClampedArray {
  const data = new Uint8ClampedArray(size * size * 4);
  const n = 4; // 4×4 supersampling
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const [cr, cg, cb, ca] = shade(((px + (sx + 0.5) / n) / size) * 32, ((py + (sy + 0.5) / n) / size) * 32, maskable);
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      data[i] = a ? r / a : 0;
      data[i + 1] = a ? g / a : 0;
      data[i + 2] = a ? b / a : 0;
      data[i + 3] = (a / (n * n)) * 255;
    }
  }
  return data;
}

const icons: Array<[string, number, boolean]> = [
  ['public/icons/icon-192.png', 192, false],
  ['public/icons/icon-512.png', 512, false],
  ['public/icons/icon-maskable-512.png', 512, true],
  ['public/icons/apple-touch-icon-180.png', 180, true],
];
for (const [file, size, maskable] of icons) {
  writeFileSync(file, encodePng({ width: size, height: size, data: render(size, maskable) }, {}));
  console.log(`${file} ${size}×${size}${maskable ? ' maskable' : ''}`);
}
