// `trailmark ledger export`/`import` carry the subject keyring: sealed openings stay sealed in
// the file and open on the target with the same secret, erased ones stay erased, and a target
// without that secret is refused before anything is written. On PGlite and on the real server.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseFromLedger } from '../../src/engine/ledger.js';
import { exportLog, importLog } from '../../src/engine/ledger-transfer.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { subjectIndex } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import { openPostgresStore, type SqlClient } from '../../src/ledger/store/postgres.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { postgresSubjectKeyring } from '../../src/ledger/store/subject-keyring.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { subjectSealing } from '../../src/ledger/subject-vault.js';
import { displaySubject, ERASED } from '../../src/ledger/subjects.js';
import { runCli } from '../cli-ledger/harness.js';
import { containsText, openableValues, realRandom } from '../ledger/erase-support.js';
import { fixedClock } from '../ledger/fixtures.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer, type PgliteClient } from '../support/postgres.js';
import { ALICE, BOB, dirLedger, dumpAll, files, key, once, OTHER_SECRET, SECRET } from './support.js';

const KEK = subjectKekFromSecret(SECRET);
const OTHER = subjectKekFromSecret(OTHER_SECRET);
const sealing = () => subjectSealing(SECRET, [], realRandom)!;

interface TransferJson {
  subjects: number;
  subjectKeys: number;
  clearSubjects: number;
  warnings: string[];
  subjectWarnings: string[];
}

/** A sealed directory ledger with ALICE erased, exported by the CLI with no secret in its environment. */
async function sealedExport(): Promise<{ root: string; dir: string; pub: string; file: string; bytes: Buffer }> {
  const fx = await dirLedger(sealing());
  expect((await eraseFromLedger(openDirStore(fx.dir, { subjectSealing: sealing() }), ALICE, fixedClock())).erased).toBe(2);
  const out = await runCli(['ledger', 'export', '--ledger', fx.dir, '--output', 'log.export', '--json'], { cwd: fx.root });
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  expect(JSON.parse(out.stdout) as TransferJson).toMatchObject({ subjects: 4, subjectKeys: 2, clearSubjects: 0, warnings: [], subjectWarnings: [] });
  const file = join(fx.root, 'log.export');
  const bytes = readFileSync(file);
  expect(bytes.toString('utf8').split('\n')[0]).toMatch(/^\{"format":"trailmark-ledger-export","version":2,"entries":\d+,"checkpoints":\[[\d,]+\],"subjectKeys":2,"subjects":4,"treeState":(true|false)\}$/);
  // In transit: no value in clear, nothing opens without the secret, and only BOB with it.
  expect(containsText([bytes], ALICE) || containsText([bytes], BOB)).toBe(false);
  expect(openableValues([bytes], [])).toEqual(new Set());
  expect(openableValues([bytes], [KEK])).toEqual(new Set([BOB]));
  return { ...fx, file, bytes };
}

function suite(label: string, client: () => SqlClient, schema: () => string): void {
  it(`${label}: directory -> PostgreSQL -> directory keeps sealed openings openable and erased ones erased`, async () => {
    const src = await sealedExport();
    const log = `shred/${label}/${Date.now().toString(36)}`;

    for (const [secret, message] of [
      [null, new RegExp(`subject keys are wrapped under key ${KEK.id}, and no TRAILMARK_SUBJECT_KEK is configured`)],
      [OTHER_SECRET, new RegExp(`wrapped under key ${KEK.id}, and the configured secret is key ${OTHER.id}`)],
    ] as const) {
      const s = secret === null ? null : subjectSealing(secret, [], realRandom)!;
      const target = await openPostgresStore(client(), { log: `${log}-refused-${secret === null ? 'none' : 'other'}`, schema: schema(), create: true, subjectSealing: s });
      await expect(importLog(target, () => once(src.bytes), postgresSubjectKeyring(target, s))).rejects.toThrow(message);
      expect(await target.tail()).toEqual({ size: 0, tornBytes: 0 });
      expect(await target.readSubjectKeyring()).toEqual([]);
      expect(await target.readSubjects()).toEqual([]);
    }

    const target = await openPostgresStore(client(), { log, schema: schema(), create: true, subjectSealing: sealing() });
    const imported = await importLog(target, () => once(src.bytes), postgresSubjectKeyring(target, sealing()));
    expect(imported).toMatchObject({ subjects: 4, subjectKeys: 2, clearSubjects: 0, warnings: [], subjectWarnings: [] });
    const dump = await dumpAll(client(), schema());
    expect(containsText([dump], ALICE) || containsText([dump], BOB)).toBe(false);
    expect(openableValues([dump], [KEK])).toEqual(new Set([BOB]));
    expect(await target.subjectsAtRest()).toEqual({ clear: 0, sealed: 2, unopenable: 0, tombstones: 2, keys: 2, sealing: true, migrationPending: false });
    const index = await subjectIndex(target);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([BOB, BOB, ERASED, ERASED].sort());
    expect((await verifyStore(target, [key.verifier])).ok).toBe(true);

    // Back out of the database, with no secret: the same bytes as the directory's export.
    const raw = await openPostgresStore(client(), { log, schema: schema(), subjectSealing: null });
    const chunks: Uint8Array[] = [];
    await exportLog(raw, (c) => Promise.resolve(void chunks.push(c)), postgresSubjectKeyring(raw, null));
    expect(Buffer.concat(chunks).equals(src.bytes)).toBe(true);

    // And into a new directory through the CLI: refused without the secret (nothing created), opened with it.
    const refused = await runCli(['ledger', 'import', '--input', src.file, '--ledger', 'back'], { cwd: src.root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`wrapped under key ${KEK.id}, and no TRAILMARK_SUBJECT_KEK is configured`);
    expect(refused.stderr).toMatch(/hint: set TRAILMARK_SUBJECT_KEK to the source ledger's secret/);
    expect(existsSync(join(src.root, 'back'))).toBe(false);
    const back = await runCli(['ledger', 'import', '--input', src.file, '--ledger', 'back', '--json'], { cwd: src.root, env: { TRAILMARK_SUBJECT_KEK: SECRET } });
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout) as TransferJson).toMatchObject({ subjectKeys: 2, warnings: [], subjectWarnings: [] });
    const backDir = join(src.root, 'back');
    expect(containsText(files(backDir), ALICE) || containsText(files(backDir), BOB)).toBe(false);
    expect(openableValues(files(backDir), [KEK])).toEqual(new Set([BOB]));
    const reader = openDirStore(backDir, { subjectSealing: sealing() });
    const backIndex = await subjectIndex(reader);
    expect([...backIndex.values()].map((r) => displaySubject(r.commitment, backIndex)).sort()).toEqual([BOB, BOB, ERASED, ERASED].sort());
    const verified = await runCli(['verify', '--ledger', 'back', '--key', src.pub, '--json'], { cwd: src.root, env: { TRAILMARK_SUBJECT_KEK: SECRET } });
    expect(verified.code).toBe(0);
    expect((JSON.parse(verified.stdout) as { subjectsAtRest: unknown }).subjectsAtRest).toMatchObject({ clear: 0, sealed: 2, unopenable: 0, keys: 2 });
  });

  it(`${label}: a clear ledger exports with a warning, and an import with the secret seals its openings`, async () => {
    const fx = await dirLedger(null);
    const out = await runCli(['ledger', 'export', '--ledger', fx.dir, '--output', 'clear.export', '--json'], { cwd: fx.root });
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout) as TransferJson;
    expect(summary).toMatchObject({ subjects: 4, subjectKeys: 0, clearSubjects: 4 });
    expect(summary.warnings).toEqual([]);
    expect(summary.subjectWarnings.join('\n')).toMatch(/4 subject openings are stored in clear in the source, and so in clear in this file/);
    const bytes = readFileSync(join(fx.root, 'clear.export'));
    expect(bytes.toString('utf8').split('\n')[0]).toMatch(/"version":1,/);
    const target = await openPostgresStore(client(), { log: `shred/${label}/clear-${Date.now().toString(36)}`, schema: schema(), create: true, subjectSealing: sealing() });
    const imported = await importLog(target, () => once(bytes), postgresSubjectKeyring(target, sealing()));
    expect(imported.subjectWarnings.join('\n')).toMatch(/4 subject openings were in clear in the file and are sealed in the target/);
    expect(await target.subjectsAtRest()).toMatchObject({ clear: 0, sealed: 4, unopenable: 0, keys: 4 });
    const dump = await dumpAll(client(), schema());
    expect(openableValues([dump], [])).toEqual(new Set());
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
  suite('pglite', () => lite, () => 'ledger');
});

const why = await pgUnavailable();
describe.skipIf(why !== undefined)('real PostgreSQL server', () => {
  let conn: PostgresConnection;
  const schema = freshSchemaName('trailmark_shred_transfer');
  beforeAll(async () => {
    conn = realServer(4);
    await migrate(conn, { schema });
  });
  afterAll(async () => {
    await dropSchema(conn, schema);
    await conn.end();
  });
  suite('server', () => conn, () => schema);
});
