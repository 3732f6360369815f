// PgQueue (app/pg-queue.ts): the file queue's behaviours (test/app/units.test.ts, "WorkQueue")
// on PostgreSQL with pg-boss, plus what only a shared database has: two queues on one database
// run a job once, coalesce across instances, and a job whose process was SIGKILLed runs again
// on the other after the job timeout. Real server when reachable, else PGlite (the process test
// needs the server: PGlite is one in-process database).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job, PullJob } from '../../app/job.js';
import { DEFAULT_JOB_TIMEOUT_SECONDS, MAX_RUN_TIMEOUTS, QUEUE_NAME, jobTimeoutFromEnv, PgQueue, splitStatements, unreadablePayload, type PgQueueOptions } from '../../app/pg-queue.js';
import { UsageError } from '../../src/core/errors.js';
import { PG_URL } from '../support/postgres.js';
import { openBackend, serverMissing, type QueueBackend } from './backend.js';

const job = (number: number): Job => ({ kind: 'analyze', installationId: 1, owner: 'o', repo: 'r', number });
const numberOf = (j: Job) => (j as PullJob).number;
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await tick();
}

let backend: QueueBackend;
const queues: PgQueue[] = [];

function queueOn(schema: string, o: Partial<PgQueueOptions> & Pick<PgQueueOptions, 'run'>): PgQueue {
  const q = new PgQueue({
    sql: backend.sql, schema, concurrency: 1, pollIntervalMs: 100, maintenanceIntervalSeconds: 1,
    retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined,
    ...o,
  });
  queues.push(q);
  return q;
}

beforeAll(async () => {
  backend = await openBackend();
  process.stdout.write(`PgQueue suites on ${backend.kind === 'server' ? 'the PostgreSQL server' : 'PGlite'}\n`);
});

afterAll(async () => {
  for (const q of queues) await q.stop();
  await backend.close();
});

describe('PgQueue', () => {
  test('coalesces waiting jobs per key, bounds concurrency, and has nothing pending when done', async () => {
    const schema = backend.schema();
    const ran: number[] = [];
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    // Enqueued through a queue that runs nothing, so that all four are waiting at once.
    const producer = queueOn(schema, { concurrency: 0, run: () => Promise.reject(new Error('never runs')) });
    await producer.enqueue('k1', job(1));
    await producer.enqueue('k2', job(2));
    await producer.enqueue('k3', job(3));
    await producer.enqueue('k3', job(33));
    expect(await producer.pending()).toBe(3);
    const queue = queueOn(schema, {
      concurrency: 2,
      run: async (j) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => release.push(resolve));
        ran.push(numberOf(j));
        running--;
      },
    });
    expect(await queue.start()).toBe(3);
    // Two start, the third waits for a free slot.
    await until(() => running === 2);
    while (ran.length < 3) {
      await tick();
      release.shift()?.();
    }
    await queue.drain();
    await producer.drain();
    expect(peak).toBe(2);
    expect(ran.sort((x, y) => x - y)).toEqual([1, 2, 33]);
    expect(await queue.pending()).toBe(0);
    expect(await queue.failed()).toEqual({});
  });

  test('a job enqueued while its key runs makes it run again afterwards; a permanent error is reported once and kept in the failed list, which requeue and drop empty', async () => {
    const schema = backend.schema();
    const ran: number[] = [];
    const errors: number[] = [];
    const logs: string[] = [];
    let running = 0;
    let overlap = false;
    let fail = true;
    const queue: PgQueue = queueOn(schema, {
      concurrency: 2, log: (l) => logs.push(l),
      onFinalFailure: (j) => {
        errors.push(numberOf(j));
        return Promise.resolve();
      },
      run: async (j) => {
        if (running++ > 0) overlap = true;
        ran.push(numberOf(j));
        if (numberOf(j) === 1) await queue.enqueue('k', job(2));
        // Room for a second run of the key to start, were the key not held back.
        await tick(300);
        running--;
        if (numberOf(j) === 2 && fail) throw new Error('boom');
      },
    });
    await queue.enqueue('k', job(1));
    await queue.drain();
    expect(ran).toEqual([1, 2]);
    expect(overlap).toBe(false);
    expect(errors).toEqual([2]);
    expect(await queue.pending()).toBe(0);
    const failed = await queue.failed();
    expect(Object.keys(failed)).toEqual(['k']);
    expect(failed.k).toMatchObject({ job: job(2), attempts: 1, error: 'boom' });
    expect(logs.some((l) => l.includes('failed for good after 1 attempt(s): boom'))).toBe(true);

    // Requeued: runs again with fresh attempts and leaves the failed list.
    fail = false;
    expect(await queue.requeueFailed((_j, key) => key === 'nope')).toBe(0);
    expect(await queue.requeueFailed((_j, key) => key === 'k')).toBe(1);
    expect(await queue.failed()).toEqual({});
    await queue.drain();
    expect(ran).toEqual([1, 2, 2]);

    // Dropped: a new failure, then forgotten.
    fail = true;
    await queue.enqueue('k', job(2));
    await queue.drain();
    expect(Object.keys(await queue.failed())).toEqual(['k']);
    await queue.dropFailed((j) => numberOf(j) === 2);
    expect(await queue.failed()).toEqual({});
  });

  test('remove() drops waiting and failed jobs that match, and only those', async () => {
    const schema = backend.schema();
    const idle = queueOn(schema, { concurrency: 0, run: () => Promise.resolve() });
    await idle.enqueue('a', { kind: 'analyze', installationId: 1, owner: 'o', repo: 'r', number: 1 });
    await idle.enqueue('b', { kind: 'analyze', installationId: 2, owner: 'o', repo: 'r', number: 1 });
    await idle.remove((j) => j.installationId === 1);
    expect(await idle.pending()).toBe(1);
  });

  test('a transient failure is retried with the backoff, logged each time, and the attempt count survives a restart; after maxAttempts it fails for good', async () => {
    const schema = backend.schema();
    const backoff = { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 };
    const transient = new Error('502');
    const logs: string[] = [];
    // First process: the job fails once, and the process stops before the retry.
    let failedOnce: () => void = () => undefined;
    const once = new Promise<void>((resolve) => (failedOnce = resolve));
    const first = queueOn(schema, {
      backoff, retryable: (e) => e === transient,
      log: (l) => {
        logs.push(l);
        failedOnce();
      },
      run: () => Promise.reject(transient),
    });
    await first.enqueue('k', job(1));
    await once;
    await first.stop();
    expect(logs[0]).toMatch(/^trailmark: analyze job for o\/r#1 failed \(attempt 1 of 3\), retrying in [12] s: 502$/);
    const row = (await backend.sql.query<{ state: string; retry_count: number; wait: number }>(
      `SELECT state::text AS state, retry_count, extract(epoch FROM start_after - now())::float8 AS wait FROM ${schema}.job WHERE singleton_key = 'k'`)).rows;
    expect(row).toHaveLength(1);
    expect(row[0]!.state).toBe('retry');
    // Equal jitter on a 2 s base: the first retry waits between 1 and 2 s.
    expect(row[0]!.wait).toBeLessThanOrEqual(2);

    // Second process: takes the job after its backoff, fails twice more, gives up on attempt 3.
    const finals: [string, number][] = [];
    let runs = 0;
    const second = queueOn(schema, {
      backoff, retryable: (e) => e === transient, log: (l) => logs.push(l),
      onFinalFailure: (_j, key, _e, attempts) => {
        finals.push([key, attempts]);
        return Promise.resolve();
      },
      run: () => {
        runs++;
        return Promise.reject(transient);
      },
    });
    expect(await second.start()).toBe(1);
    await until(async () => finals.length > 0 && (await second.pending()) === 0);
    expect(runs).toBe(2);
    expect(finals).toEqual([['k', 3]]);
    expect(logs[1]).toMatch(/failed \(attempt 2 of 3\), retrying in [1-4] s: 502$/);
    expect(logs[2]).toBe('trailmark: analyze job for o/r#1 failed for good after 3 attempt(s): 502');
    expect((await second.failed()).k).toMatchObject({ attempts: 3, error: '502' });
  });

  test('a newer job replaces a job waiting out its backoff and runs with fresh attempts', async () => {
    const schema = backend.schema();
    const transient = new Error('503');
    const ran: number[] = [];
    let failedOnce: () => void = () => undefined;
    const once = new Promise<void>((resolve) => (failedOnce = resolve));
    const queue = queueOn(schema, {
      backoff: { maxAttempts: 2, baseDelayMs: 600_000, maxDelayMs: 600_000 }, retryable: (e) => e === transient, log: () => failedOnce(),
      run: (j) => {
        ran.push(numberOf(j));
        return numberOf(j) === 1 ? Promise.reject(transient) : Promise.resolve();
      },
    });
    await queue.enqueue('k', job(1));
    await once;
    // Job 1 waits 5 to 10 minutes for its retry; job 2 replaces it and runs now.
    await queue.enqueue('k', job(2));
    await queue.drain();
    expect(ran).toEqual([1, 2]);
    expect(await queue.pending()).toBe(0);
  });

  test('two queues on one database: every job runs once, at most `concurrency` at once in each, and both take part', async () => {
    const schema = backend.schema();
    const ranBy = new Map<number, string[]>();
    const live = { a: 0, b: 0 };
    const peak = { a: 0, b: 0 };
    let total = 0;
    let totalPeak = 0;
    let gate: () => void = () => undefined;
    const allBusy = new Promise<void>((resolve) => (gate = resolve));
    const runner = (name: 'a' | 'b') => async (j: Job) => {
      live[name]++;
      total++;
      peak[name] = Math.max(peak[name], live[name]);
      totalPeak = Math.max(totalPeak, total);
      if (totalPeak === 4) gate();
      ranBy.set(numberOf(j), [...(ranBy.get(numberOf(j)) ?? []), name]);
      // The first four hold until both queues are full: both must have taken jobs.
      if (ranBy.size <= 4) await allBusy;
      live[name]--;
      total--;
    };
    const a = queueOn(schema, { concurrency: 2, run: runner('a') });
    const b = queueOn(schema, { concurrency: 2, run: runner('b') });
    await a.start();
    await b.start();
    for (let n = 1; n <= 20; n++) await (n % 2 === 0 ? a : b).enqueue(`k${n}`, job(n));
    await until(async () => (await a.pending()) === 0);
    await a.drain();
    await b.drain();
    expect([...ranBy.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const runs of ranBy.values()) expect(runs).toHaveLength(1);
    expect(peak).toEqual({ a: 2, b: 2 });
    expect(totalPeak).toBe(4);
  });

  test('two queues enqueueing one key at once leave one job, which runs once', async () => {
    const schema = backend.schema();
    const a = queueOn(schema, { concurrency: 0, run: () => Promise.resolve() });
    const b = queueOn(schema, { concurrency: 0, run: () => Promise.resolve() });
    // On the server both also start (migrate, create the queue) at once; PGlite is one session,
    // where pg-boss's migration script would run inside the other's transaction.
    if (backend.kind === 'pglite') {
      await a.start();
      await b.start();
    }
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).enqueue('same', job(i))));
    expect(await a.pending()).toBe(1);
    const ran: number[] = [];
    const c = queueOn(schema, { run: (j) => Promise.resolve(void ran.push(numberOf(j))) });
    await c.start();
    await until(async () => (await c.pending()) === 0);
    await c.drain();
    expect(ran).toHaveLength(1);
  });

  test('splitStatements: top-level semicolons only (not in strings, dollar-quoted bodies or comments)', () => {
    const script = "BEGIN;\nCREATE FUNCTION f() RETURNS void AS $$ BEGIN PERFORM 1; END; $$ LANGUAGE plpgsql;\n-- a comment; still one\nSELECT 'a;b', \"x;y\" FROM t /* c; d */;\nCOMMIT;";
    expect(splitStatements(script)).toEqual([
      'BEGIN',
      'CREATE FUNCTION f() RETURNS void AS $$ BEGIN PERFORM 1; END; $$ LANGUAGE plpgsql',
      "-- a comment; still one\nSELECT 'a;b', \"x;y\" FROM t /* c; d */",
      'COMMIT',
    ]);
  });

  test('a slow but alive runner keeps its job past the job timeout (its lease is extended): the other queue never runs it a second time', async () => {
    const schema = backend.schema();
    const ran: string[] = [];
    const logs: string[] = [];
    const slow = queueOn(schema, {
      jobTimeoutSeconds: 1, log: (l) => logs.push(l),
      // Three and a half job timeouts: without the lease the other queue would take it for dead after one.
      run: async () => {
        ran.push('slow');
        await tick(3_500);
      },
    });
    const other = queueOn(schema, { jobTimeoutSeconds: 1, log: (l) => logs.push(l), run: () => Promise.resolve(void ran.push('other')) });
    await slow.enqueue('k', job(1));
    await until(() => ran.length === 1);
    await other.start();
    await slow.drain();
    await tick(1_500);
    expect(ran).toEqual(['slow']);
    const rows = (await backend.sql.query<{ state: string }>(`SELECT state::text AS state FROM ${schema}.job WHERE name = $1`, [QUEUE_NAME])).rows;
    expect(rows.map((r) => r.state)).toEqual(['completed']);
    expect(logs).toEqual([]);
  });

  test('a job past its lease on its last attempt is reported once (onFinalFailure), by one of the queues, and listed as failed', async () => {
    const schema = backend.schema();
    const reports: { by: string; attempts: number; error: string }[] = [];
    const logs: string[] = [];
    const once = { maxAttempts: 1, baseDelayMs: 1_000, maxDelayMs: 1_000 };
    let release = () => undefined as void;
    const reporter = (by: string) => (_j: Job, _k: string, err: unknown, attempts: number) => {
      reports.push({ by, attempts, error: err instanceof Error ? err.message : String(err) });
      return Promise.resolve();
    };
    // A run that never ends by itself: its lease is extended up to MAX_RUN_TIMEOUTS timeouts, then lapses.
    const hung = queueOn(schema, {
      jobTimeoutSeconds: 1, backoff: once, log: (l) => logs.push(`hung: ${l}`), onFinalFailure: reporter('hung'),
      run: () => new Promise<void>((resolve) => void (release = resolve)),
    });
    const a = queueOn(schema, { jobTimeoutSeconds: 1, backoff: once, log: (l) => logs.push(`a: ${l}`), onFinalFailure: reporter('a'), run: () => Promise.resolve() });
    const b = queueOn(schema, { jobTimeoutSeconds: 1, backoff: once, log: (l) => logs.push(`b: ${l}`), onFinalFailure: reporter('b'), run: () => Promise.resolve() });
    await hung.enqueue('k', job(5));
    await a.start();
    await b.start();
    await until(() => reports.length > 0);
    // Both sweeps keep running: a second report would come within a few poll ticks.
    await tick(1_500);
    expect(reports).toHaveLength(1);
    expect(['a', 'b', 'hung']).toContain(reports[0]!.by);
    expect(reports[0]).toMatchObject({ attempts: 1, error: 'the job ran longer than the job timeout of 1 s on every attempt (1): a replica stopped or hung' });
    expect(logs.some((l) => l.startsWith('hung: ') && l.includes(`analyze job for o/r#5 still runs after 1 s and its lease was not extended (${MAX_RUN_TIMEOUTS} job timeouts reached`))).toBe(true);
    expect(logs.some((l) => l.includes('analyze job for o/r#5 failed for good after 1 attempt(s): the job ran longer than the job timeout'))).toBe(true);
    const failed = await a.failed();
    expect(Object.keys(failed)).toEqual(['k']);
    expect(failed.k).toMatchObject({ job: job(5), attempts: 1 });
    // The hung run ends at last: it does not complete the failed row that was reported.
    release();
    await hung.drain();
    expect(logs.some((l) => l.startsWith('hung: ') && l.includes('finished after its lease lapsed; its row had moved on'))).toBe(true);
    expect(Object.keys(await a.failed())).toEqual(['k']);
    expect(reports).toHaveLength(1);
  });

  test('a run whose lease lapsed and was run again never ends the run that took over; its late completion is logged', async () => {
    const schema = backend.schema();
    const releases: (() => void)[] = [];
    const logs: string[] = [];
    const run = () => new Promise<void>((resolve) => void releases.push(resolve));
    const first = queueOn(schema, { jobTimeoutSeconds: 1, log: (l) => logs.push(`first: ${l}`), run });
    await first.enqueue('k', job(3));
    await until(() => releases.length === 1);
    // What pg-boss's expiry does to a run whose replica stopped extending it (a partition, a
    // blocked event loop), done at once here.
    await backend.sql.query(`UPDATE ${schema}.job SET state = 'retry', start_after = now(), output = '{"value":{"message":"job failed by timeout in active state"}}' WHERE name = $1 AND state = 'active'`, [QUEUE_NAME]);
    const second = queueOn(schema, { jobTimeoutSeconds: 1, log: (l) => logs.push(`second: ${l}`), run });
    await second.start();
    await until(() => releases.length === 2);
    expect(logs.some((l) => l.startsWith('second: ') && l.includes('analyze job for o/r#3 picked up again (attempt 2 of 5)'))).toBe(true);
    releases[0]!();
    await until(() => logs.some((l) => l.startsWith('first: ') && l.includes('finished after its lease lapsed; its row had moved on')));
    const state = async () => (await backend.sql.query<{ state: string }>(`SELECT state::text AS state FROM ${schema}.job WHERE name = $1`, [QUEUE_NAME])).rows.map((r) => r.state);
    expect(await state()).toEqual(['active']);
    releases[1]!();
    await second.drain();
    await first.drain();
    expect(await state()).toEqual(['completed']);
  });

  test('a job whose payload cannot be read is moved to the failed list with a log line, never run, and the queue goes on', async () => {
    const schema = backend.schema();
    const ran: number[] = [];
    const logs: string[] = [];
    const producer = queueOn(schema, { concurrency: 0, run: () => Promise.reject(new Error('never runs')) });
    await producer.enqueue('bad', job(1));
    await backend.sql.query(`UPDATE ${schema}.job SET data = '{"key":"bad","job":{"kind":"frobnicate"}}' WHERE name = $1 AND singleton_key = 'bad'`, [QUEUE_NAME]);
    await producer.enqueue('good', job(2));
    const queue = queueOn(schema, { log: (l) => logs.push(l), run: (j) => Promise.resolve(void ran.push(numberOf(j))) });
    await queue.start();
    await until(async () => ran.length === 1 && (await queue.pending()) === 0);
    expect(ran).toEqual([2]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^trailmark: queued job [0-9a-f-]{36} cannot be run: the job kind "frobnicate" is unknown to this version of the App; moved to the failed list \(tmq[a-z0-9_]*\.job\) without running$/);
    const rows = (await backend.sql.query<{ state: string; message: string }>(`SELECT state::text AS state, output->>'message' AS message FROM ${schema}.job WHERE name = $1 AND singleton_key = 'bad'`, [QUEUE_NAME])).rows;
    expect(rows).toEqual([{ state: 'failed', message: 'unreadable payload: the job kind "frobnicate" is unknown to this version of the App' }]);
    expect(await queue.failed()).toEqual({});
    // Not requeueable, so not in failed(); still a dead letter the health check counts.
    expect(await queue.deadLetters()).toEqual({ total: 1, unreadable: 1 });
    expect(unreadablePayload(null)).toBe('the payload is not an object');
    expect(unreadablePayload({ key: 'k' })).toBe('the payload has no job');
    expect(unreadablePayload({ job: job(1) })).toBe('the payload has no key');
    expect(unreadablePayload({ key: 'k', job: job(1) })).toBeUndefined();
  });

  test('stop() while a job runs takes no new job, waits for the running one and completes it', async () => {
    const schema = backend.schema();
    let release = () => undefined as void;
    const ran: number[] = [];
    const queue = queueOn(schema, {
      run: (j) => new Promise<void>((resolve) => {
        ran.push(numberOf(j));
        release = resolve;
      }),
    });
    await queue.enqueue('k1', job(1));
    await until(() => ran.length === 1);
    let stopped = false;
    const stopping = queue.stop().then(() => void (stopped = true));
    await queue.enqueue('k2', job(2));
    await tick(300);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(ran).toEqual([1]);
    const rows = (await backend.sql.query<{ key: string; state: string }>(`SELECT singleton_key AS key, state::text AS state FROM ${schema}.job WHERE name = $1 ORDER BY singleton_key`, [QUEUE_NAME])).rows;
    expect(rows).toEqual([{ key: 'k1', state: 'completed' }, { key: 'k2', state: 'created' }]);
  });

  test('TRAILMARK_JOB_TIMEOUT: seconds from 1 to 86400, a clear error otherwise', () => {
    expect(jobTimeoutFromEnv({})).toBe(DEFAULT_JOB_TIMEOUT_SECONDS);
    expect(jobTimeoutFromEnv({ TRAILMARK_JOB_TIMEOUT: '30' })).toBe(30);
    for (const bad of ['0', '-5', '1.5', 'ten', '86401']) {
      expect(() => jobTimeoutFromEnv({ TRAILMARK_JOB_TIMEOUT: bad })).toThrow(UsageError);
      expect(() => jobTimeoutFromEnv({ TRAILMARK_JOB_TIMEOUT: bad })).toThrow(/TRAILMARK_JOB_TIMEOUT/);
    }
    expect(() => new PgQueue({ sql: backend.sql, schema: 'Bad-Name', concurrency: 1, run: () => Promise.resolve(), retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined })).toThrow(/schema/);
  });
});

describe.skipIf(serverMissing !== undefined)('PgQueue across processes (real server)', () => {
  test('four processes starting at once on a fresh schema: pg-boss is installed once and every one starts', async () => {
    const schema = backend.schema();
    const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'runner.ts'), PG_URL, schema], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const outputs = await Promise.all(children.map((child) => new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('started')) resolve(out);
      });
      child.stderr.on('data', (c: Buffer) => void (out += c.toString()));
      child.on('exit', () => resolve(out));
    })));
    for (const child of children) child.kill('SIGKILL');
    expect(outputs.map((o) => o.trim())).toEqual(['started', 'started', 'started', 'started']);
  });

  test('a job whose process is SIGKILLed mid-run is run again by another queue after the job timeout, and logged', async () => {
    const schema = backend.schema();
    // The schema exists before the child starts (pg-boss migrates under its lock either way).
    const backoff = { maxAttempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 };
    const producer = queueOn(schema, { concurrency: 0, jobTimeoutSeconds: 2, backoff, run: () => Promise.resolve() });
    await producer.start();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'runner.ts'), PG_URL, schema], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await until(() => out.includes('started') || child.exitCode !== null);
    expect(err).toBe('');
    await producer.enqueue('k', job(7));
    await until(() => out.includes('running k') || child.exitCode !== null);
    expect(out).toContain('running k');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const ran: number[] = [];
    const logs: string[] = [];
    const survivor = queueOn(schema, { concurrency: 1, jobTimeoutSeconds: 2, backoff, log: (l) => logs.push(l), run: (j) => Promise.resolve(void ran.push(numberOf(j))) });
    await survivor.start();
    await until(async () => ran.length > 0 && (await survivor.pending()) === 0);
    await producer.drain();
    expect(ran).toEqual([7]);
    expect(logs.some((l) => /analyze job for o\/r#7 picked up again \(attempt 2 of 5\): its last run exceeded the job timeout of 2 s without extending its lease/.test(l))).toBe(true);
    expect(await survivor.failed()).toEqual({});
  });
});
