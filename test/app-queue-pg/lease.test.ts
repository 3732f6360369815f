// A run that loses its job's lease stops and is never completed (app/pg-queue.ts, "A lost lease
// stops the run"), on the real PostgreSQL server (127.0.0.1:5432, database `test`) and on
// PGlite (the path the suite takes without a server), each test on both:
// - a job slower than MAX_RUN_TIMEOUTS job timeouts: its signal aborts with a LeaseLostError
//   before any other replica can take it, the run stops at its next step, the queue records the
//   lost lease as a failed attempt (logged, counted, retried although the runner's `retryable`
//   says no), and the job then runs once more, never two runs at once, and completes;
// - a run taken for dead (its row expired and run again elsewhere): its signal aborts, it writes
//   nothing, its late end completes nothing, and the attempt is counted by the run that took over.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../../app/job.js';
import { MAX_RUN_TIMEOUTS, PgQueue, QUEUE_NAME, type PgQueueOptions } from '../../app/pg-queue.js';
import { LeaseLostError } from '../../app/queue.js';
import type { SqlClient } from '../../src/ledger/store/postgres.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer } from '../support/postgres.js';

const serverMissing = await pgUnavailable();
if (serverMissing !== undefined) process.stdout.write(`skipped on the server: ${serverMissing}\n`);

const job: Job = { kind: 'analyze', installationId: 1, owner: 'o', repo: 'r', number: 7 };
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await tick();
}

interface Backend {
  readonly sql: SqlClient;
  close(): Promise<void>;
}

const backends: readonly { readonly name: string; readonly missing: string | undefined; readonly open: () => Promise<Backend> }[] = [
  {
    name: 'the PostgreSQL server', missing: serverMissing,
    open: () => {
      const conn = realServer(20);
      return Promise.resolve({ sql: conn, close: () => conn.end() });
    },
  },
  {
    name: 'PGlite', missing: undefined,
    open: async () => {
      const lite = await pgliteClient();
      return { sql: lite, close: () => lite.close() };
    },
  },
];

describe.each(backends)('lost leases on $name', ({ missing, open }) => {
  let backend: Backend;
  const schemas: string[] = [];
  const queues: PgQueue[] = [];

  beforeAll(async () => {
    if (missing === undefined) backend = await open();
  });
  afterAll(async () => {
    for (const q of queues) await q.stop();
    if (backend === undefined) return;
    for (const s of schemas) await dropSchema(backend.sql, s).catch(() => undefined);
    await backend.close();
  });

  const queueOn = (schema: string, o: Partial<PgQueueOptions> & Pick<PgQueueOptions, 'run' | 'log'>): PgQueue => {
    const q = new PgQueue({
      sql: backend.sql, schema, concurrency: 1, pollIntervalMs: 100, maintenanceIntervalSeconds: 1, jobTimeoutSeconds: 1,
      retryable: () => false, onFinalFailure: () => Promise.resolve(), ...o,
    });
    queues.push(q);
    return q;
  };
  const fresh = () => {
    const s = freshSchemaName('tml');
    schemas.push(s);
    return s;
  };
  const rowOf = async (schema: string) => (await backend.sql.query<{ state: string; retry_count: number }>(
    `SELECT state::text AS state, retry_count FROM ${schema}.job WHERE name = $1`, [QUEUE_NAME])).rows;

  test.skipIf(missing !== undefined)(`a job past ${MAX_RUN_TIMEOUTS} job timeouts is told to stop, not completed, counted as an attempt and run again, never twice at once`, async () => {
    const schema = fresh();
    const logs: string[] = [];
    const reasons: unknown[] = [];
    const writes: string[] = [];
    let runs = 0;
    let active = 0;
    let most = 0;
    // The first run works in steps and checks its signal between them, as the App's worker does;
    // it would go on for ever. Each run's last step is its write.
    const run: PgQueueOptions['run'] = async (_j, _k, signal) => {
      const n = ++runs;
      most = Math.max(most, ++active);
      try {
        while (n === 1 && !signal.aborted) await tick(50);
        if (signal.aborted) reasons.push(signal.reason);
        signal.throwIfAborted();
        writes.push(`run ${n}`);
      } finally {
        active--;
      }
    };
    const backoff = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 };
    const first = queueOn(schema, { backoff, run, log: (l) => logs.push(`first: ${l}`) });
    const other = queueOn(schema, { backoff, run, log: (l) => logs.push(`other: ${l}`) });
    await first.enqueue('k', job);
    await until(() => runs === 1);
    await other.start();
    await until(async () => writes.length === 1 && (await rowOf(schema))[0]?.state === 'completed');
    expect(runs).toBe(2);
    expect(most).toBe(1);
    expect(writes).toEqual(['run 2']);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(LeaseLostError);
    expect((reasons[0] as LeaseLostError).message).toBe(`lease lost: it ran past ${MAX_RUN_TIMEOUTS} job timeouts (${MAX_RUN_TIMEOUTS} s), the most a lease is extended: taken for hung`);
    // The lost lease is attempt 1's failure, in the row and in the log; the second run is attempt 2.
    expect(await rowOf(schema)).toEqual([{ state: 'completed', retry_count: 1 }]);
    expect(logs.filter((l) => l.startsWith('first: ') && l.includes('analyze job for o/r#7 still runs after 1 s and its lease was not extended'))).toEqual([
      `first: trailmark: analyze job for o/r#7 still runs after 1 s and its lease was not extended (${MAX_RUN_TIMEOUTS} job timeouts reached): the run is told to stop and will not be completed; another replica may run it again`,
    ]);
    expect(logs.some((l) => /^first: trailmark: analyze job for o\/r#7 stopped after its lease was lost, not completed \(attempt 1 of 3\), retrying in \d+ s: lease lost: it ran past/.test(l))).toBe(true);
    expect(logs.filter((l) => l.includes('could not'))).toEqual([]);
  });

  test.skipIf(missing !== undefined)('a run taken for dead and run again elsewhere stops, writes nothing and completes nothing; its attempt is counted', async () => {
    const schema = fresh();
    const logs: string[] = [];
    const reasons: unknown[] = [];
    const writes: string[] = [];
    let runs = 0;
    const run: PgQueueOptions['run'] = async (_j, _k, signal) => {
      const n = ++runs;
      while (n === 1 && !signal.aborted) await tick(50);
      if (signal.aborted) reasons.push(signal.reason);
      signal.throwIfAborted();
      writes.push(`run ${n}`);
    };
    const first = queueOn(schema, { run, log: (l) => logs.push(`first: ${l}`) });
    await first.enqueue('k', job);
    await until(() => runs === 1);
    // What pg-boss's expiry does to a run whose replica stopped extending it (a partition, a
    // blocked event loop), done at once here.
    await backend.sql.query(`UPDATE ${schema}.job SET state = 'retry', start_after = now(), output = '{"value":{"message":"job failed by timeout in active state"}}' WHERE name = $1 AND state = 'active'`, [QUEUE_NAME]);
    const second = queueOn(schema, { run, log: (l) => logs.push(`second: ${l}`) });
    await second.start();
    await until(() => reasons.length === 1 && writes.length === 1);
    await first.drain();
    await second.drain();
    expect(writes).toEqual(['run 2']);
    expect((reasons[0] as LeaseLostError).code).toBe('LEASE_LOST');
    expect((reasons[0] as Error).message).toBe('lease lost: the queue took it for dead (its lease was not extended in time) and moved its row on');
    expect(await rowOf(schema)).toEqual([{ state: 'completed', retry_count: 1 }]);
    expect(logs).toContain('second: trailmark: analyze job for o/r#7 picked up again (attempt 2 of 5): its last run exceeded the job timeout of 1 s without extending its lease (a replica stopped or hung)');
    expect(logs).toContain('first: trailmark: analyze job for o/r#7 stopped after its lease lapsed; its row had moved on (run again, superseded or failed), so it was not completed; attempt 1 of 5 counted; the queue runs it again');
  });
});
