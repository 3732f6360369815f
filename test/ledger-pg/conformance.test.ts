// The store conformance suite (test/ledger/store-conformance.ts) against the PostgreSQL store:
// on PGlite always (in-process, so `npm test` passes without a server), and on the real server
// when it is reachable (a fresh schema for this run, dropped afterwards).
import { afterAll, beforeAll, describe } from 'vitest';
import { openPostgresStore, type SqlClient } from '../../src/ledger/store/postgres.js';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { runStoreConformance } from '../ledger/store-conformance.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer, type PgliteClient } from '../support/postgres.js';

let counter = 0;

function harnessOn(client: () => SqlClient, schema: () => string) {
  return async () => {
    // A fresh, empty log per test: a new name in the run's schema.
    const log = `conformance/${++counter}`;
    const store = await openPostgresStore(client(), { log, schema: schema(), create: true, batch: 7 });
    return {
      store,
      connect: () => openPostgresStore(client(), { log, schema: schema() }),
      cleanup: () => Promise.resolve(),
    };
  };
}

describe('PGlite', () => {
  let lite: PgliteClient;
  beforeAll(async () => {
    lite = await pgliteClient();
    await migrate(lite, { schema: 'ledger' });
  });
  afterAll(async () => {
    await lite.close();
  });
  runStoreConformance('postgres (PGlite)', harnessOn(() => lite, () => 'ledger'));
});

const why = await pgUnavailable();
describe.skipIf(why !== undefined)('real PostgreSQL server', () => {
  let conn: PostgresConnection;
  const schema = freshSchemaName();
  beforeAll(async () => {
    conn = realServer();
    await migrate(conn, { schema });
  });
  afterAll(async () => {
    await dropSchema(conn, schema);
    await conn.end();
  });
  runStoreConformance('postgres (server)', harnessOn(() => conn, () => schema));
});
