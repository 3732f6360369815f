// Erasure on the PostgreSQL store, checked on what a backup of the database holds: a dump of
// every row of every table of the schema (SELECT, on PGlite and on the real server) and, on the
// real server, `pg_dump --data-only` of the schema. A dump taken before erasure stands for WAL,
// replicas and backups, which a DELETE does not reach.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ledger/check-store.js';
import { eraseSubject } from '../../src/ledger/erase.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { subjectIndex } from '../../src/ledger/read.js';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import { openPostgresStore, quoteSchema, type SqlClient } from '../../src/ledger/store/postgres.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { subjectSealing } from '../../src/ledger/subject-vault.js';
import { displaySubject, ERASED } from '../../src/ledger/subjects.js';
import { dropSchema, freshSchemaName, PG_URL, pgliteClient, pgUnavailable, realServer, type PgliteClient } from '../support/postgres.js';
import { containsText, openableValues, realRandom } from './erase-support.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from './fixtures.js';

const run = promisify(execFile);
const SECRET_1 = 'pg-secret-one-0123456789abcdef0123456789abcd';
const SECRET_2 = 'pg-secret-two-9876543210fedcba9876543210fedc';
const KEK_1 = subjectKekFromSecret(SECRET_1);
const KEK_2 = subjectKekFromSecret(SECRET_2);
const ALICE = 'alice-pg-2b7e@example.com';
const BOB = 'bob-pg-81f0';
const key = testKey();

function draft(i: number, ...people: string[]): EntryDraft {
  return { kind: 'change.analyzed', policy: 'p', body: (ctx) => changeBody(i, Object.fromEntries(people.map((p, j) => [`role.${j}`, ctx.commit(p)]))) };
}

/** Every row of every table of `schema`, one column value per line (bytea as UTF-8 text). */
async function dumpAll(sql: SqlClient, schema: string): Promise<string> {
  const { rows: tables } = await sql.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
  expect(tables.map((t) => t.table_name)).toContain('ledger_subject_keys');
  const out: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await sql.query(`SELECT * FROM ${quoteSchema(schema)}."${table_name}"`);
    for (const row of rows) for (const v of Object.values(row)) out.push(v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out.join('\n');
}

function suite(label: string, client: () => SqlClient, schema: () => string, pgDump: boolean): void {
  const open = (log: string, sealing: ReturnType<typeof subjectSealing> | null) => openPostgresStore(client(), { log, schema: schema(), create: true, subjectSealing: sealing });
  const sealed = (secret: string, previous: string[] = []) => subjectSealing(secret, previous, realRandom)!;

  it(`${label}: after erase and a secret rotation, no dump holds a readable opening of the erased subject`, async () => {
    const log = `installation/${label.length}1`;
    const store = await open(log, sealed(SECRET_1));
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await ledger.append([draft(0, ALICE, BOB)]);
    await ledger.append([draft(1, ALICE)]);
    await ledger.append([draft(2, BOB)]);
    const backup = await dumpAll(client(), schema());
    expect(containsText([backup], ALICE)).toBe(false);
    expect(openableValues([backup], [])).toEqual(new Set());
    expect(openableValues([backup], [KEK_1])).toEqual(new Set([ALICE, BOB]));

    expect(await eraseSubject(store, ALICE, fixedClock())).toMatchObject({ erased: 2, seqs: [0, 1], atRest: { clear: 0, sealed: 2, tombstones: 2, keys: 2 } });
    const after = await dumpAll(client(), schema());
    expect(containsText([after], ALICE)).toBe(false);
    expect(openableValues([after], [KEK_1])).toEqual(new Set([BOB]));
    // The erased rows as WAL or a replica keep them (sealed), beside the keyring that remains: unopenable.
    const oldSubjectRows = backup.split('\n').filter((l) => l.includes('"sealed"'));
    expect(oldSubjectRows.length).toBe(4);
    expect(openableValues([...oldSubjectRows, after], [KEK_1])).toEqual(new Set([BOB]));
    // A whole backup from before, with the current secret, still opens: the rotation closes that.
    expect(openableValues([backup, after], [KEK_1])).toEqual(new Set([ALICE, BOB]));

    const rotating = await open(log, sealed(SECRET_2, [SECRET_1]));
    expect(await eraseSubject(rotating, ALICE, fixedClock())).toMatchObject({ erased: 0, atRest: { keys: 2, migrationPending: false } });
    const rotated = await dumpAll(client(), schema());
    // With secret 1 deleted, neither the backup from before erasure nor today's database opens ALICE.
    expect(openableValues([backup, after, rotated], [KEK_2])).toEqual(new Set([BOB]));
    expect(openableValues([rotated], [KEK_1])).toEqual(new Set());
    if (pgDump) {
      const { stdout } = await run('pg_dump', ['--data-only', '--schema', schema(), PG_URL], { maxBuffer: 1 << 26, encoding: 'utf8' });
      expect(stdout).toContain('ledger_subject_keys');
      expect(containsText([stdout], ALICE)).toBe(false);
      expect(openableValues([stdout], [KEK_2])).toEqual(new Set([BOB]));
    }

    const reader = await open(log, sealed(SECRET_2));
    const index = await subjectIndex(reader);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([ERASED, ERASED, BOB, BOB].sort());
    expect((await verifyStore(reader, [key.verifier])).ok).toBe(true);
  });

  it(`${label}: migrates a log written in clear; a log without the secret shows sealed openings as [erased]`, async () => {
    const log = `installation/${label.length}2`;
    const ledger = await openLedger({ store: await open(log, null), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await ledger.append([draft(0, ALICE, BOB)]);
    expect(containsText([await dumpAll(client(), schema())], ALICE)).toBe(true);
    const store = await open(log, sealed(SECRET_1));
    expect(await store.subjectsAtRest()).toMatchObject({ clear: 2, migrationPending: true });
    await eraseSubject(store, 'nobody', fixedClock());
    const dump = await dumpAll(client(), schema());
    expect(containsText([dump], ALICE) || containsText([dump], BOB)).toBe(false);
    const blind = await open(log, null);
    const index = await subjectIndex(blind);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index))).toEqual([ERASED, ERASED]);
    expect(await blind.subjectsAtRest()).toMatchObject({ clear: 0, sealed: 2, unopenable: 2, sealing: false });
  });
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
  suite('pglite', () => lite, () => 'ledger', false);
});

const why = await pgUnavailable();
describe.skipIf(why !== undefined)('real PostgreSQL server', () => {
  let conn: PostgresConnection;
  const schema = freshSchemaName('trailmark_shred');
  beforeAll(async () => {
    conn = realServer(4);
    await migrate(conn, { schema });
  });
  afterAll(async () => {
    await dropSchema(conn, schema);
    await conn.end();
  });
  suite('server', () => conn, () => schema, true);
});
