// The App's PostgreSQL database (DATABASE_URL): one pool per process, the schema migrated at
// start (src/ledger/store/postgres-migrations.ts: versioned, under an advisory lock, so replicas
// starting at once are safe), the readiness probe of the health check, and schedule ticks that
// run on one replica at a time (a lease row).
import { quoteSchema, type SqlClient } from '../../src/ledger/store/postgres.js';
import { migrate, type MigrationResult } from '../../src/ledger/store/postgres-migrations.js';
import { connectPostgres, type PostgresConnection } from '../../src/ledger/store/postgres-pool.js';

/** Connections of the App's pool: each held lock (an append, a job's installation lock) takes one for its duration. */
export const APP_POOL_SIZE = 20;

/** Opens the pool (connections are made on demand). */
export function connectAppDatabase(url: string): PostgresConnection {
  return connectPostgres(url, { max: APP_POOL_SIZE, applicationName: 'trailmark-app' });
}

/** Brings the schema to this build's version (creates it when missing). */
export function migrateAppDatabase(sql: SqlClient, schema: string): Promise<MigrationResult> {
  quoteSchema(schema);
  return migrate(sql, { schema });
}

/** Resolves when the database answers a query; rejects otherwise. */
export async function pingDatabase(sql: SqlClient): Promise<void> {
  await sql.query('SELECT 1');
}

/** How long a schedule tick's lease holds when its replica dies mid-tick (a tick takes seconds). */
export const TICK_LEASE_SECONDS = 600;

/**
 * Runs `fn` on this replica only when no other replica runs the schedule `name` now; otherwise
 * resolves with `busy` at once. The lease is a row of `app_leases` taken with one statement
 * (INSERT ... ON CONFLICT DO UPDATE ... WHERE the lease expired), given back when `fn` ends. A
 * replica that dies mid-tick holds it until it expires (TICK_LEASE_SECONDS), then any replica
 * takes it. No connection is held while `fn` runs.
 */
export async function exclusiveTick<T>(sql: SqlClient, schema: string, holder: string, name: string, fn: () => Promise<T>, busy: T): Promise<T> {
  const table = `${quoteSchema(schema)}.app_leases`;
  const { rows } = await sql.query(
    `INSERT INTO ${table} AS l (name, holder, until) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (name) DO UPDATE SET holder = $2, until = now() + make_interval(secs => $3)
       WHERE l.until <= now() OR l.holder = $2
     RETURNING name`, [name, holder, TICK_LEASE_SECONDS]);
  if (rows.length === 0) return busy;
  try {
    return await fn();
  } finally {
    await sql.query(`UPDATE ${table} SET until = now() WHERE name = $1 AND holder = $2`, [name, holder]);
  }
}
