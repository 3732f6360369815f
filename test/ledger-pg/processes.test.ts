// Real processes against one log on the real PostgreSQL server: concurrent appenders from
// separate processes (the lock is the server's advisory lock, not anything in-process), and
// appenders killed with SIGKILL mid-append. Nothing committed may be lost, seq never forks or
// skips, and the log verifies after recovery. Also: concurrent migrations.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openLedger } from '../../src/ledger/log.js';
import { openPostgresStore, type PostgresStore } from '../../src/ledger/store/postgres.js';
import { MIGRATIONS, migrate } from '../../src/ledger/store/postgres-migrations.js';
import { connectPostgres, type PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { changeBody, fixedClock, ORIGIN, prng, seededRandom, testKey } from '../ledger/fixtures.js';
import { dropSchema, freshSchemaName, PG_URL, pgUnavailable, realServer } from '../support/postgres.js';

const WORKER = join(import.meta.dirname, 'append-worker.ts');
const key = testKey();

function worker(schema: string, log: string, count: number, label: string): { child: ChildProcess; committed: Map<number, string>; done: Promise<number | null>; /** Resolves after `n` lines of output (`committed ...` or `stalled`). */ waitFor(n: number): Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, PG_URL, schema, log, String(count), label], { stdio: ['ignore', 'pipe', 'pipe'] });
  const committed = new Map<number, string>();
  let buffered = '';
  let stderr = '';
  let events = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) {
      const [word, seq, hash] = l.split(' ');
      if (word === 'committed') committed.set(Number(seq), hash!);
      events++;
    }
    for (const w of waiters.filter((x) => events >= x.n)) w.resolve();
  });
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(stderr);
    for (const w of waiters) w.resolve();
    resolve(code);
  }));
  return { child, committed, done, waitFor: (n) => new Promise<void>((resolve) => (events >= n ? resolve() : waiters.push({ n, resolve }))) };
}

async function lineHashes(store: PostgresStore): Promise<string[]> {
  const out: string[] = [];
  for await (const l of store.readLines()) out.push(createHash('sha256').update(l).digest('hex'));
  return out;
}

const why = await pgUnavailable();

describe.skipIf(why !== undefined)('PostgreSQL store across processes (real server)', () => {
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

  it('N processes x M appends give exactly the committed entries, contiguous, verified', async () => {
    const N = 3;
    const M = 10;
    const workers = Array.from({ length: N }, (_, i) => worker(schema, 'installation/1', M, `w${i}`));
    const codes = await Promise.all(workers.map((w) => w.done));
    expect(codes).toEqual(Array(N).fill(0));
    const all = new Map<number, string>();
    for (const w of workers) for (const [seq, hash] of w.committed) {
      expect(all.has(seq), `seq ${seq} reported twice`).toBe(false);
      all.set(seq, hash);
    }
    const perWorker = Array.from({ length: M }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
    expect(all.size).toBe(N * perWorker);
    const store = await openPostgresStore(conn, { log: 'installation/1', schema });
    const hashes = await lineHashes(store);
    expect(hashes).toHaveLength(N * perWorker);
    hashes.forEach((h, seq) => expect(all.get(seq)).toBe(h));
    expect((await store.readSubjects()).length).toBe(N * perWorker);
    const report = await verifyStore(store, [key.verifier]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: N * perWorker, uncommitted: 0, tornBytes: 0 });
  });

  it('appenders killed with SIGKILL: recovery repairs, verification passes, nothing committed is lost', async () => {
    const log = 'installation/2';
    const rand = prng(7);
    const committed = new Map<number, string>();
    const repairsSeen = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const w = worker(schema, log, 0, `crash${round}`);
      await w.waitFor(1 + Math.floor(rand() * 4));
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 15)));
      w.child.kill('SIGKILL');
      await w.done;
      for (const [seq, hash] of w.committed) committed.set(seq, hash);
      // The next writer: the dead holder's session is gone, so is its advisory lock.
      const store = await openPostgresStore(conn, { log, schema });
      const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom(`r${round}`) });
      for (const r of ledger.repairedOnOpen) repairsSeen.add(r.kind);
      expect(await ledger.recover()).toEqual([]);
      const report = await verifyStore(store, [key.verifier]);
      expect(report.problems, `round ${round}`).toEqual([]);
      expect(report.uncommitted).toBe(0);
      const hashes = await lineHashes(store);
      for (const [seq, hash] of committed) expect(hashes[seq], `round ${round} seq ${seq}`).toBe(hash);
    }
    expect(committed.size).toBeGreaterThanOrEqual(8);
    console.log(`pg crash rounds: ${committed.size} committed entries; repairs seen: ${[...repairsSeen].sort().join(', ') || 'none'}`);
  });

  it('a process killed between committing lines and their checkpoint: the next writer removes them', async () => {
    const log = 'installation/3';
    const first = worker(schema, log, 2, 'before');
    expect(await first.done).toBe(0);
    const w = worker(schema, log, -1, 'stall');
    await w.waitFor(1);
    const store = await openPostgresStore(conn, { log, schema });
    expect(await store.tail()).toEqual({ size: first.committed.size + 1, tornBytes: 0 });
    w.child.kill('SIGKILL');
    await w.done;
    // The killed holder's session ends, so its advisory lock goes with it: this does not hang.
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('after') });
    expect(ledger.repairedOnOpen.map((r) => r.kind)).toEqual(['uncommitted-lines']);
    expect(await store.tail()).toEqual({ size: first.committed.size, tornBytes: 0 });
    await ledger.append([{ kind: 'change.analyzed', policy: 'after', body: changeBody(99) }]);
    const report = await verifyStore(store, [key.verifier]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: first.committed.size + 1, uncommitted: 0 });
  });

  it('a holder whose session the server ended cannot write; the next holder appends without a fork', async () => {
    const log = 'installation/4';
    const app = `trailmark-test-terminate-${process.pid}`;
    const connA = connectPostgres(PG_URL, { max: 2, applicationName: app });
    const a = await openPostgresStore(connA, { log, schema, create: true });
    const b = await openPostgresStore(conn, { log, schema });
    const enc = new TextEncoder();
    const lockA = await a.lock();
    await a.append([enc.encode('{"seq":0}')]);
    // The session holding A's advisory lock is terminated (as a network partition or an
    // administrator would end it).
    const { rows } = await conn.query<{ pid: number }>(
      "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND s.application_name = $1",
      [app],
    );
    expect(rows).toHaveLength(1);
    await conn.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const lockB = await b.lock();
    await b.append([enc.encode('{"seq":1}')]);
    await expect(a.append([enc.encode('{"seq":1,"from":"a"}')])).rejects.toMatchObject({ code: 'IO' });
    await lockA.release();
    await b.append([enc.encode('{"seq":2}')]);
    await lockB.release();
    await connA.end();
    const lines: string[] = [];
    for await (const l of b.readLines()) lines.push(Buffer.from(l).toString());
    expect(lines).toEqual(['{"seq":0}', '{"seq":1}', '{"seq":2}']);
  });

  it('a hung holder (idle past the bound) loses its lock to the server; its next write fails', async () => {
    const log = 'installation/5';
    const hung = connectPostgres(PG_URL, { max: 2, lockIdleTimeoutMs: 1000 });
    try {
      const a = await openPostgresStore(hung, { log, schema, create: true });
      const b = await openPostgresStore(conn, { log, schema });
      const enc = new TextEncoder();
      const lockA = await a.lock();
      await a.append([enc.encode('{"seq":0}')]);
      // B waits on the server's lock while A sits idle; the server ends A's session after 1 s.
      const lockB = await b.lock();
      await expect(a.append([enc.encode('{"seq":1,"from":"a"}')])).rejects.toMatchObject({ code: 'IO' });
      await b.append([enc.encode('{"seq":1}')]);
      await lockB.release();
      await lockA.release();
      const lines: string[] = [];
      for await (const l of b.readLines()) lines.push(Buffer.from(l).toString());
      expect(lines).toEqual(['{"seq":0}', '{"seq":1}']);
    } finally {
      await hung.end();
    }
  });

  it('more concurrent writers than pooled connections: holders read on their own session, nobody starves', async () => {
    const small = connectPostgres(PG_URL, { max: 2 });
    try {
      const ledgers = await Promise.all(['a', 'b', 'c', 'd'].map(async (name) => {
        const store = await openPostgresStore(small, { log: `pool/${name}`, schema, create: true });
        return openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom(name) });
      }));
      // Four writers at once (one Ledger object appends sequentially) over two connections.
      await Promise.all(ledgers.map(async (l, i) => {
        for (const j of [0, 1, 2]) await l.append([{ kind: 'change.analyzed', policy: `p${i}-${j}`, body: changeBody(j) }]);
      }));
      for (const l of ledgers) {
        const report = await verifyStore(l.store, [key.verifier]);
        expect(report).toMatchObject({ ok: true, entries: 3, checkpoints: 3 });
      }
    } finally {
      await small.end();
    }
  });

  it('two processes migrating at once: both succeed, each version applied once', async () => {
    const fresh = freshSchemaName('trailmark_mig');
    // Separate pools: separate sessions, as two replicas starting at once.
    const a = realServer(2);
    const b = realServer(2);
    try {
      const results = await Promise.all([migrate(a, { schema: fresh }), migrate(b, { schema: fresh }), migrate(a, { schema: fresh })]);
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
      expect(results.map((r) => r.version)).toEqual(Array(3).fill(MIGRATIONS.at(-1)!.version));
      const { rows } = await conn.query<{ version: number }>(`SELECT version FROM "${fresh}".schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(b, { schema: fresh })).toEqual({ applied: [], version: MIGRATIONS.at(-1)!.version });
    } finally {
      await dropSchema(conn, fresh);
      await a.end();
      await b.end();
    }
  });

  it('refuses a database whose schema is newer than this build', async () => {
    const fresh = freshSchemaName('trailmark_mig');
    try {
      await migrate(conn, { schema: fresh });
      await conn.query(`INSERT INTO "${fresh}".schema_migrations (version, name) VALUES (999, 'from the future')`);
      await expect(migrate(conn, { schema: fresh })).rejects.toThrow(/version 999, newer than this trailmark knows/);
    } finally {
      await dropSchema(conn, fresh);
    }
  });
});
