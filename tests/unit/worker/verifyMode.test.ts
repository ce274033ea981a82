/** Hash once: the worker trusts the install record (sizes only) for stored packages, and only for them. */
import { describe, expect, it } from 'vitest';
import { verifyModeFor } from '../../../src/worker/models';

describe('verifyModeFor', () => {
  it('stored packages compare sizes; anything fetched is hashed', () => {
    expect(verifyModeFor('stored:scenes-0123456789ab')).toBe('size');
    expect(verifyModeFor('/models/scenes/')).toBe('sha256');
    expect(verifyModeFor('https://example.org/pkg/')).toBe('sha256');
  });
});
