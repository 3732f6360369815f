// Inputs that reach SQL text or messages: schema identifiers are validated before quoting, log
// names are refused when empty, long or carrying control characters, URLs lose their password.
import { describe, expect, it } from 'vitest';
import { advisoryKey, openPostgresStore, quoteSchema, toInt, type SqlClient } from '../../src/ledger/store/postgres.js';
import { connectPostgres, redactUrl } from '../../src/ledger/store/postgres-pool.js';

/** A client that must never be reached: validation happens before any query. */
const unreachable: SqlClient = {
  label: 'nowhere',
  query: () => Promise.reject(new Error('queried')),
  transaction: () => Promise.reject(new Error('queried')),
  lockedSession: () => Promise.reject(new Error('queried')),
};

describe('postgres store names', () => {
  it('quotes only plain lower-case schema identifiers', () => {
    expect(quoteSchema('public')).toBe('"public"');
    expect(quoteSchema('trailmark_test_1')).toBe('"trailmark_test_1"');
    for (const bad of ['', 'Public', 'a-b', 'a"b', 'a;drop', '1abc', 'x'.repeat(64), 'a b']) expect(() => quoteSchema(bad), bad).toThrow(/invalid PostgreSQL schema name/);
  });

  it('refuses bad log names and schemas before touching the database', async () => {
    for (const log of ['', 'a\nb', 'tab\there', 'x'.repeat(201), 'nul\u0000']) {
      await expect(openPostgresStore(unreachable, { log }), JSON.stringify(log)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    }
    await expect(openPostgresStore(unreachable, { log: 'ok', schema: 'x"; drop table y; --' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(openPostgresStore(unreachable, { log: 'installation/1' })).rejects.toThrow(/queried/);
  });

  it('never shows a password, refuses non-postgres URLs', () => {
    expect(redactUrl('postgres://app:s3cret@db.example:5432/trailmark')).toBe('postgres://app:***@db.example:5432/trailmark');
    expect(redactUrl('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(redactUrl('::')).not.toMatch(/::/);
    expect(() => connectPostgres('mysql://a@b/c')).toThrow(/not postgres:/);
    expect(() => connectPostgres('not a url')).toThrow(/not a URL/);
  });

  it('reads integers from either driver exactly, and derives distinct lock keys', () => {
    expect([toInt('42'), toInt(42), toInt(42n)]).toEqual([42, 42, 42]);
    expect(() => toInt('1.5')).toThrow();
    expect(() => toInt('9007199254740993')).toThrow();
    expect(advisoryKey('ledger', 'public', '1')).not.toBe(advisoryKey('ledger', 'public', '2'));
    expect(advisoryKey('ledger', 'public', '1')).toBe(advisoryKey('ledger', 'public', '1'));
  });
});
