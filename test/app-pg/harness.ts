// The App in its PostgreSQL mode under test: test/app/harness.ts's real Probot, mocked GitHub
// and real Ed25519 keys, with the App's state in a database: the real server (a fresh schema
// per test, dropped after) or, when no server is reachable, PGlite (in-process; a failure
// instead under TRAILMARK_CI_STRICT=1, see test/support/postgres.ts).
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Logger } from 'pino';
import type { ApplicationFunctionOptions, Probot } from 'probot';
import { afterEach } from 'vitest';
import { createTrailmarkApp, type TrailmarkApp } from '../../app/app.js';
import { QUEUE_NAME } from '../../app/pg-queue.js';
import { bossSchemaOf } from '../../app/queue-factory.js';
import type { AppSettings } from '../../app/settings.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openPostgresStore, type SqlClient } from '../../src/ledger/store/postgres.js';
import { fixedClock, seededRandom } from '../ledger/fixtures.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer, type PgliteClient } from '../support/postgres.js';
import { INSTALLATION, ledgerKey, newProbot } from '../app/harness.js';

type Handler = Parameters<ApplicationFunctionOptions['addHandler']>[0];

/** Whether the real server is used (else PGlite); throws under TRAILMARK_CI_STRICT=1 without one. */
export const serverMissing = await pgUnavailable();

export interface TestDatabase {
  readonly schema: string;
  /** A client on the test's database: one per App process on the real server (its own pool), the one PGlite otherwise. */
  client(): SqlClient;
  /** The first client (for the test's own reads). */
  readonly sql: SqlClient;
  readonly kind: 'server' | 'pglite';
}

const cleanups: (() => Promise<void>)[] = [];
const started: TrailmarkApp[] = [];

// Apps first (their schedules and jobs use the database), then the databases.
afterEach(async () => {
  for (const app of started.splice(0)) await app.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh database for one test: a new schema on the real server, or a new PGlite. */
export async function testDatabase(): Promise<TestDatabase> {
  const schema = freshSchemaName('trailmark_app');
  if (serverMissing === undefined) {
    const pools = [realServer(20)];
    cleanups.push(async () => {
      await dropSchema(pools[0]!, schema);
      for (const p of pools) await p.end();
    });
    return {
      schema, kind: 'server', sql: pools[0]!,
      client: () => {
        const pool = realServer(20);
        pools.push(pool);
        return pool;
      },
    };
  }
  const lite: PgliteClient = await pgliteClient();
  cleanups.push(() => lite.close());
  return { schema, kind: 'pglite', sql: lite, client: () => lite };
}

export interface PgHarness {
  readonly probot: Probot;
  readonly app: TrailmarkApp;
  readonly dataDir: string;
  receive(name: string, payload: object, id: string): Promise<void>;
  /** Serves the App's HTTP routes on 127.0.0.1; returns the base URL and a stop function. */
  serve(): Promise<{ url: string; stop(): Promise<void> }>;
}

/** An App process on `db` (its own data directory unless given: a replica on its own host). */
export async function startPgApp(db: TestDatabase, options: { dataDir?: string; concurrency?: number; log?: Logger; sql?: SqlClient } = {}): Promise<PgHarness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'trailmark-app-pg-'));
  const settings: AppSettings = {
    dataDir, signer: parseSignerKey(ledgerKey.signerKey), apiBaseUrl: 'https://api.github.com', concurrency: options.concurrency ?? 2,
    webhookPath: '/api/github/webhooks', webhookSecret: 'test', databaseSchema: db.schema,
  };
  const app = createTrailmarkApp({ settings, database: options.sql ?? db.client(), clock: fixedClock(), random: seededRandom(), sleep: () => Promise.resolve() });
  started.push(app);
  const probot = newProbot(options.log);
  const handlers: Handler[] = [];
  await probot.load(app.appFn, { cwd: dataDir, addHandler: (h) => handlers.push(h) });
  return {
    probot, app, dataDir,
    receive: (name, payload, id) => probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]),
    serve: async () => {
      nock.enableNetConnect('127.0.0.1');
      const server = createServer((req, res) => {
        void (async () => {
          for (const h of handlers) if (await h(req, res)) return;
          res.writeHead(404).end();
        })();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    },
  };
}

/**
 * Resolves when the shared queue holds no job waiting or running, whichever process enqueued it.
 * A process's own `drain()` waits only for the jobs it enqueued (and those it runs), so a
 * restarted process that has not fetched a recovered job yet would look drained.
 */
export async function queueSettled(db: TestDatabase): Promise<void> {
  for (;;) {
    const { rows } = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${bossSchemaOf(db.schema)}".job WHERE name = $1 AND state <= 'active'`, [QUEUE_NAME]);
    if (rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The installation's ledger in the database: verified with the App's key, and its entries. */
export async function pgLedger(db: TestDatabase, installationId = INSTALLATION) {
  const store = await openPostgresStore(db.sql, { log: `installation/${installationId}`, schema: db.schema });
  const report = await verifyStore(store, [ledgerKey.verifier]);
  const entries = [];
  for await (const e of readEntries(store)) entries.push({ seq: e.seq, entry: e.entry });
  return { report, entries };
}
