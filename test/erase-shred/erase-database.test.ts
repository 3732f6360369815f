// `trailmark erase --database URL --log NAME` (and DATABASE_URL with --log) on the real
// PostgreSQL server: after the erasure no row of the schema, and no `pg_dump` of it, holds an
// opening of the subject in clear or a key that opens it; a dump taken BEFORE the erasure still
// opens it with the current secret (the documented limit: expire such backups or rotate).
// The CLI needs a server URL, so this suite runs on the real server only; PGlite runs the same
// erasure through the store in test/ledger/erase-postgres.test.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { subjectSealing } from '../../src/ledger/subject-vault.js';
import { runCli } from '../cli-ledger/harness.js';
import { containsText, openableValues, realRandom } from '../ledger/erase-support.js';
import { dropSchema, freshSchemaName, PG_URL, pgUnavailable, realServer } from '../support/postgres.js';
import { ALICE, BOB, dumpAll, fill, key, SECRET } from './support.js';

const run = promisify(execFile);
const KEK = subjectKekFromSecret(SECRET);

const why = await pgUnavailable();
describe.skipIf(why !== undefined)('erase --database on the real PostgreSQL server', () => {
  let conn: PostgresConnection;
  const schema = freshSchemaName('trailmark_shred_erase');
  const cwd = mkdtempSync(join(tmpdir(), 'trailmark-shred-db-'));
  const pub = join(cwd, 'key.pub');
  beforeAll(async () => {
    writeFileSync(pub, `${key.verifierKey}\n`);
    conn = realServer(4);
    await migrate(conn, { schema });
  });
  afterAll(async () => {
    await dropSchema(conn, schema);
    await conn.end();
  });

  it('destroys the subject keys in the table; only a dump from before still opens the subject', async () => {
    const log = 'installation/4242';
    await fill(await openPostgresStore(conn, { log, schema, create: true, subjectSealing: subjectSealing(SECRET, [], realRandom)! }));
    const before = await dumpAll(conn, schema);
    expect(containsText([before], ALICE)).toBe(false);
    expect(openableValues([before], [KEK])).toEqual(new Set([ALICE, BOB]));

    const blind = await runCli(['erase', '--database', PG_URL, '--log', log, '--schema', schema, '--subject', ALICE], { cwd });
    expect(blind.code).toBe(2);
    expect(blind.stderr).toMatch(/are sealed, and no subject key secret is configured\nhint: set TRAILMARK_SUBJECT_KEK/);

    // DATABASE_URL with --log, as the App's operators run it (no password on the command line).
    const erased = await runCli(['erase', '--log', log, '--schema', schema, '--subject', ALICE, '--json'], { cwd, env: { DATABASE_URL: PG_URL, TRAILMARK_SUBJECT_KEK: SECRET } });
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    expect(JSON.parse(erased.stdout)).toEqual({ erased: 2, seqs: [0, 1], subjectsAtRest: { clear: 0, sealed: 2, unopenable: 0, tombstones: 2, keys: 2, sealing: true, migrationPending: false } });

    const after = await dumpAll(conn, schema);
    expect(containsText([after], ALICE) || containsText([after], BOB)).toBe(false);
    expect(openableValues([after], [KEK])).toEqual(new Set([BOB]));
    const { stdout: pgDump } = await run('pg_dump', ['--data-only', '--schema', schema, PG_URL], { maxBuffer: 1 << 26, encoding: 'utf8' });
    expect(pgDump).toContain('ledger_subject_keys');
    expect(containsText([pgDump], ALICE)).toBe(false);
    expect(openableValues([pgDump], [KEK])).toEqual(new Set([BOB]));
    // The limit erasure.md documents: a backup from before, with the current secret, still opens ALICE.
    expect(openableValues([before, after], [KEK])).toEqual(new Set([ALICE, BOB]));

    const again = await runCli(['erase', '--database', PG_URL, '--log', log, '--schema', schema, '--subject', ALICE], { cwd, env: { TRAILMARK_SUBJECT_KEK: SECRET } });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('erased nothing');

    const verified = await runCli(['verify', '--database', PG_URL, '--log', log, '--schema', schema, '--key', pub, '--json'], { cwd, env: { TRAILMARK_SUBJECT_KEK: SECRET } });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, subjectsAtRest: { clear: 0, sealed: 2, tombstones: 2, warning: null }, subjectWarnings: [] });
  });

  it('on a log kept in clear: verify warns, and erase says what earlier copies still hold', async () => {
    const log = 'installation/4343';
    await fill(await openPostgresStore(conn, { log, schema, create: true, subjectSealing: null }));
    const verified = await runCli(['verify', '--database', PG_URL, '--log', log, '--schema', schema, '--key', pub], { cwd });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('warning: subject openings: 4 stored in clear');
    const erased = await runCli(['erase', '--database', PG_URL, '--log', log, '--schema', schema, '--subject', BOB], { cwd });
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/warning: the erased openings were stored in clear: backups, dumps, WAL archives and replicas made before this erasure still hold them readable/);
    expect(erased.stdout).toContain('warning: subject openings: 2 stored in clear');
    const rows = await conn.query<{ record: string }>(`SELECT s.record FROM "${schema}".ledger_subjects s JOIN "${schema}".ledger_logs l ON l.id = s.log WHERE l.name = $1`, [log]);
    expect(containsText(rows.rows.map((r) => r.record), BOB)).toBe(false);
  });
});
