/**
 * A Hugging Face access token for gated or private repos (src/app/models/hubToken.ts): sent as
 * `Authorization: Bearer` to the Hub's own origin only, kept in memory unless remembered, and a
 * 401 says a token is needed (or that the one given was refused).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HubError, prepareHubModel } from '../../../../src/app/models/hub';
import { hubAuthHeaders, hubToken, hubTokenRemembered, setHubToken } from '../../../../src/app/models/hubToken';
import { installPackage } from '../../../../src/app/models/install';
import { ModelStore } from '../../../../src/app/models/store';
import { FakeCaches } from './helpers';
import { fakeHub, HUB, tinySnapshot } from './hubHelpers';

const TOKEN = 'hf_secret';

describe('hubAuthHeaders: the token goes to the Hub origin only', () => {
  it.each([
    ['https://huggingface.co/api/models/a/b/tree/main', true],
    ['https://huggingface.co/a/b/resolve/main/x.safetensors', true],
    ['https://cdn-lfs-us-1.hf.co/repos/x', false],
    ['https://us.aws.cdn.hf.co/x', false],
    ['https://transfer.xethub.hf.co/x', false],
    ['https://huggingface.co.evil.example/a', false],
    ['http://huggingface.co/a', false],
    ['https://huggingface.co:8443/a', false],
    ['not a url', false],
  ])('%s → %s', (url, sent) => {
    expect(hubAuthHeaders(url, HUB, TOKEN)).toEqual(sent ? { Authorization: `Bearer ${TOKEN}` } : {});
  });

  it('sends nothing without a token', () => {
    expect(hubAuthHeaders(`${HUB}/api/models/a/b/tree/main`, HUB, '')).toEqual({});
  });
});

describe('a gated repo', () => {
  const hub = () => fakeHub({ 'test/gated': tinySnapshot() }, { gated: { 'test/gated': TOKEN } });
  const estimate = async () => ({ usage: 0, quota: 10 ** 9 });

  it('without a token: the message says one is needed, and no request carried one', async () => {
    const h = hub();
    const e = await prepareHubModel('test/gated', { fetch: h.fetch, estimate }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).kind).toBe('access');
    expect((e as HubError).message).toMatch(/^test\/gated needs a Hugging Face access token \(HTTP 401\).*Token field/);
    expect(h.requests.filter((r) => r.auth)).toEqual([]);
  });

  it('with a wrong token: the message says the Hub refused it', async () => {
    const e = await prepareHubModel('test/gated', { fetch: hub().fetch, estimate, token: 'hf_wrong' }).catch((x: unknown) => x);
    expect((e as HubError).message).toMatch(/refused test\/gated with the access token given \(HTTP 401\)/);
  });

  it('with the token: looked up and downloaded, every request to the Hub origin carrying it', async () => {
    const h = hub();
    const model = await prepareHubModel('test/gated', { fetch: h.fetch, estimate, token: TOKEN });
    const { record } = await installPackage(model.source(new AbortController().signal), { kind: 'hub', id: 'test/gated@main' }, new ModelStore(new FakeCaches()));
    expect(record.id).toMatch(/^hf-test-gated-/);
    expect(h.requests.some((r) => r.url.includes('/resolve/'))).toBe(true);
    for (const r of h.requests) {
      expect(new URL(r.url).origin).toBe(HUB);
      expect(r.auth).toBe(`Bearer ${TOKEN}`);
    }
  });

  it('an endpoint on another origin (a mirror) gets the token; the default Hub then does not', () => {
    expect(hubAuthHeaders('http://127.0.0.1:9/api/x', 'http://127.0.0.1:9', TOKEN)).toEqual({ Authorization: `Bearer ${TOKEN}` });
    expect(hubAuthHeaders(`${HUB}/api/x`, 'http://127.0.0.1:9', TOKEN)).toEqual({});
  });
});

describe('where the token is kept', () => {
  afterEach(() => {
    setHubToken('', false);
    vi.unstubAllGlobals();
  });

  it('in memory for the session unless remembered; remembered in localStorage, forgotten when unticked', () => {
    const saved = new Map<string, string>();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => saved.get(k) ?? null,
      setItem: (k: string, v: string) => void saved.set(k, v),
      removeItem: (k: string) => void saved.delete(k),
    });
    setHubToken(` ${TOKEN} `, false);
    expect(hubToken()).toBe(TOKEN);
    expect(saved.size).toBe(0);
    expect(hubTokenRemembered()).toBe(false);
    setHubToken(TOKEN, true);
    expect([...saved.values()]).toEqual([TOKEN]);
    expect(hubTokenRemembered()).toBe(true);
    setHubToken(TOKEN, false);
    expect(saved.size).toBe(0);
    expect(hubToken()).toBe(TOKEN);
  });
});
