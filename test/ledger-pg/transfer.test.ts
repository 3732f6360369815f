// `trailmark ledger export|import`: a log moves directory -> PostgreSQL -> directory byte for byte
// (entries, every checkpoint, subjects with tombstones, the tree-state cache), the export files
// of both stores are identical, and `trailmark verify` accepts both ends. On PGlite through the
// engine always; through the CLI on the real server when it is reachable. Every bad input is
// refused with exit 2 and nothing is written.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseFromLedger, verifyLedger } from '../../src/engine/ledger.js';
import { exportLog, importLog } from '../../src/engine/ledger-transfer.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import type { LedgerStore } from '../../src/ledger/store.js';
import { runCli, ledgerFixture, type LedgerFixture } from '../cli-ledger/harness.js';
import { fixedClock, testKey } from '../ledger/fixtures.js';
import { dropSchema, freshSchemaName, PG_URL, pgliteClient, pgUnavailable, realServer, type PgliteClient } from '../support/postgres.js';

/** Every file of a directory ledger except the lock and the directory store's own tail hint. */
function ledgerFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    if (name === 'checkpoints') for (const cp of readdirSync(join(dir, name))) out.set(`checkpoints/${cp}`, readFileSync(join(dir, name, cp)));
    else if (name !== 'lock' && name !== 'tail-hint.json') out.set(name, readFileSync(join(dir, name)));
  }
  return out;
}

async function exportBytes(store: LedgerStore): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await exportLog(store, (c) => Promise.resolve(void chunks.push(c)));
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  // Uneven chunks, so that lines straddle chunk boundaries.
  for (let o = 0; o < bytes.byteLength; o += 997) {
    await Promise.resolve();
    yield bytes.subarray(o, o + 997);
  }
}

/** 6 appends (12 entries, 6 checkpoints), logins committed, one of them erased (a tombstone). */
async function sourceLedger(): Promise<LedgerFixture> {
  const fx = await ledgerFixture(6, { author: 'octocat', reviewer: 'hubot' });
  expect((await eraseFromLedger(openDirStore(fx.dir), 'hubot', fixedClock())).erased).toBeGreaterThan(0);
  return fx;
}

describe('ledger transfer on PGlite (engine)', () => {
  let lite: PgliteClient;
  let fx: LedgerFixture;
  beforeAll(async () => {
    lite = await pgliteClient();
    await migrate(lite, { schema: 'ledger' });
    fx = await sourceLedger();
  });
  afterAll(async () => {
    await lite.close();
    rmSync(fx.root, { recursive: true, force: true });
  });

  it('dir -> pg -> dir gives identical files, identical exports, and both verify', async () => {
    const fromDir = await exportBytes(openDirStore(fx.dir));
    const pg = await openPostgresStore(lite, { log: 'installation/7', schema: 'ledger', create: true });
    const imported = await importLog(pg, () => once(fromDir));
    expect(imported).toMatchObject({ entries: 12, checkpoints: 6, subjects: 12, treeState: true });
    const fromPg = await exportBytes(pg);
    expect(fromPg.equals(fromDir)).toBe(true);
    const back = join(fx.root, 'back');
    await importLog(openDirStore(back, { create: true }), () => once(fromPg));
    const original = ledgerFiles(fx.dir);
    expect([...original.keys()].sort()).toEqual(['checkpoint', ...[2, 4, 6, 8, 10, 12].map((n) => `checkpoints/${n}`), 'entries.jsonl', 'subjects.jsonl', 'tree-state.json'].sort());
    expect(ledgerFiles(back)).toEqual(original);
    const { report } = await verifyLedger(pg, [fx.key.verifier]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: 12, checkpoints: 6 });
    expect((await verifyLedger(openDirStore(back), [fx.key.verifier])).report.ok).toBe(true);
  });

  it('carries lines beyond the last checkpoint as they are, so both ends report the same', async () => {
    const store = openDirStore(fx.dir);
    const lock = await store.lock();
    await store.append([Buffer.from('{"seq":12,"interrupted":true}')]);
    await lock.release();
    try {
      const bytes = await exportBytes(store);
      const pg = await openPostgresStore(lite, { log: 'uncommitted', schema: 'ledger', create: true });
      await importLog(pg, () => once(bytes));
      const a = (await verifyLedger(store, [fx.key.verifier])).report;
      const b = (await verifyLedger(pg, [fx.key.verifier])).report;
      // The line beyond the last checkpoint is reported the same way by both stores.
      expect(a.problems.map((p) => [p.code, p.seq])).toEqual([['NOT_CANONICAL', 12]]);
      expect(a.entries).toBe(12);
      expect({ ...b, warnings: [] }).toEqual({ ...a, warnings: [] });
    } finally {
      const l = await store.lock();
      await store.truncate(12);
      await l.release();
    }
  });

  it('refuses damaged, truncated or edited files and non-empty targets, writing nothing', async () => {
    const bytes = await exportBytes(openDirStore(fx.dir));
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', bytes.subarray(0, bytes.byteLength - 40), /trailer|ends/],
      ['cut mid-entry', bytes.subarray(0, Math.floor(bytes.byteLength / 2)), /ends/],
      ['edited', Buffer.from(bytes.toString('latin1').replace('octocat', 'octodog'), 'latin1'), /SHA-256 does not match/],
      ['empty', new Uint8Array(0), /empty/],
      ['not an export', Buffer.from('{"seq":0}\n'), /does not name the format/],
      ['trailing data', Buffer.concat([bytes, Buffer.from('x\n')]), /after the trailer/],
    ];
    for (const [label, input, message] of cases) {
      const pg = await openPostgresStore(lite, { log: `bad/${label}`, schema: 'ledger', create: true });
      await expect(importLog(pg, () => once(input)), label).rejects.toThrow(message);
      expect(await pg.tail(), label).toEqual({ size: 0, tornBytes: 0 });
      expect(await pg.readSubjects(), label).toEqual([]);
    }
    const full = await openPostgresStore(lite, { log: 'installation/7', schema: 'ledger' });
    await expect(importLog(full, () => once(bytes))).rejects.toThrow(/not empty/);
  });
});

const why = await pgUnavailable();
describe.skipIf(why !== undefined)('trailmark ledger export|import on the real server (CLI)', () => {
  let conn: PostgresConnection;
  let fx: LedgerFixture;
  const schema = freshSchemaName();
  beforeAll(async () => {
    conn = realServer(2);
    fx = await sourceLedger();
  });
  afterAll(async () => {
    await dropSchema(conn, schema);
    await conn.end();
    rmSync(fx.root, { recursive: true, force: true });
  });
  const db = ['--database', PG_URL, '--schema', schema, '--log', 'installation/42'];

  it('dir -> pg -> dir byte for byte, and `trailmark verify` accepts both directories', async () => {
    const cwd = fx.root;
    const ex = await runCli(['ledger', 'export', '--ledger', 'ledger', '--output', 'a.export', '--json'], { cwd });
    expect(ex.stderr).toBe('');
    expect(ex.code).toBe(0);
    expect(JSON.parse(ex.stdout)).toMatchObject({ version: 1, command: 'ledger export', entries: 12, checkpoints: 6, subjects: 12, warnings: [] });
    const im = await runCli(['ledger', 'import', '--input', 'a.export', ...db], { cwd });
    expect(im.stderr).toBe('');
    expect(im.stdout).toMatch(/^imported 12 entries, 6 checkpoints, 12 subject records from a\.export into installation\/42/);
    const ex2 = await runCli(['ledger', 'export', ...db, '--output', 'b.export'], { cwd });
    expect(ex2.code).toBe(0);
    expect(readFileSync(join(cwd, 'b.export')).equals(readFileSync(join(cwd, 'a.export')))).toBe(true);
    // DATABASE_URL stands in for --database (keeps a password off the command line).
    const ex3 = await runCli(['ledger', 'export', '--schema', schema, '--log', 'installation/42', '--output', 'c.export'], { cwd, env: { DATABASE_URL: PG_URL } });
    expect(ex3.stderr).toBe('');
    expect(readFileSync(join(cwd, 'c.export')).equals(readFileSync(join(cwd, 'a.export')))).toBe(true);
    rmSync(join(cwd, 'c.export'));
    expect((await runCli(['ledger', 'import', '--input', 'b.export', '--ledger', 'back'], { cwd })).code).toBe(0);
    expect(ledgerFiles(join(cwd, 'back'))).toEqual(ledgerFiles(fx.dir));
    for (const dir of ['ledger', 'back']) {
      const v = await runCli(['verify', '--ledger', dir, '--key', fx.pubFile], { cwd });
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toMatch(/^ok: .* verifies: 12 entries/);
    }
    const pg = await openPostgresStore(conn, { log: 'installation/42', schema });
    const { report } = await verifyLedger(pg, [fx.key.verifier]);
    expect(report).toMatchObject({ ok: true, entries: 12, checkpoints: 6, problems: [] });
    // `trailmark verify` reads the database log itself, as it reads a directory.
    const vdb = await runCli(['verify', ...db, '--key', fx.pubFile, '--json'], { cwd });
    expect(vdb.stderr).toBe('');
    expect(vdb.code).toBe(0);
    expect(JSON.parse(vdb.stdout)).toMatchObject({ ok: true, ledger: 'installation/42', entries: 12, checkpoints: 6, problems: [] });
    const venv = await runCli(['verify', '--schema', schema, '--log', 'installation/42', '--key', fx.pubFile], { cwd, env: { DATABASE_URL: PG_URL } });
    expect(venv.code, venv.stderr).toBe(0);
    expect(venv.stdout).toMatch(/^ok: installation\/42 verifies: 12 entries/);
    // Another key does not vouch for it: exit 1, as for a directory.
    writeFileSync(join(cwd, 'other.pub'), `${testKey('another-key').verifierKey}\n`);
    const wrong = await runCli(['verify', ...db, '--key', 'other.pub', '--json'], { cwd });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).ok).toBe(false);
    const missingLog = await runCli(['verify', '--database', PG_URL, '--schema', schema, '--log', 'installation/nope', '--key', fx.pubFile], { cwd });
    expect(missingLog.code).toBe(2);
    expect(missingLog.stderr).toContain('hint:');
  });

  it('bad invocations exit 2 with a hint and write nothing', async () => {
    const cwd = fx.root;
    if (!existsSync(join(cwd, 'a.export'))) expect((await runCli(['ledger', 'export', '--ledger', 'ledger', '--output', 'a.export'], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, 'junk.export'), 'not an export\n');
    const cases: [string[], RegExp][] = [
      [['ledger', 'import', '--input', 'a.export', ...db], /not empty/],
      [['ledger', 'import', '--input', 'junk.export', '--database', PG_URL, '--schema', schema, '--log', 'installation/43'], /not a valid ledger export/],
      [['ledger', 'import', '--input', 'missing.export', '--ledger', 'new'], /no file missing\.export/],
      [['ledger', 'import', '--input', 'junk.export', '--ledger', 'junk'], /not a valid ledger export/],
      [['ledger', 'import', '--input', 'a.export', '--ledger', 'ledger'], /already holds a ledger/],
      [['ledger', 'export', '--ledger', 'ledger', '--output', 'a.export'], /already exists/],
      [['ledger', 'export', '--database', PG_URL, '--output', 'c.export'], /--database needs --log/],
      [['ledger', 'export', '--log', 'installation/42', '--output', 'c.export'], /--log names a log in a database/],
      [['ledger', 'export', '--ledger', 'ledger', ...db, '--output', 'c.export'], /exclusive/],
      [['ledger', 'export', '--database', PG_URL, '--schema', schema, '--log', 'installation/nope', '--output', 'c.export'], /no ledger log "installation\/nope"/],
      [['ledger', 'export', '--database', 'mysql://x@y/z', '--log', 'a', '--output', 'c.export'], /not postgres:/],
      [['ledger', 'export', '--database', 'postgres://postgres@127.0.0.1:1/test', '--log', 'a', '--output', 'c.export'], /ECONNREFUSED/],
      [['ledger', 'export', '--database', PG_URL, '--schema', 'Bad-Name', '--log', 'a', '--output', 'c.export'], /invalid PostgreSQL schema name/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).toMatch(/hint: /);
    }
    expect(existsSync(join(cwd, 'c.export'))).toBe(false);
    expect(existsSync(join(cwd, 'new'))).toBe(false);
    expect(existsSync(join(cwd, 'junk'))).toBe(false);
    await expect(openPostgresStore(conn, { log: 'installation/43', schema })).rejects.toThrow(/no ledger log/);
  });
});
