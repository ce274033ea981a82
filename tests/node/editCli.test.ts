import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEditCli } from '../../src/cli/edit';
import { parseEditArgs, parseExtend } from '../../src/cli/editArgs';
import { concatBytes, encodeChunk, PNG_SIGNATURE } from '../../src/engine/png/chunks';
import { decodeImage } from '../../src/engine/image/decode';
import { encodePng, readPngParameters } from '../../src/engine/png';
import { FIXTURE_DIR, REPO_ROOT, tempDir, captureIo } from './helpers';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let photoPng: string;
let maskPng: string;
const W = 96;
const H = 64;

/** An 8-bit greyscale PNG (how masks are often saved), built by hand. */
function greyPng(width: number, height: number, value: (x: number, y: number) => number): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = value(x, y);
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return concatBytes([Uint8Array.from(PNG_SIGNATURE), encodeChunk('IHDR', ihdr), encodeChunk('IDAT', new Uint8Array(deflateSync(raw))), encodeChunk('IEND', new Uint8Array(0))]);
}

const inMask = (x: number, y: number) => x >= 40 && x < 60 && y >= 20 && y < 40;

beforeAll(async () => {
  tmp = await tempDir('muse-edit-cli-');
  const data = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) data.set([(p * 7) % 256, (p * 3) % 256, 200, 255], p * 4);
  photoPng = join(tmp.dir, 'photo.png');
  await writeFile(photoPng, encodePng({ width: W, height: H, data }, {}));
  maskPng = join(tmp.dir, 'mask.png');
  await writeFile(maskPng, greyPng(W, H, (x, y) => (inMask(x, y) ? 255 : 0)));
});
afterAll(async () => {
  await tmp?.cleanup();
});


const decode = async (file: string) => decodeImage(new Uint8Array(await readFile(file)));

describe('parseEditArgs', () => {
  it('parses every flag', () => {
    const o = parseEditArgs(['--image', 'a.png', '--mask', 'm.png', '--prompt', 'p', '--negative', 'n', '--seed', '3', '--count', '2', '--feather', '4', '--dilation', '0', '--steps', '2', '--sr-steps', '3', '--guidance', '1.5', '--temperature', '0.9', '--model', 'M', '--out', 'o.png']);
    expect(o).toEqual({ image: 'a.png', mask: 'm.png', extend: undefined, strength: undefined, prompt: 'p', negative: 'n', seed: 3, count: 2, feather: 4, dilation: 0, steps: 2, srSteps: 3, guidance: 1.5, temperature: 0.9, model: 'M', out: 'o.png' });
    expect(parseEditArgs(['--help'])).toBeNull();
    expect(parseEditArgs(['--image', 'a.png', '--prompt', 'x', '--model', 'hf:a/b', '--token', 'hf_AbC123', '--out', 'o.png'])?.token).toBe('hf_AbC123');
    expect(() => parseEditArgs(['--image', 'a.png', '--prompt', 'x', '--token', 'hf_a b', '--out', 'o.png'])).toThrow(/^--token is not a token/);
    expect(parseEditArgs(['--image', 'a.png', '--prompt', 'x', '--strength', '0.3', '--out', 'o.png'])?.strength).toBe(0.3);
  });

  it('parses --extend sides', () => {
    expect(parseExtend('left=64,right=32')).toEqual({ left: 64, right: 32, top: 0, bottom: 0 });
    expect(parseExtend(' top = 8 ')).toEqual({ left: 0, right: 0, top: 8, bottom: 0 });
  });

  it.each([
    [['--prompt', 'x', '--out', 'o.png'], /--image FILE is required \(PNG, JPEG or WebP\)/],
    [['--image', 'a.png', '--out', 'o.png'], /--prompt is required/],
    [['--image', 'a.png', '--prompt', 'x'], /--out FILE.png is required/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.jpg'], /--out must name a .png file/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--extend', 'left=-4'], /--extend must look like left=64,right=64/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--extend', 'wide=4'], /--extend must look like/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--extend', 'left=1,left=2'], /names left twice/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--strength', '0'], /--strength must be a number above 0 and at most 1, got "0"/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--strength', '1.5'], /--strength must be a number above 0 and at most 1, got "1.5"/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--strength', '0.5', '--mask', 'm.png'], /cannot be combined with --mask or --extend/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--dilation', '7'], /--dilation must be a whole number from 0 to 4/],
    [['--image', 'a.png', '--prompt', 'x', '--out', 'o.png', '--bogus'], /Unknown option '--bogus'/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseEditArgs(argv)).toThrow(message);
  });
});

describe('runEditCli on the fixture', () => {
  const common = ['--image', '', '--prompt', 'a red balloon', '--seed', '5', '--model', FIXTURE_DIR];
  const args = (...more: string[]) => {
    const a = [...common, ...more];
    a[1] = photoPng;
    return a;
  };

  it('inpaints with a greyscale mask PNG: input size, pixels outside mask + feather kept, edit recorded', async () => {
    const out = join(tmp.dir, 'inpaint.png');
    const io = captureIo();
    expect(await runEditCli(args('--mask', maskPng, '--feather', '2', '--out', out), io)).toBe(0);
    expect(io.out[0]).toMatch(/^wrote .*inpaint\.png \(96x64, inpaint, \d+\.\d% of pixels changeable, 1 window\(s\), seed 5, \d+ ms per image\)$/);
    const [result, input] = await Promise.all([decode(out), decode(photoPng)]);
    expect([result.width, result.height]).toEqual([W, H]);
    let outside = 0;
    let inside = 0;
    for (let p = 0; p < W * H; p++) {
      const x = p % W;
      const y = Math.floor(p / W);
      const same = [0, 1, 2, 3].every((c) => result.data[p * 4 + c] === input.data[p * 4 + c]);
      if (x >= 38 && x < 62 && y >= 18 && y < 42) inside += same ? 0 : 1;
      else outside += same ? 0 : 1;
    }
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(200);
    const params = readPngParameters(await readFile(out));
    expect(params).toMatchObject({ prompt: 'a red balloon', seed: 5, width: 96, height: 64, model: 'tiny-fixture', extra: { Edit: 'inpaint', 'Edit source': '96x64' } });
  });

  it('outpaints to input + extension and records the extension', async () => {
    const out = join(tmp.dir, 'outpaint.png');
    expect(await runEditCli(args('--extend', 'left=16,bottom=8', '--out', out), captureIo())).toBe(0);
    const result = await decode(out);
    expect([result.width, result.height]).toEqual([W + 16, H + 8]);
    expect(readPngParameters(await readFile(out)).extra).toEqual({ Edit: 'outpaint', 'Edit source': '96x64', 'Edit extend': 'left=16,right=0,top=0,bottom=8' });
  });

  it('edits by text without mask or extension; the same seed gives the same bytes', async () => {
    const a = join(tmp.dir, 'text-a.png');
    const b = join(tmp.dir, 'text-b.png');
    const io = captureIo();
    expect(await runEditCli(args('--strength', '0.3', '--count', '2', '--out', a), io)).toBe(0);
    expect(await runEditCli(args('--strength', '0.3', '--count', '2', '--out', b), captureIo())).toBe(0);
    expect(io.out[1]).toMatch(/text-a-2\.png \(96x64, edit by text, strength 0\.3, seed 6,/);
    const [pa, pb] = await Promise.all([readFile(a), readFile(b)]);
    expect(pa.equals(pb)).toBe(true);
    expect((await decode(a)).width).toBe(W);
    expect(readPngParameters(pa).extra).toEqual({ Edit: 'text', 'Edit source': '96x64', 'Edit strength': '0.3' });
  });

  it('explains unreadable inputs, a wrong mask and an empty mask (exit 1)', async () => {
    const jpeg = join(tmp.dir, 'photo.jpg');
    await writeFile(jpeg, Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
    const empty = join(tmp.dir, 'empty.png');
    await writeFile(empty, new Uint8Array(0));
    const small = join(tmp.dir, 'small-mask.png');
    await writeFile(small, greyPng(10, 10, () => 255));
    const blank = join(tmp.dir, 'blank-mask.png');
    await writeFile(blank, greyPng(W, H, () => 0));
    const cases: [string[], RegExp][] = [
      [['--image', jpeg, '--prompt', 'x', '--out', join(tmp.dir, 'x.png')], /--image .*photo\.jpg cannot be read: it is a damaged JPEG \(no frame header\)/],
      [['--image', empty, '--prompt', 'x', '--out', join(tmp.dir, 'x.png')], /--image .*empty\.png cannot be read: it is an empty file \(0 bytes\)/],
      [['--image', join(tmp.dir, 'nope.png'), '--prompt', 'x', '--out', join(tmp.dir, 'x.png')], /--image .*nope\.png: file not found/],
      [[...args('--mask', small, '--out', join(tmp.dir, 'x.png'))], /--mask .*small-mask\.png is 10x10 but --image .*photo\.png is 96x64/],
      [[...args('--mask', blank, '--out', join(tmp.dir, 'x.png'))], /error: the mask is empty: paint the region to regenerate/],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo();
      expect(await runEditCli(argv, io)).toBe(1);
      expect(io.err.join('\n')).toMatch(message);
    }
  });

  it('reads JPEG (as its EXIF orientation shows it) and WebP photos through the same decoders', async () => {
    const formats = join(REPO_ROOT, 'tests/fixtures/images/formats');
    const cases: [string, number, number][] = [['exif-rotate-6.jpg', 4, 8], ['lossless.webp', 6, 4], ['interlaced.png', 6, 4]];
    for (const [file, w, h] of cases) {
      const out = join(tmp.dir, `from-${file}.png`);
      const io = captureIo();
      expect(await runEditCli(['--image', join(formats, file), '--prompt', 'at night', '--strength', '0.3', '--seed', '2', '--model', FIXTURE_DIR, '--out', out], io), io.err.join('\n')).toBe(0);
      const result = await decode(out);
      expect([file, result.width, result.height]).toEqual([file, w, h]);
      expect(readPngParameters(await readFile(out)).extra?.['Edit source']).toBe(`${w}x${h}`);
    }
  });

  it('runs as a command (the npm run edit entry point)', async () => {
    const out = join(tmp.dir, 'cmd.png');
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/edit.ts', ...args('--mask', maskPng, '--out', out)], { cwd: REPO_ROOT });
    expect(r.stdout).toMatch(/wrote .*cmd\.png \(96x64, inpaint/);
    expect(readPngParameters(await readFile(out)).seed).toBe(5);
  });
});
