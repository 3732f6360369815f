// The PostgreSQL ledger store against the directory store, each figure a ratio to raw
// node:crypto Ed25519 measured in the same run (same entries, same batches):
//   append: entries/s appended through the Ledger facade / raw signatures/s
//   verify: entries/s verified by the streaming verifier reading the store / raw verifications/s
// Runs on the server at TRAILMARK_PG_URL (or DATABASE_URL, or the local default) in a fresh
// schema dropped afterwards; skipped with the reason when no server answers. Each figure is the
// median of ROUNDS runs (the bench host may be shared).
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Random } from '../core/ports.js';
import { verifyStore } from '../ledger/check-store.js';
import { CHANGE_ANALYZED_SCHEMA, type ChangeAnalyzedBody } from '../ledger/kinds/change-analyzed.js';
import { openLedger, type EntryDraft } from '../ledger/log.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../ledger/note.js';
import type { LedgerStore } from '../ledger/store.js';
import { openDirStore } from '../ledger/store/dir.js';
import { openPostgresStore } from '../ledger/store/postgres.js';
import { migrate } from '../ledger/store/postgres-migrations.js';
import { connectPostgres } from '../ledger/store/postgres-pool.js';

export interface PostgresBenchOptions {
  readonly entries?: number;
  readonly batch?: number;
  readonly url?: string;
  readonly log?: (line: string) => void;
}

export interface StoreRates {
  readonly appendPerSec: number;
  readonly appendRatio: number;
  readonly verifyPerSec: number;
  readonly verifyRatio: number;
}

export interface PostgresBenchReport {
  readonly skipped?: string;
  readonly entries: number;
  readonly batch: number;
  readonly entryBytes: number;
  readonly rawSignPerSec: number;
  readonly rawVerifyPerSec: number;
  readonly dir: StoreRates | null;
  readonly postgres: StoreRates | null;
}

const ROUNDS = 3;
const ORIGIN = 'bench.example/ledger';

function body(i: number): ChangeAnalyzedBody {
  // About the size of a real change.analyzed entry: 12 hunks.
  return {
    schema: CHANGE_ANALYZED_SCHEMA,
    repository: 'octo/bench',
    pullRequest: i,
    base: 'a'.repeat(40),
    head: i.toString(16).padStart(40, '0'),
    tool: { name: 'trailmark', version: '0.1.0' },
    detectors: [{ id: 'assistant-text', version: '1' }],
    model: 'model-1',
    thresholds: { low: 0.5, high: 0.8 },
    counts: {
      files: 12,
      hunks: 12,
      addedLines: 140,
      commits: 1,
      omissions: 0,
      verdicts: { attested: 0, unattested: 12, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 },
      findings: { unattested: 12, contradicted: 0, 'approval-drift': 0 },
      evidence: { recorded: 0, declared: 0, stamped: 0, inferred: 12 },
    },
    subjects: {},
    hunks: Array.from({ length: 12 }, (_, h) => ({ path: `src/module-${h}/file-${(i + h) % 997}.ts`, startLine: 10 + h, endLine: 22 + h, contentDigest: `sha256:${((i * 12 + h) % 65521).toString(16).padStart(64, '0')}`, verdict: 'unattested' as const, evidence: ['inferred' as const], score: 0.91 })),
    hunkPages: 0,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const counterRandom = (): Random => {
  let n = 0;
  return { bytes: (k) => Buffer.alloc(k, n++ & 0xff) };
};

async function run(store: LedgerStore, entries: number, batch: number): Promise<{ append: number; verify: number; entryBytes: number }> {
  const key = generateNoteKey(ORIGIN, Buffer.alloc(32, 1));
  const ledger = await openLedger({ store, signer: parseSignerKey(key.signerKey), origin: ORIGIN, clock: { now: () => Date.UTC(2026, 0, 1) }, random: counterRandom() });
  let ns = 0n;
  for (let i = 0; i < entries; i += batch) {
    const drafts: EntryDraft[] = Array.from({ length: Math.min(batch, entries - i) }, (_, j) => ({ kind: 'change.analyzed', policy: 'bench-1', body: body(i + j) }));
    const t = process.hrtime.bigint();
    await ledger.append(drafts);
    ns += process.hrtime.bigint() - t;
  }
  const last = await store.lastLine();
  const t = process.hrtime.bigint();
  const report = await verifyStore(store, [parseVerifierKey(key.verifierKey)]);
  const verifyNs = process.hrtime.bigint() - t;
  if (!report.ok) throw new Error(`bench ledger does not verify: ${report.problems[0]?.message ?? ''}`);
  return { append: entries / (Number(ns) / 1e9), verify: entries / (Number(verifyNs) / 1e9), entryBytes: last?.byteLength ?? 0 };
}

function raw(entryBytes: number, n: number): { sign: number; verify: number } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const msg = randomBytes(entryBytes);
  let sig = Buffer.alloc(0);
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sig = sign(null, msg, privateKey);
  const s = n / (Number(process.hrtime.bigint() - t) / 1e9);
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) verify(null, msg, publicKey, sig);
  return { sign: s, verify: n / (Number(process.hrtime.bigint() - t) / 1e9) };
}

export async function benchPostgresStore(options: PostgresBenchOptions = {}): Promise<PostgresBenchReport> {
  const entries = options.entries ?? 5_000;
  const batch = options.batch ?? 100;
  const log = options.log ?? (() => undefined);
  const url = options.url ?? process.env.TRAILMARK_PG_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const conn = connectPostgres(url, { max: 4, applicationName: 'trailmark-bench' });
  const empty = { entries, batch, entryBytes: 0, rawSignPerSec: 0, rawVerifyPerSec: 0, dir: null, postgres: null };
  try {
    await conn.query('SELECT 1');
  } catch (err) {
    await conn.end().catch(() => undefined);
    return { ...empty, skipped: `no PostgreSQL server at ${conn.label} (${err instanceof Error ? err.message : String(err)})` };
  }
  const schema = `trailmark_bench_${process.pid}`;
  const samples = { dirA: [] as number[], dirV: [] as number[], pgA: [] as number[], pgV: [] as number[], sign: [] as number[], verify: [] as number[] };
  let entryBytes = 0;
  try {
    await migrate(conn, { schema });
    for (let round = 0; round < ROUNDS; round++) {
      log(`postgres bench round ${round + 1}/${ROUNDS}: ${entries} entries in batches of ${batch}`);
      const root = mkdtempSync(join(tmpdir(), 'trailmark-bench-pg-'));
      try {
        const d = await run(openDirStore(join(root, 'ledger'), { create: true }), entries, batch);
        samples.dirA.push(d.append);
        samples.dirV.push(d.verify);
        entryBytes = d.entryBytes;
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      const p = await run(await openPostgresStore(conn, { log: `bench/${round}`, schema, create: true }), entries, batch);
      samples.pgA.push(p.append);
      samples.pgV.push(p.verify);
      const r = raw(entryBytes, Math.min(entries, 3_000));
      samples.sign.push(r.sign);
      samples.verify.push(r.verify);
    }
  } finally {
    await conn.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await conn.end();
  }
  const rawSignPerSec = median(samples.sign);
  const rawVerifyPerSec = median(samples.verify);
  const rates = (a: number[], v: number[]): StoreRates => ({ appendPerSec: median(a), appendRatio: median(a) / rawSignPerSec, verifyPerSec: median(v), verifyRatio: median(v) / rawVerifyPerSec });
  return { entries, batch, entryBytes, rawSignPerSec, rawVerifyPerSec, dir: rates(samples.dirA, samples.dirV), postgres: rates(samples.pgA, samples.pgV) };
}
