// The SqlClient port of postgres.ts over node-postgres (`pg`): a Pool for queries and
// transactions, and one dedicated pooled connection per held writer lock. This is the only
// module that imports `pg` (the eslint config allows it in src/ledger/store/ only).
import pg from 'pg';
import { UsageError } from '../../core/errors.js';
import type { SqlClient, SqlLockedSession, SqlQueryable, SqlRow } from './postgres.js';

export interface PostgresConnection extends SqlClient {
  /** Closes every connection of the pool. */
  end(): Promise<void>;
}

export interface PostgresConnectOptions {
  /**
   * Pool size (default 10). Each held or awaited writer lock takes one connection for its
   * duration (the holder also reads on it); the others serve readers and transactions.
   */
  readonly max?: number;
  readonly applicationName?: string;
  /**
   * A writer-lock session idle longer than this is ended by the server (idle_session_timeout),
   * which releases its lock: the PostgreSQL form of the directory store's stale-lock bound. The
   * hung holder's next write then fails on its dead session; it can never interleave. Default
   * 10 minutes (appends take milliseconds); 0 disables.
   */
  readonly lockIdleTimeoutMs?: number;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

function parseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('BAD_INPUT', 'the database URL is not a URL', { hint: 'pass postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError('BAD_INPUT', `the database URL has scheme ${u.protocol}, not postgres:`, { hint: 'pass postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE' });
  }
  return u;
}

async function inTransaction<T>(client: pg.PoolClient, fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn(queryable(client));
    await client.query('COMMIT');
    return out;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection is broken: the server rolls back when the session ends.
    }
    throw err;
  }
}

function queryable(client: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    query: async <R extends SqlRow>(text: string, params?: readonly unknown[]) => {
      const r = await client.query<R>(text, params === undefined ? undefined : [...params]);
      return { rows: r.rows };
    },
  };
}

export function connectPostgres(url: string, options: PostgresConnectOptions = {}): PostgresConnection {
  parseUrl(url);
  if (options.max !== undefined && (!Number.isSafeInteger(options.max) || options.max < 1)) throw new UsageError('BAD_INPUT', `invalid pool size ${options.max}`);
  const lockIdle = options.lockIdleTimeoutMs ?? 10 * 60_000;
  if (!Number.isSafeInteger(lockIdle) || lockIdle < 0) throw new UsageError('BAD_INPUT', `invalid lock idle timeout ${lockIdle}`);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, application_name: options.applicationName ?? 'trailmark' });
  // An idle connection that the server closes emits 'error' on the pool; without a listener
  // that would crash the process. The pool drops it and opens a new one on demand.
  pool.on('error', () => undefined);
  const base = queryable(pool);
  return {
    label: redactUrl(url),
    query: (text, params) => base.query(text, params),
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken: unknown;
      try {
        return await inTransaction(client, fn);
      } catch (err) {
        broken = err;
        throw err;
      } finally {
        // A failed transaction may have left the connection unusable: do not reuse it.
        client.release(broken instanceof Error && !('code' in broken) ? broken : undefined);
      }
    },
    lockedSession: async (key) => {
      const client = await pool.connect();
      let lost: Error | undefined;
      // Pooled clients are reused: the listener goes when the session is given back.
      const onError = (err: Error) => void (lost = err);
      client.on('error', onError);
      try {
        await client.query('SELECT pg_advisory_lock($1::bigint)', [key.toString()]);
        try {
          await client.query(`SET idle_session_timeout = ${lockIdle}`);
        } catch (err) {
          // PostgreSQL before 14 lacks the setting: a hung holder then keeps the lock until its
          // connection dies (the server's TCP keepalive), as before.
          if ((err as { code?: unknown }).code !== '42704') throw err;
        }
      } catch (err) {
        client.off('error', onError);
        client.release(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
      let released = false;
      const onSession = queryable(client);
      const session: SqlLockedSession = {
        query: (text, params) => onSession.query(text, params),
        transaction: (fn) => inTransaction(client, fn),
        release: async () => {
          if (released) return;
          released = true;
          client.off('error', onError);
          try {
            if (lost === undefined) {
              await client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
              await client.query('RESET ALL');
            }
            client.release(lost);
          } catch (err) {
            // Destroying the connection ends the session, which releases the lock server-side.
            client.release(err instanceof Error ? err : new Error(String(err)));
          }
        },
      };
      return session;
    },
    end: () => pool.end(),
  };
}
