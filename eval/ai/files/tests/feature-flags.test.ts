import { describe, it, expect, beforeEach } from 'vitest';
import { FeatureFlags } from '../src/feature-flags';

describe('FeatureFlags', () => {
  let flags: FeatureFlags;

  beforeEach(() => {
    flags = new FeatureFlags({ newCheckout: false, theme: 'light' });
  });

  it('returns default values when no rules match', () => {
    expect(flags.isEnabled('newCheckout')).toBe(false);
    expect(flags.get('theme')).toBe('light');
  });

  it('throws for unknown flags', () => {
    expect(() => flags.get('doesNotExist')).toThrow('Unknown feature flag');
  });

  it('applies user-targeted rules', () => {
    flags.addRule({ flag: 'newCheckout', value: true, users: ['alice'] });
    expect(flags.isEnabled('newCheckout', { userId: 'alice' })).toBe(true);
    expect(flags.isEnabled('newCheckout', { userId: 'bob' })).toBe(false);
  });

  it('applies percentage rollouts deterministically', () => {
    flags.addRule({ flag: 'newCheckout', value: true, rollout: 50 });
    const first = flags.isEnabled('newCheckout', { userId: 'user-123' });
    const second = flags.isEnabled('newCheckout', { userId: 'user-123' });
    expect(first).toBe(second);
  });

  it('enables everyone at 100% rollout', () => {
    flags.addRule({ flag: 'newCheckout', value: true, rollout: 100 });
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(flags.isEnabled('newCheckout', { userId: id })).toBe(true);
    }
  });
});
