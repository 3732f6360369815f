// The App's PostgreSQL state pieces (app/pg/) on the real server (several pools: replicas) and
// on PGlite: migrations under concurrency, documents updated from several clients, delivery
// claims, schedule leases; and DATABASE_URL's settings.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readAppSettings } from '../../app/settings.js';
import { InstallationLedgers } from '../../app/ledgers.js';
import { DeviceSequences } from '../../app/collector-sequences.js';
import { COLLECTOR_KEY_DOCUMENT, loadCollectorKeyDocument } from '../../app/collector-key.js';
import { PgRecordStore } from '../../app/pg/records.js';
import { RECORD_FILES_PER_REPOSITORY_MAX } from '../../app/record-store.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { REVIEW_APPROVED_KIND, REVIEW_APPROVED_SCHEMA, type ReviewApprovedBody } from '../../src/ledger/kinds/review-approved.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import { fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { exclusiveTick, migrateAppDatabase, TICK_LEASE_SECONDS } from '../../app/pg/database.js';
import { PgDeliveryLog } from '../../app/pg/deliveries.js';
import { PgDocuments } from '../../app/pg/documents.js';
import { pgInstallationStores } from '../../app/pg/ledgers.js';
import { UsageError } from '../../src/core/errors.js';
import type { SqlClient } from '../../src/ledger/store/postgres.js';
import { MIGRATIONS, migrate } from '../../src/ledger/store/postgres-migrations.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer, type PgliteClient } from '../support/postgres.js';

const key = testKey('app', 'example.com/trailmark-app');
const approval = (job: string): ReviewApprovedBody => ({ schema: REVIEW_APPROVED_SCHEMA, repository: 'o/r', pullRequest: 2, review: 1, head: 'a'.repeat(40), diffDigest: `sha256:${'0'.repeat(64)}`, subjects: {}, job });

interface Backend {
  /** Clients standing for separate replicas (separate pools on the server; the one PGlite). */
  clients(n: number): SqlClient[];
  /** A fresh schema name (dropped in afterAll). */
  schema(): string;
}

function suite(name: string, backend: () => Backend) {
  describe(name, () => {
    test('N concurrent migrations of a fresh schema: exactly one applies each version, all end at the newest', async () => {
      const b = backend();
      const schema = b.schema();
      const results = await Promise.all(b.clients(4).map((sql) => migrateAppDatabase(sql, schema)));
      const newest = MIGRATIONS.at(-1)!.version;
      expect(results.map((r) => r.version)).toEqual([newest, newest, newest, newest]);
      expect(results.flatMap((r) => r.applied).sort((x, y) => x - y)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
      const { rows } = await b.clients(1)[0]!.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    test('a document updated from several clients at once loses no update', async () => {
      const b = backend();
      const schema = b.schema();
      const clients = b.clients(3);
      await migrate(clients[0]!, { schema });
      const docs = clients.map((sql) => new PgDocuments(sql, { schema, root: '/data' }).open<{ n: number; by: string[] }>('/data/installations/7/pulls.json', () => ({ n: 0, by: [] })));
      await Promise.all(docs.flatMap((doc, c) => Array.from({ length: 10 }, (_, i) => doc.update((d) => {
        d.n = (d.n ?? 0) + 1;
        (d.by ??= []).push(`${c}:${i}`);
      }))));
      const final = await docs[0]!.read();
      expect(final.n).toBe(30);
      expect(new Set(final.by).size).toBe(30);
      const { rows } = await clients[0]!.query<{ name: string }>(`SELECT name FROM "${schema}".app_documents`);
      expect(rows.map((r) => r.name)).toEqual(['installations/7/pulls.json']);
    });

    test('a corrupt document is kept aside and read as empty', async () => {
      const b = backend();
      const schema = b.schema();
      const [sql] = b.clients(1);
      await migrate(sql!, { schema });
      await sql!.query(`INSERT INTO "${schema}".app_documents (name, body) VALUES ('deliveries.json', '{"not": "an array"}')`);
      const lines: string[] = [];
      const docs = new PgDocuments(sql!, { schema, root: '/data', report: (l) => lines.push(l), clock: { now: () => 1234 } });
      expect(await docs.document<string[]>('deliveries.json', () => []).read()).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('state document deliveries.json is corrupt (top level is object, not an array)');
      const { rows } = await sql!.query<{ name: string; body: string }>(`SELECT name, body FROM "${schema}".app_documents ORDER BY name`);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toEqual({ name: 'deliveries.json', body: '[]' });
      expect(rows[1]!.name).toMatch(/^deliveries\.json\.corrupt-1234-/);
      expect(rows[1]!.body).toBe('{"not": "an array"}');
      expect(() => docs.open('/elsewhere/x.json', () => ({}))).toThrow(/outside the data directory/);
    });

    test('one delivery claimed by many clients at once: exactly one claim; a release lets the next claim it; remembered ids stay claimed', async () => {
      const b = backend();
      const schema = b.schema();
      const clients = b.clients(3);
      await migrate(clients[0]!, { schema });
      const logs = clients.map((sql) => new PgDeliveryLog(sql, schema));
      const claims = await Promise.all(logs.flatMap((log) => [log.claim('d1'), log.claim('d1'), log.claim('d1')]));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await logs[1]!.has('d1')).toBe(true);
      await logs[0]!.release('d1');
      expect(await logs[1]!.has('d1')).toBe(false);
      expect(await logs[1]!.claim('d1')).toBe(true);
      await logs[1]!.remember('d1');
      await logs[1]!.release('d1');
      expect(await logs[2]!.has('d1')).toBe(true);
      expect(await logs[2]!.claim('d1')).toBe(false);
      // A claim left by a killed replica is taken over once stale.
      expect(await logs[0]!.claim('d2')).toBe(true);
      expect(await logs[2]!.claim('d2')).toBe(false);
      await clients[0]!.query(`UPDATE "${schema}".app_deliveries SET claimed_at = now() - interval '1 hour' WHERE id = 'd2'`);
      expect(await logs[2]!.has('d2')).toBe(false);
      expect(await logs[2]!.claim('d2')).toBe(true);
    });

    test('a schedule tick runs on one replica at a time; a dead holder\'s lease expires', async () => {
      const b = backend();
      const schema = b.schema();
      const [x, y] = b.clients(2);
      await migrate(x!, { schema });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let runs = 0;
      const first = exclusiveTick(x!, schema, 'replica-a', 'weekly-report', async () => {
        runs++;
        await held;
        return 5;
      }, 0);
      // Wait until the first tick holds the lease.
      while (runs === 0) await new Promise((r) => setImmediate(r));
      expect(await exclusiveTick(y!, schema, 'replica-b', 'weekly-report', () => Promise.resolve(7), -1)).toBe(-1);
      expect(await exclusiveTick(y!, schema, 'replica-b', 'retention', () => Promise.resolve(7), -1)).toBe(7);
      release();
      expect(await first).toBe(5);
      expect(await exclusiveTick(y!, schema, 'replica-b', 'weekly-report', () => Promise.resolve(7), -1)).toBe(7);
      // replica-a dies holding the lease: replica-b waits until it expired.
      await x!.query(`UPDATE "${schema}".app_leases SET holder = 'replica-a', until = now() + make_interval(secs => $1) WHERE name = 'weekly-report'`, [TICK_LEASE_SECONDS]);
      expect(await exclusiveTick(y!, schema, 'replica-b', 'weekly-report', () => Promise.resolve(7), -1)).toBe(-1);
      await x!.query(`UPDATE "${schema}".app_leases SET until = now() - interval '1 second' WHERE name = 'weekly-report'`);
      expect(await exclusiveTick(y!, schema, 'replica-b', 'weekly-report', () => Promise.resolve(7), -1)).toBe(7);
    });

    test('three replicas appending the same jobs to one installation at once: each job once, seq contiguous, the ledger verifies', async () => {
      const b = backend();
      const schema = b.schema();
      const clients = b.clients(3);
      await migrate(clients[0]!, { schema });
      const replicas = clients.map((sql, r) => new InstallationLedgers('/data', parseSignerKey(key.signerKey), fixedClock(), seededRandom(`replica-${r}`),
        { documents: new PgDocuments(sql, { schema, root: '/data' }) }, pgInstallationStores(sql, schema)));
      const jobs = Array.from({ length: 8 }, (_, i) => `review-approved:d${i}`);
      const results = await Promise.all(replicas.flatMap((ledgers) => jobs.map((job) => ledgers.appendOnce(42, job, [{ kind: REVIEW_APPROVED_KIND, policy: 'app', body: approval(job) }]))));
      expect(results.filter((r) => r !== null)).toHaveLength(jobs.length);
      const store = await openPostgresStore(clients[0]!, { log: 'installation/42', schema });
      const seen: { seq: number; job: string }[] = [];
      for await (const e of readEntries(store)) seen.push({ seq: e.seq, job: (e.entry.body as unknown as { job: string }).job });
      expect(seen.map((e) => e.seq)).toEqual(jobs.map((_, i) => i));
      expect(seen.map((e) => e.job).sort()).toEqual([...jobs].sort());
      expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
      // The job index is one document, shared by the replicas.
      const { rows } = await clients[0]!.query<{ body: string }>(`SELECT body FROM "${schema}".app_documents WHERE name = 'installations/42/appended-jobs.json'`);
      expect((JSON.parse(rows[0]!.body) as { size: number }).size).toBe(jobs.length);
    });

    test('capture records: content-addressed, receipt marks, audit apart, the per-repository limit, retention\'s list and remove', async () => {
      const b = backend();
      const schema = b.schema();
      const [x, y] = b.clients(2);
      await migrate(x!, { schema });
      const [rx, ry] = [new PgRecordStore(x!, schema), new PgRecordStore(y!, schema)];
      const text = '{"version":"0.1.0","id":"r1"}\n';
      const [first, second] = await Promise.all([rx.put(7, 'Octo', 'API', text), ry.put(7, 'octo', 'api', text)]);
      expect([first!.stored, second!.stored].sort()).toEqual([false, true]);
      expect(first!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await ry.putReceipted(7, 'octo', 'api', text, 'trailmark-collector+0a1b2c3d')).toEqual({ digest: first!.digest, stored: false });
      expect((await ry.putAudit(7, 'octo', 'api', 'edit trace')).stored).toBe(true);
      const loaded = await rx.load(7, 'OCTO', 'api');
      expect(loaded).toEqual([{ format: 'agent-trace', origin: `collector receipt trailmark-collector+0a1b2c3d ${first!.digest.slice(7, 19)}`, text }]);
      expect(await rx.load(8, 'octo', 'api')).toEqual([]);
      await expect(rx.put(7, '..', 'api', text)).rejects.toThrow(/invalid repository name/);
      const capture = rx.captureStore(7);
      const listed = await capture.list();
      expect(listed.map((r) => [r.digest, r.repository])).toEqual([[first!.digest, 'octo/api']]);
      expect(await capture.remove(listed)).toBe(1);
      expect(await capture.remove(listed)).toBe(0);
      expect(await rx.load(7, 'octo', 'api')).toEqual([]);
      // The limit: RECORD_FILES_PER_REPOSITORY_MAX records, then null for a new one (an existing one is still found).
      await x!.query(`INSERT INTO "${schema}".app_records (installation, repository, kind, digest, body) SELECT 9, 'o/r', 'record', lpad(to_hex(i), 64, '0'), 'x' FROM generate_series(1, $1) AS i`, [RECORD_FILES_PER_REPOSITORY_MAX]);
      expect(await rx.put(9, 'o', 'r', 'one more')).toBeNull();
      expect(await rx.put(9, 'o', 'r', 'x')).toBeNull();
      expect((await rx.putAudit(9, 'o', 'r', 'audit is not limited')).stored).toBe(true);
    });

    test('a device\'s batches from several replicas at once: each reads the state the previous one wrote (no lost batch)', async () => {
      const b = backend();
      const schema = b.schema();
      const clients = b.clients(3);
      await migrate(clients[0]!, { schema });
      const replicas = clients.map((sql) => new DeviceSequences('/data', { documents: new PgDocuments(sql, { schema, root: '/data' }) }));
      // Each batch takes the next seq after an await (the records and ledger appends of a real batch).
      const batches = replicas.flatMap((seqs, r) => Array.from({ length: 5 }, (_, i) => seqs.with(5, 'laptop-1', async (state) => {
        const seq = state.high + 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { state: { ...state, high: seq, seqs: { ...state.seqs, [String(seq)]: `r${r}-${i}` } }, result: seq };
      })));
      const seqs = await Promise.all(batches);
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      const { rows } = await clients[0]!.query<{ body: string }>(`SELECT body FROM "${schema}".app_documents WHERE name = 'installations/5/collector/laptop-1.json'`);
      const stored = JSON.parse(rows[0]!.body) as { high: number; seqs: Record<string, string> };
      expect(stored.high).toBe(15);
      expect(Object.keys(stored.seqs)).toHaveLength(15);
    });

    test('the collector key: replicas starting at once all end up with the one key made first', async () => {
      const b = backend();
      const schema = b.schema();
      const clients = b.clients(3);
      await migrate(clients[0]!, { schema });
      const keys = await Promise.all(clients.map((sql, r) => loadCollectorKeyDocument(new PgDocuments(sql, { schema, root: '/data' }).document(COLLECTOR_KEY_DOCUMENT, () => ({})), seededRandom(`key-${r}`))));
      expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
      const again = await loadCollectorKeyDocument(new PgDocuments(clients[1]!, { schema, root: '/data' }).document(COLLECTOR_KEY_DOCUMENT, () => ({})), seededRandom('later'));
      expect(again.keyId).toBe(keys[0]!.keyId);
    });

    test('installation stores: one log per installation, listed in order; the installation lock has one holder at a time', async () => {
      const b = backend();
      const schema = b.schema();
      const [x, y] = b.clients(2);
      await migrate(x!, { schema });
      const [sx, sy] = [pgInstallationStores(x!, schema), pgInstallationStores(y!, schema)];
      expect(await sx.installations()).toEqual([]);
      await sx.open(12, true);
      await sy.open(3, true);
      await expect(sx.open(99, false)).rejects.toThrow(/no ledger log "installation\/99"/);
      await x!.query(`INSERT INTO "${schema}".ledger_logs (name) VALUES ('conformance/1')`);
      expect(await sy.installations()).toEqual([3, 12]);
      const order: string[] = [];
      await Promise.all([sx, sy, sx].map((s, i) => s.exclusive(12, 'retention', async () => {
        order.push(`start ${i}`);
        await new Promise((r) => setTimeout(r, 5));
        order.push(`end ${i}`);
      })));
      for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]!.replace('start', 'end'));
    });
  });
}

describe('PGlite', () => {
  let lite: PgliteClient;
  let n = 0;
  beforeAll(async () => {
    lite = await pgliteClient();
  });
  afterAll(async () => {
    await lite.close();
  });
  suite('pglite', () => ({ clients: (k) => Array.from({ length: k }, () => lite), schema: () => `app_state_${++n}` }));
});

const why = await pgUnavailable();
describe.skipIf(why !== undefined)('real PostgreSQL server', () => {
  const pools: PostgresConnection[] = [];
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(pools[0] ?? realServer(1), s);
    for (const p of pools) await p.end();
  });
  suite('server', () => ({
    clients: (k) => Array.from({ length: k }, () => {
      const p = realServer(5);
      pools.push(p);
      return p;
    }),
    schema: () => {
      const s = freshSchemaName('trailmark_app');
      schemas.push(s);
      return s;
    },
  }));
});

describe('DATABASE_URL', () => {
  const base = { TRAILMARK_DATA_DIR: '/var/lib/trailmark' };
  test('a postgres URL is taken; TRAILMARK_DATA_DIR becomes optional', () => {
    expect(readAppSettings({ ...base, DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/trailmark' }, '/srv').databaseUrl).toBe('postgres://app:s3cret@db.internal:5432/trailmark');
    const s = readAppSettings({ DATABASE_URL: 'postgresql://app@db/trailmark', TRAILMARK_DATABASE_SCHEMA: 'tm' }, '/srv');
    expect(s.dataDir).toBe('/srv/trailmark-data');
    expect(s.databaseSchema).toBe('tm');
    expect(readAppSettings(base, '/srv').databaseUrl).toBeUndefined();
  });
  test('bad values are refused with a clear message that never shows the password', () => {
    const refused = (env: Record<string, string>) => {
      try {
        readAppSettings({ ...base, ...env }, '/srv');
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return `${(err as UsageError).message} / ${(err as UsageError).hint ?? ''}`;
      }
      throw new Error('accepted');
    };
    const scheme = refused({ DATABASE_URL: 'mysql://app:s3cret@db/trailmark' });
    expect(scheme).toContain('has scheme "mysql:", not postgres:');
    expect(scheme).not.toContain('s3cret');
    const notUrl = refused({ DATABASE_URL: 'app s3cret' });
    expect(notUrl).toContain('DATABASE_URL is not a URL');
    expect(notUrl).not.toContain('s3cret');
    // Parses as a URL of scheme "app:": still never shown.
    const odd = refused({ DATABASE_URL: 'app:s3cret@db' });
    expect(odd).toContain('DATABASE_URL has scheme "app:", not postgres:');
    expect(odd).not.toContain('s3cret');
    expect(refused({ DATABASE_URL: 'postgres:///trailmark' })).toContain('DATABASE_URL postgres:///trailmark names no host');
    expect(readAppSettings({ DATABASE_URL: 'postgres:///trailmark?host=/var/run/postgresql' }, '/srv').databaseUrl).toBe('postgres:///trailmark?host=/var/run/postgresql');
    expect(refused({ DATABASE_URL: 'postgres://db/trailmark', TRAILMARK_DATABASE_SCHEMA: 'Bad-Name' })).toContain('is not a schema name');
    expect(refused({ TRAILMARK_DATABASE_SCHEMA: 'tm' })).toContain('TRAILMARK_DATABASE_SCHEMA is set without DATABASE_URL');
    expect(() => readAppSettings({}, '/srv')).toThrow(/TRAILMARK_DATA_DIR is not set/);
  });
});
