import { describe, expect, it } from 'vitest';
import { BASE_POLICY, devPolicy, HUB_ORIGINS, modelOrigin, pageHeaders, parsePolicy, renderPolicy, withModelOrigins } from '../../../../src/sw/csp';
import { packageFolderUrl } from '../../../../src/app/models/sources';

describe('Content-Security-Policy', () => {
  const base = renderPolicy(BASE_POLICY);

  it('allows no eval, only our own scripts and WebAssembly compilation', () => {
    const p = parsePolicy(pageHeaders()['Content-Security-Policy']);
    expect(p['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(Object.values(p).flat()).not.toContain("'unsafe-eval'");
    expect(Object.values(p).flat()).not.toContain("'unsafe-inline'");
    expect(p['connect-src']).toEqual(["'self'", ...HUB_ORIGINS]);
    expect(p['frame-ancestors']).toEqual(["'none'"]);
  });

  it('adds allowed model sites to connect-src only', () => {
    const out = parsePolicy(withModelOrigins(base, ['https://models.example', 'http://localhost:4191']));
    expect(out['connect-src']).toEqual(["'self'", ...HUB_ORIGINS, 'https://models.example', 'http://localhost:4191']);
    expect(out['script-src']).toEqual(BASE_POLICY['script-src']);
  });

  it('uses the base policy when the host sent none', () => {
    expect(withModelOrigins(null, [])).toBe(base);
  });

  it('drops anything that is not a bare https (or local) origin, so nothing can be injected', () => {
    const out = withModelOrigins(base, [
      "https://ok.example; script-src 'unsafe-eval'",
      'http://plain.example',
      'javascript:alert(1)',
      'https://user:pw@host.example',
      'https://ok.example/path?q',
    ]);
    expect(parsePolicy(out)['connect-src']).toEqual(["'self'", ...HUB_ORIGINS, 'https://ok.example']);
    expect(parsePolicy(out)['script-src']).toEqual(BASE_POLICY['script-src']);
  });

  it('extends every policy of a comma-joined header, and leaves one without fetch limits alone', () => {
    const out = withModelOrigins("connect-src 'self', frame-ancestors 'none'", ['https://m.example']);
    expect(out).toBe("connect-src 'self' https://m.example, frame-ancestors 'none'");
  });

  it('lets fetches reach the Hugging Face Hub and its documented download hosts, over https only, and nothing else', () => {
    expect(HUB_ORIGINS[0]).toBe('https://huggingface.co');
    for (const o of HUB_ORIGINS) expect(o).toMatch(/^https:\/\/([a-z0-9-]+\.)*(huggingface\.co|hf\.co)$/);
    const p = parsePolicy(pageHeaders()['Content-Security-Policy']);
    // Only fetches: no Hub host may serve scripts, styles, images, workers or frames.
    for (const [directive, sources] of Object.entries(p)) {
      if (directive !== 'connect-src') for (const o of HUB_ORIGINS) expect(sources, directive).not.toContain(o);
    }
  });

  it('knows which origins a model may come from', () => {
    expect(modelOrigin('https://a.example/x/')).toBe('https://a.example');
    expect(modelOrigin('http://127.0.0.1:9000/p')).toBe('http://127.0.0.1:9000');
    expect(modelOrigin('http://a.example/')).toBeNull();
    expect(modelOrigin('ftp://a.example/')).toBeNull();
    expect(modelOrigin('not a url')).toBeNull();
  });
});

describe('the development server policy', () => {
  const nonce = 'n0nce+/AbCdEfGhIjKlMn==';
  const dev = parsePolicy(pageHeaders(devPolicy(nonce))['Content-Security-Policy']);

  it('is the production policy plus a nonce for scripts and styles, and still no eval or inline', () => {
    expect(dev['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'", `'nonce-${nonce}'`]);
    expect(dev['style-src']).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(Object.values(dev).flat()).not.toContain("'unsafe-eval'");
    expect(Object.values(dev).flat()).not.toContain("'unsafe-inline'");
    // Every other directive is production's, in production's order, except connect-src (below).
    expect(Object.keys(dev)).toEqual(Object.keys(BASE_POLICY));
    for (const [directive, sources] of Object.entries(BASE_POLICY)) {
      if (!['script-src', 'style-src', 'connect-src'].includes(directive)) expect(dev[directive], directive).toEqual(sources);
    }
  });

  it('lets fetches reach exactly the kind of sites a model may come from (no service worker adds them in dev)', () => {
    expect(dev['connect-src']).toEqual(["'self'", ...HUB_ORIGINS, 'https:', 'http://localhost:*', 'http://127.0.0.1:*']);
  });

  it('refuses a nonce that could end the source list', () => {
    for (const bad of ['', 'short', "abcdefghijklmnop'; script-src *", 'abcdefghijklmnop qrst']) expect(() => devPolicy(bad)).toThrow('not a CSP nonce');
  });
});

describe('packageFolderUrl', () => {
  const page = 'https://studio.example/?backend=wasm';
  it.each([
    ['/models/extra/', 'https://studio.example/models/extra/'],
    ['/models/extra', 'https://studio.example/models/extra/'],
    ['https://cdn.example/pkg/manifest.json', 'https://cdn.example/pkg/'],
    ['https://cdn.example/pkg/?x=1#y', 'https://cdn.example/pkg/'],
    ['http://localhost:4191/pkg', 'http://localhost:4191/pkg/'],
  ])('%s → %s', (input, url) => {
    expect(packageFolderUrl(input, page)).toEqual({ url });
  });

  it.each([
    ['', 'Type the URL'],
    ['http://cdn.example/pkg/', 'Only https://'],
    ['ftp://cdn.example/pkg/', 'Only https://'],
    ['https://me:secret@cdn.example/pkg/', 'user name or password'],
  ])('refuses %j', (input, message) => {
    const r = packageFolderUrl(input, page);
    expect('error' in r && r.error).toContain(message);
  });
});
