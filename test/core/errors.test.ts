import { describe, expect, it } from 'vitest';
import { LedgerError, TrailmarkError, UsageError } from '../../src/core/errors.js';

describe('errors', () => {
  it('carry a typed code, a cause and a hint', () => {
    const cause = new Error('disk full');
    const err = new LedgerError('IO', 'cannot append to entries.jsonl', { cause, hint: 'free some space' });
    expect(err).toBeInstanceOf(TrailmarkError);
    expect(err.code).toBe('IO');
    expect(err.cause).toBe(cause);
    expect(err.hint).toBe('free some space');
    expect(err.name).toBe('LedgerError');
    expect(new UsageError('USAGE', 'x').hint).toBeUndefined();
  });
});
