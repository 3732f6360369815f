// The database the PgQueue suites run on: the real server when reachable (a fresh pg-boss schema
// per suite, dropped after), else PGlite in-process (one database per suite). Under
// TRAILMARK_CI_STRICT=1 a missing server fails (pgUnavailable throws).
import type { SqlClient } from '../../src/ledger/store/postgres.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer } from '../support/postgres.js';

export interface QueueBackend {
  readonly kind: 'server' | 'pglite';
  readonly sql: SqlClient;
  /** A fresh pg-boss schema name (at most 50 characters). */
  schema(): string;
  close(): Promise<void>;
}

export const serverMissing = await pgUnavailable();

export async function openBackend(): Promise<QueueBackend> {
  const schemas: string[] = [];
  const schema = () => {
    const name = freshSchemaName('tmq');
    schemas.push(name);
    return name;
  };
  if (serverMissing === undefined) {
    const conn = realServer(20);
    return {
      kind: 'server', sql: conn, schema,
      close: async () => {
        for (const s of schemas) await dropSchema(conn, s);
        await conn.end();
      },
    };
  }
  const lite = await pgliteClient();
  return { kind: 'pglite', sql: lite, schema, close: () => lite.close() };
}
