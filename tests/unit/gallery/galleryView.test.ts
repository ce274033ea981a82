// Markup checks without a DOM: the grid rendered to HTML on the server.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { galleryFilename, GalleryGrid, type GalleryItem } from '../../../src/gallery';
import { params, pngBlob } from './helpers';

function item(id: string, prompt: string, seed: number): GalleryItem {
  return { id, createdAt: 1, params: params({ prompt, seed }), png: pngBlob(1), width: 256, height: 256 };
}

describe('GalleryGrid', () => {
  const html = renderToStaticMarkup(
    createElement(GalleryGrid, {
      items: [item('a', 'a red <balloon> & sea', 3), item('b', '', 4)],
      onRecall: () => {},
      onDownload: () => {},
      onDelete: () => {},
    }),
  );

  it('is a labelled list of list items', () => {
    expect(html).toMatch(/^<ul role="list" aria-label="Saved images"/);
    expect(html.match(/<li role="listitem"/g)).toHaveLength(2);
  });

  it('uses the prompt as alt text, with a description when there is none', () => {
    expect(html).toContain('alt="a red &lt;balloon&gt; &amp; sea"');
    expect(html).toContain('alt="Image generated without a prompt, seed 4"');
  });

  it('has labelled buttons tied to each image caption', () => {
    for (const label of ['Recall parameters', 'Download', 'Delete']) {
      expect(html.match(new RegExp(`<button type="button"[^>]*aria-describedby="[^"]+"[^>]*>${label}</button>`, 'g'))).toHaveLength(2);
    }
  });
});

describe('galleryFilename', () => {
  it.each([
    [{ prompt: 'A red hot-air balloon, over the sea!', seed: 1234 }, 'a-red-hot-air-balloon-over-the-sea-1234.png'],
    [{ prompt: '../../etc/passwd', seed: 1 }, 'etc-passwd-1.png'],
    [{ prompt: 'CON', seed: 2 }, 'con-2.png'],
    [{ prompt: '', seed: 0 }, 'muse-0.png'],
    [{ prompt: '🎈🎈', seed: 5 }, 'muse-5.png'],
    [{ prompt: '富士山の夕焼け', seed: 9 }, '富士山の夕焼け-9.png'],
    [{ prompt: 'Ｆｕｌｌｗｉｄｔｈ\ttab\nnewline', seed: 3 }, 'fullwidth-tab-newline-3.png'],
  ])('%j → %s', (p, expected) => {
    expect(galleryFilename(p)).toBe(expected);
  });

  it('caps the length without splitting characters', () => {
    const name = galleryFilename({ prompt: '𝒜'.repeat(100), seed: 1 });
    expect(Array.from(name.replace(/-1\.png$/, ''))).toHaveLength(60);
    expect(name).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no lone high surrogate
  });
});
