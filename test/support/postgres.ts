// PostgreSQL for tests: the real server (CI; TRAILMARK_PG_URL or the local default) with a fresh
// schema per run, and PGlite (PostgreSQL compiled to WASM, in-process) so that `npm test` passes
// on a laptop without a server.
//
// Without a reachable server the real-server suites are skipped with a printed reason, unless
// TRAILMARK_CI_STRICT=1 (set by .ci/run), which turns that into a failure (as simUnavailable()).
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { connectPostgres, type PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import type { SqlClient, SqlLockedSession, SqlQueryable, SqlRow } from '../../src/ledger/store/postgres.js';
import { STRICT } from './github-sim.js';

export const PG_URL = process.env.TRAILMARK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let probed: Promise<string | undefined> | undefined;

/** Why the real PostgreSQL server cannot be used, or undefined when it can. Throws under TRAILMARK_CI_STRICT=1. */
export async function pgUnavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    const conn = connectPostgres(PG_URL, { max: 1 });
    try {
      await conn.query('SELECT 1');
      return undefined;
    } catch (err) {
      return `no PostgreSQL server at ${conn.label} (${err instanceof Error ? err.message || (err as { code?: string }).code : String(err)}); set TRAILMARK_PG_URL`;
    } finally {
      await conn.end().catch(() => undefined);
    }
  })();
  const why = await probed;
  if (why !== undefined && STRICT) throw new Error(`${why}; TRAILMARK_CI_STRICT=1 requires it`);
  if (why !== undefined) process.stdout.write(`skipped: ${why}\n`);
  return why;
}

/** A unique schema name for one test run (dropped by `dropSchema`). */
export function freshSchemaName(prefix = 'trailmark_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(sql: SqlQueryable, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema ${schema}`);
  await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A pool on the real server. */
export function realServer(max = 10): PostgresConnection {
  return connectPostgres(PG_URL, { max, applicationName: 'trailmark-test' });
}

export interface PgliteClient extends SqlClient {
  readonly db: PGlite;
  close(): Promise<void>;
}

/**
 * The SqlClient port over one PGlite instance. PGlite is a single in-process session, so a
 * session-level advisory lock would be re-entrant for every handle: the writer lock is an
 * in-process queue per key instead, which is exact here because no other process can open
 * this database.
 */
export async function pgliteClient(): Promise<PgliteClient> {
  const db = await PGlite.create();
  const held = new Map<bigint, (() => void)[]>();
  const query = async <R extends SqlRow>(q: { query: PGlite['query'] }, text: string, params?: readonly unknown[]) => {
    const r = await q.query<R>(text, params === undefined ? undefined : [...params]);
    return { rows: r.rows };
  };
  const transaction = <T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> =>
    db.transaction((tx) => fn({ query: (text, params) => query(tx, text, params) }));
  return {
    db,
    label: 'pglite',
    query: (text, params) => query(db, text, params),
    transaction,
    lockedSession: async (key) => {
      const queue = held.get(key);
      if (queue === undefined) held.set(key, []);
      else await new Promise<void>((resolve) => queue.push(resolve));
      let released = false;
      const session: SqlLockedSession = {
        query: (text, params) => query(db, text, params),
        transaction,
        release: () => {
          if (!released) {
            released = true;
            const waiting = held.get(key)!;
            const next = waiting.shift();
            if (next === undefined) held.delete(key);
            else next();
          }
          return Promise.resolve();
        },
      };
      return session;
    },
    close: () => db.close(),
  };
}
