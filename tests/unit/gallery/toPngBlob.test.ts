import { describe, expect, it } from 'vitest';
import { formatA1111, readPngParameters, readPngText, ParametersError } from '../../../src/engine/png';
import { toPngBlob } from '../../../src/gallery';
import { decodePixels, testImage } from '../png/pngTestUtils';
import { params } from './helpers';

describe('toPngBlob', () => {
  it('encodes the exact pixels with the parameters chunk (CompressionStream path)', async () => {
    const img = testImage(24, 16, { opaque: false });
    const p = params({ prompt: 'ünïcode ✓ prompt\nsecond line', negativePrompt: 'x, y' });
    const blob = await toPngBlob(img, p);
    expect(blob.type).toBe('image/png');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect(readPngText(bytes)).toEqual({ parameters: formatA1111(p) });
    expect(readPngParameters(bytes)).toEqual(p);
    expect(decodePixels(bytes).data).toEqual(new Uint8Array(img.data));
  });

  it('rejects invalid parameters before encoding', async () => {
    await expect(toPngBlob(testImage(2, 2), params({ seed: 1.5 }))).rejects.toThrow(ParametersError);
  });
});
