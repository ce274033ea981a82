/**
 * Test photos for the editor flows, made in Node (exact pixels, no canvas colour management),
 * and small helpers to paint on the editing canvas and read canvases back.
 */
import { deflateSync } from 'node:zlib';
import { expect, type Page } from '@playwright/test';
import { encodePng } from '../../src/engine/png';

export interface Photo {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** The square that stands out from the gradient: x, y, size. */
export const SQUARE = { x: 200, y: 70, size: 60 };

/** A 320×200 gradient with a distinct green square (so a window has to be placed inside a wider photo). */
export function testPhoto(width = 320, height = 200): Photo {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x >= SQUARE.x && x < SQUARE.x + SQUARE.size && y >= SQUARE.y && y < SQUARE.y + SQUARE.size;
      const o = (y * width + x) * 4;
      if (inSquare) data.set([20, 200, 40, 255], o);
      else data.set([Math.round((255 * x) / (width - 1)), Math.round((255 * y) / (height - 1)), 128, 255], o);
    }
  }
  return { width, height, data };
}

export async function pngBytes(photo: Photo): Promise<Buffer> {
  return Buffer.from(encodePng(photo, {}));
}

/** A grayscale PNG of any size whose file stays small (a horizontal ramp compresses well). */
export function grayPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (gray), no interlace
  const row = Buffer.alloc(width + 1);
  for (let x = 0; x < width; x++) row[x + 1] = Math.floor((255 * x) / Math.max(1, width - 1));
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let crcTable: Uint32Array | undefined;
function crc32(bytes: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads a canvas's pixels (the editor draws with putImageData, so they are exact). */
export async function canvasPixels(page: Page, name: string): Promise<{ width: number; height: number; data: number[] }> {
  return page.getByRole('img', { name, exact: true }).evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, data: Array.from(d) };
  });
}

/** Drags the mouse across the photo from image point a to b (image pixels). */
export async function paint(page: Page, a: [number, number], b: [number, number], photo: { width: number; height: number }): Promise<void> {
  const canvas = page.getByRole('img', { name: 'Photo being edited' });
  const box = (await canvas.boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + ((x + 0.5) / photo.width) * box.width, box.y + ((y + 0.5) / photo.height) * box.height] as const;
  await page.mouse.move(...at(a));
  await page.mouse.down();
  await page.mouse.move(...at(b), { steps: 8 });
  await page.mouse.up();
}

export async function maskCount(page: Page): Promise<number> {
  return page.evaluate(() => window.__muse!.editor.maskCount());
}

/**
 * Which pixels an edit may change: painted ones, and those within `feather` px (Euclidean,
 * pixel centres) of a fully painted one — the engine's "weight > 0" (docs/ENGINE_API.md).
 */
export function changeable(mask: number[], width: number, height: number, feather: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] > 0) {
        out[y * width + x] = 1;
        continue;
      }
      search: for (let dy = -feather; dy <= feather; dy++) {
        for (let dx = -feather; dx <= feather; dx++) {
          const qx = x + dx;
          const qy = y + dy;
          if (qx < 0 || qy < 0 || qx >= width || qy >= height || dx * dx + dy * dy > feather * feather) continue;
          if (mask[qy * width + qx] === 255) {
            out[y * width + x] = 1;
            break search;
          }
        }
      }
    }
  }
  return out;
}

/** Waits for a staged result and returns what the test hook says about it. */
export async function waitForStaged(page: Page, timeout = 180_000) {
  await expect(page.getByRole('img', { name: 'Edited result' })).toBeVisible({ timeout });
  const staged = await page.evaluate(() => window.__muse!.editor.staged());
  if (!staged) throw new Error('no staged result');
  return staged;
}

/** Whether the overlay shows exactly the mask the next edit would send (painted ⇔ overlay alpha > 0). */
export async function overlayMatchesMask(page: Page): Promise<boolean> {
  return page.getByTestId('mask-overlay').evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const shown = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const mask = window.__muse!.editor.mask()!;
    return mask.length === c.width * c.height && mask.every((m, i) => m > 0 === shown[i * 4 + 3] > 0);
  });
}
