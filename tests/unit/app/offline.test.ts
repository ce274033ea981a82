import { describe, expect, it } from 'vitest';
import { offlineLabel } from '../../../src/app/pwa/offline';

describe('offline indicator', () => {
  it('says offline when the network is gone, and warns when the studio is not stored yet', () => {
    expect(offlineLabel({ online: false, controlled: true, offlineReady: false })).toMatchObject({ text: 'Offline', tone: 'ok' });
    expect(offlineLabel({ online: false, controlled: false, offlineReady: false })).toMatchObject({ text: 'Offline', tone: 'warn' });
  });
  it('says ready for offline use once the service worker holds the app, and nothing before', () => {
    expect(offlineLabel({ online: true, controlled: false, offlineReady: true })?.text).toBe('Ready for offline use');
    expect(offlineLabel({ online: true, controlled: true, offlineReady: false })?.text).toBe('Ready for offline use');
    expect(offlineLabel({ online: true, controlled: false, offlineReady: false })).toBeUndefined();
  });
});
