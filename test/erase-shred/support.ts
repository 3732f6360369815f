// Shared pieces of the erasure suites: ledgers with people in them, every byte of a directory,
// every row of a schema, and export bytes in uneven chunks.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { quoteSchema, type SqlClient } from '../../src/ledger/store/postgres.js';
import type { LedgerStore } from '../../src/engine/ledger.js';
import type { SubjectSealing } from '../../src/ledger/subject-vault.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from '../ledger/fixtures.js';

export const SECRET = 'shred-secret-0123456789abcdef0123456789abcdef';
export const OTHER_SECRET = 'shred-other-fedcba9876543210fedcba9876543210';
export const ALICE = 'alice-shred-5e1f@example.com';
export const BOB = 'bob-shred-a93c';
export const key = testKey();

export function draft(i: number, ...people: string[]): EntryDraft {
  return { kind: 'change.analyzed', policy: 'p', body: (ctx) => changeBody(i, Object.fromEntries(people.map((p, j) => [`role.${j}`, ctx.commit(p)]))) };
}

/** Three appends with people: entry 0 [ALICE, BOB], entry 1 [ALICE], entry 2 [BOB]: four openings (plus the scan entries' none). */
export async function fill(store: LedgerStore): Promise<void> {
  const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await ledger.append([draft(0, ALICE, BOB)]);
  await ledger.append([draft(1, ALICE)]);
  await ledger.append([draft(2, BOB)]);
}

/** A temp root with `ledger/` (filled, sealed under `sealing` or in clear with null) and `key.pub`. */
export async function dirLedger(sealing: SubjectSealing | null): Promise<{ root: string; dir: string; pub: string }> {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-shred-'));
  const dir = join(root, 'ledger');
  const pub = join(root, 'key.pub');
  writeFileSync(pub, `${key.verifierKey}\n`);
  await fill(openDirStore(dir, { create: true, subjectSealing: sealing }));
  return { root, dir, pub };
}

/** Every byte of every file under `dir`. */
export function files(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [readFileSync(join(dir, n))]));
}

/** Every row of every table of `schema`, one column value per line (bytea as UTF-8 text). */
export async function dumpAll(sql: SqlClient, schema: string): Promise<string> {
  const { rows: tables } = await sql.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
  expect(tables.map((t) => t.table_name)).toContain('ledger_subject_keys');
  const out: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await sql.query(`SELECT * FROM ${quoteSchema(schema)}."${table_name}"`);
    for (const row of rows) for (const v of Object.values(row)) out.push(v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out.join('\n');
}

export async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  // Uneven chunks, so that lines straddle chunk boundaries.
  for (let o = 0; o < bytes.byteLength; o += 997) {
    await Promise.resolve();
    yield bytes.subarray(o, o + 997);
  }
}
