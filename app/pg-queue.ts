// The App's work queue on PostgreSQL (pg-boss 10), for several replicas sharing one database.
// Same semantics as the file queue (queue.ts, read its header first):
//
// - Durable: `enqueue` resolves after the job's row is committed.
// - Coalesced per key, across replicas: `enqueue` deletes the key's waiting job (created, or in
//   a backoff) and inserts the new one in one transaction under a transaction-level advisory lock
//   on the key, so at most one job per key waits. A job enqueued while its key runs waits until
//   that run ended, then runs (once more): the fetch never starts a key that has an active job,
//   and it starts only the newest waiting job of a key (older ones, e.g. a retry of an earlier
//   version, are deleted as superseded). The fetch takes the same key lock, so two replicas never
//   start one key at once.
// - At most `concurrency` jobs run at once in this process; other replicas run their own.
// - Failures: a transient error (`retryable`) puts the job back with pg-boss's exponential
//   backoff (retry_delay = half the policy's base, so the waits are the file queue's "equal
//   jitter" ranges; computed by the database, so a restart resumes the backoff). After
//   `maxAttempts`, or at once for a permanent error, `onFinalFailure` reports it and the job
//   moves to the failed state, where `failed()` lists it and `requeueFailed` finds it. Every
//   failed attempt, every final failure and every job picked up again after an expiry is logged.
// - A lease per running job: the replica running it extends the job's expiry (pg-boss's
//   `expire_in`) every third of the job timeout, so a slow but alive replica keeps its job; a
//   replica that dies (SIGKILL, a lost host) or hangs (its event loop blocked) stops extending
//   it, and pg-boss's maintenance (one replica at a time) moves the job back to retry one job
//   timeout after the last extension; any replica runs it again. A lease is extended up to
//   MAX_RUN_TIMEOUTS job timeouts in all: a job still running then is taken for hung.
// - A lost lease stops the run: when an extension is refused (that limit reached, or the row
//   taken for dead and moved on), the run's AbortSignal aborts with a LeaseLostError, which the
//   App's worker checks between steps and right before each write (lease-guard.ts), and the
//   queue never completes that run, whatever it ends with. The lost lease is the attempt's
//   failure: logged, counted, retried with the backoff (reported after the last attempt) when
//   the row is still the run's (the limit case, caught before pg-boss's expiry lets another
//   replica take it), else already counted by the run that took the row over.
// - A run ends only its own run: completion and failure match the row's `started_on` (the run's
//   identity) and completion needs the row still active (the lease held), so a replica whose
//   lease lapsed never ends the run another replica took over, nor a row waiting to run again.
// - A job that exceeded the timeout on its last attempt (pg-boss moves it to failed without us)
//   is reported by `onFinalFailure` once: a sweep on the poll tick claims it in the row
//   (`output.report`) under FOR UPDATE SKIP LOCKED; a claim not marked done within a job timeout
//   (the claiming replica died) is taken again.
// - A job whose payload the App cannot read is moved to the failed list at once, with a log line.
//
// pg-boss owns its schema (default `trailmark_boss`), its migrations (under its advisory lock)
// and its maintenance; this file adds the fetch and the coalescing as SQL over pg-boss's job
// table, because pg-boss's own fetch cannot hold a key back while it runs (its `stately` and
// `singleton` policies make that fetch fail on their unique index instead).
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import { UsageError, describeError } from '../src/core/errors.js';
import type { SqlClient, SqlQueryable, SqlRow } from '../src/ledger/store/postgres.js';
import type { Job } from './job.js';
import { DEFAULT_BACKOFF, LeaseLostError, describeJob, type BackoffPolicy, type DeadLetters, type FailedJob, type JobQueue, type JobRunner } from './queue.js';

/** The pg-boss queue that holds the App's jobs. */
export const QUEUE_NAME = 'trailmark-jobs';
export const DEFAULT_BOSS_SCHEMA = 'trailmark_boss';
/** A running job older than this is taken for dead and run again (15 minutes). */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 900;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;
/** A session advisory lock key for `name` (the first 8 bytes of its SHA-256). */
function lockKeyOf(name: string): bigint {
  return createHash('sha256').update(`trailmark-queue:${name}`).digest().readBigInt64BE(0);
}

/** This process, as written into the rows of the jobs it runs (`output.runner`). */
export const RUNNER = `${hostname()}:${process.pid}`;

/** A running job's lease is extended up to this many job timeouts; past that it is taken for hung. */
export const MAX_RUN_TIMEOUTS = 4;
/** pg-boss's output of a job it moved out of the active state by its expiry. */
const EXPIRED_MESSAGE = 'job failed by timeout in active state';

const JOB_KINDS = {
  'analyze': true, 'review-approved': true, 'merged': true, 'command': true, 'weekly-report': true, 'retention': true,
} as const satisfies Record<Job['kind'], true>;

/** Why a job row's payload cannot be run, or undefined when it can. */
export function unreadablePayload(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return 'the payload is not an object';
  const { key, job } = data as { key?: unknown; job?: unknown };
  if (typeof key !== 'string' || key === '') return 'the payload has no key';
  if (typeof job !== 'object' || job === null) return 'the payload has no job';
  const kind = (job as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !Object.hasOwn(JOB_KINDS, kind)) return `the job kind ${JSON.stringify(kind ?? null)} is unknown to this version of the App`;
  return undefined;
}

export interface PgQueueOptions extends JobRunner {
  readonly sql: SqlClient;
  /** pg-boss's schema (default `trailmark_boss`). */
  readonly schema?: string;
  /** Seconds a job may run before another replica takes it for dead (TRAILMARK_JOB_TIMEOUT). */
  readonly jobTimeoutSeconds?: number;
  /** How often an idle replica looks for jobs (default 2000 ms). */
  readonly pollIntervalMs?: number;
  /** How often pg-boss's maintenance (expiry, archive) runs on one of the replicas (default 60 s). */
  readonly maintenanceIntervalSeconds?: number;
}

/** `TRAILMARK_JOB_TIMEOUT` (seconds, 1 to 86400), or the default when unset. */
export function jobTimeoutFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.TRAILMARK_JOB_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_JOB_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new UsageError('USAGE', `TRAILMARK_JOB_TIMEOUT ${JSON.stringify(text)} is not a number of seconds from 1 to 86400`, { hint: `unset it for the default of ${DEFAULT_JOB_TIMEOUT_SECONDS} s; it must exceed the longest job` });
  }
  return seconds;
}

/** A running job's lease (PgQueue's #lease). */
interface Lease {
  stop(): void;
  readonly lapsed: boolean;
}

interface JobData {
  readonly key: string;
  readonly job: Job;
}

interface ActivatedRow extends SqlRow {
  readonly id: string;
  readonly data: JobData;
  readonly retry_count: number;
  /** `started_on` as text: this run's identity. */
  readonly started: string;
}

interface FetchedRow extends ActivatedRow {
  /** The output before this run: the last failure's. */
  readonly output: BossOutput | null;
}

/** A failed job's output: ours is `{message}`; pg-boss's expiry writes `{value: {message}}`. */
interface BossOutput {
  readonly message?: unknown;
  readonly value?: { readonly message?: unknown };
}

function outputMessage(output: BossOutput | null): string | undefined {
  const message = output?.message ?? output?.value?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * The statements of a script, split at top-level semicolons (not inside quotes, dollar-quoted
 * bodies or comments).
 */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (c === "'" || c === '"') {
      const end = script.indexOf(c, i + 1);
      i = end < 0 ? script.length : end + 1;
    } else if (c === '-' && script[i + 1] === '-') {
      const end = script.indexOf('\n', i);
      i = end < 0 ? script.length : end + 1;
    } else if (c === '/' && script[i + 1] === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end < 0 ? script.length : end + 2;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i))?.[0];
      if (tag === undefined) i++;
      else {
        const end = script.indexOf(tag, i + tag.length);
        i = end < 0 ? script.length : end + tag.length;
      }
    } else if (c === ';') {
      out.push(script.slice(start, i));
      i++;
      start = i;
    } else i++;
  }
  out.push(script.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

/**
 * pg-boss's `Db` port over our SqlClient. pg-boss sends its migrations as one script
 * (BEGIN; …; COMMIT) without parameters, which node-postgres runs over the simple query
 * protocol; a client that runs one statement per query (PGlite) refuses it, and then the
 * script's statements run one by one in one of our transactions instead.
 */
function bossDb(sql: SqlClient): { executeSql(text: string, values: unknown[]): Promise<{ rows: SqlRow[] }> } {
  return {
    executeSql: async (text, values) => {
      try {
        return { rows: (await sql.query(text, values ?? [])).rows };
      } catch (err) {
        if ((values ?? []).length > 0 || !/cannot insert multiple commands/.test(describeError(err))) throw err;
        return sql.transaction(async (tx) => {
          let rows: SqlRow[] = [];
          for (const statement of splitStatements(text)) {
            if (/^(BEGIN|COMMIT)$/i.test(statement)) continue;
            rows = (await tx.query(statement)).rows;
          }
          return { rows };
        });
      }
    },
  };
}

/** pg-boss's `Db` port inside one of our transactions. */
function txDb(tx: SqlQueryable): { executeSql(text: string, values: unknown[]): Promise<{ rows: SqlRow[] }> } {
  return { executeSql: async (text, values) => ({ rows: (await tx.query(text, values ?? [])).rows }) };
}

export class PgQueue implements JobQueue {
  readonly #o: PgQueueOptions;
  readonly #schema: string;
  readonly #backoff: BackoffPolicy;
  readonly #boss: PgBoss;
  readonly #timeout: number;
  readonly #pollMs: number;
  readonly #running = new Set<string>();
  /** Ids of jobs this process enqueued and has not yet seen finished (drain waits for them). */
  readonly #mine = new Set<string>();
  #started = false;
  #starting: Promise<void> | undefined;
  #stopping = false;
  #filling = false;
  #fillAgain = false;
  #sweeping = false;
  #timer: NodeJS.Timeout | undefined;
  #idle: (() => void)[] = [];

  constructor(options: PgQueueOptions) {
    const schema = options.schema ?? DEFAULT_BOSS_SCHEMA;
    if (!SCHEMA_NAME.test(schema)) throw new UsageError('USAGE', `queue schema ${JSON.stringify(schema)} is not a lower-case PostgreSQL name of at most 50 characters`);
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 0) throw new UsageError('USAGE', `queue concurrency ${options.concurrency} is not a non-negative integer`);
    this.#o = options;
    this.#schema = schema;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    if (this.#backoff.maxAttempts < 1) throw new UsageError('USAGE', 'the backoff policy needs at least one attempt');
    this.#timeout = options.jobTimeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
    this.#pollMs = options.pollIntervalMs ?? 2000;
    this.#boss = new PgBoss({
      db: bossDb(options.sql), schema, migrate: true, supervise: true, schedule: false,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
      // The failed list is the dead-letter list: kept a month (the file queue keeps the last 1,000).
      archiveFailedAfterSeconds: 30 * 86_400,
    });
    this.#boss.on('error', (err) => options.log(`trailmark: pg-boss: ${describeError(err)}`));
  }

  /** Creates or migrates pg-boss's schema (under its lock) and the queue, and starts polling. Returns the jobs waiting or running. */
  async start(): Promise<number> {
    await this.#ensureStarted();
    const pending = await this.pending();
    this.#fill();
    return pending;
  }

  #ensureStarted(): Promise<void> {
    this.#starting ??= (async () => {
      // pg-boss's own lock covers its migrations but not its first install (two replicas both
      // find no schema, the second fails on "already exists"): replicas start one at a time.
      const session = await this.#o.sql.lockedSession(lockKeyOf(`${this.#schema}:start`));
      try {
        await this.#boss.start();
      } finally {
        await session.release();
      }
      // pg-boss's create_queue deadlocks when two replicas run it at once (both create and attach
      // the queue's partition): one at a time, under a lock, and only when the queue is missing.
      await this.#o.sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.#schema}:create-queue`]);
        const { rows } = await tx.query(`SELECT 1 FROM ${this.#schema}.queue WHERE name = $1`, [QUEUE_NAME]);
        if (rows.length === 0) await tx.query(`SELECT ${this.#schema}.create_queue($1, $2)`, [QUEUE_NAME, { policy: 'standard' }]);
      });
      this.#started = true;
      this.#timer = setInterval(() => {
        this.#fill();
        this.#sweep();
      }, this.#pollMs);
      this.#timer.unref();
    })();
    return this.#starting;
  }

  async enqueue(key: string, job: Job): Promise<void> {
    await this.#enqueue(key, job);
  }

  /** Returns the new job's id. */
  async #enqueue(key: string, job: Job): Promise<string> {
    await this.#ensureStarted();
    const id = await this.#o.sql.transaction(async (tx) => {
      await this.#lockKey(tx, key, true);
      await tx.query(`DELETE FROM ${this.#schema}.job WHERE name = $1 AND singleton_key = $2 AND state < 'active'`, [QUEUE_NAME, key]);
      const data: JobData = { key, job };
      return this.#boss.send(QUEUE_NAME, data, {
        singletonKey: key,
        retryLimit: this.#backoff.maxAttempts - 1,
        // pg-boss waits delay * 2^n * (1 + random) before retry n+1: half the base gives the file queue's ranges.
        retryDelay: Math.max(1, Math.round(this.#backoff.baseDelayMs / 2000)),
        retryBackoff: true,
        expireInSeconds: this.#timeout,
        db: txDb(tx),
      });
    });
    if (id === null) throw new Error(`pg-boss did not queue the ${describeJob(job)}`);
    this.#mine.add(id);
    this.#fill();
    return id;
  }

  /** Jobs waiting, in a backoff or running, on every replica. */
  async pending(): Promise<number> {
    const { rows } = await this.#read(() => this.#o.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${this.#schema}.job WHERE name = $1 AND state <= 'active'`, [QUEUE_NAME]));
    return Number(rows[0]?.n ?? 0);
  }

  /** A read the health check makes: its error names the database. */
  async #read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      throw new Error(`the queue's database ${this.#o.sql.label} is unreachable: ${describeError(err)}`, { cause: err });
    }
  }

  /** The newest failed job of each key not requeued or dropped since. */
  async failed(): Promise<Readonly<Record<string, FailedJob>>> {
    const { rows } = await this.#read(() => this.#o.sql.query<{ data: JobData; retry_count: number; output: BossOutput | null; at: string }>(
      `SELECT DISTINCT ON (singleton_key) data, retry_count, output, (extract(epoch FROM completed_on) * 1000)::bigint::text AS at
       FROM ${this.#schema}.job WHERE name = $1 AND state = 'failed' ORDER BY singleton_key, completed_on DESC`, [QUEUE_NAME]));
    const out: Record<string, FailedJob> = {};
    for (const r of rows) {
      // An unreadable payload (logged when it was failed) stays in the table, not in this list.
      if (unreadablePayload(r.data) !== undefined) continue;
      out[r.data.key] = { job: r.data.job, attempts: r.retry_count + 1, error: outputMessage(r.output) ?? JSON.stringify(r.output), at: Number(r.at) };
    }
    return out;
  }

  /**
   * Every failed row of the queue (pg-boss archives them after 30 days), and those marked
   * unreadable when they were failed: `failed()` leaves both older failures of a key and
   * unreadable payloads out, the health check must not.
   */
  async deadLetters(): Promise<DeadLetters> {
    const { rows } = await this.#read(() => this.#o.sql.query<{ total: string; unreadable: string }>(
      `SELECT count(*)::text AS total, count(*) FILTER (WHERE output->>'unreadable' = 'true')::text AS unreadable
       FROM ${this.#schema}.job WHERE name = $1 AND state = 'failed'`, [QUEUE_NAME]));
    return { total: Number(rows[0]?.total ?? 0), unreadable: Number(rows[0]?.unreadable ?? 0) };
  }

  /** Queues the failed jobs matching `pick` again (fresh attempts), then forgets their failures. */
  async requeueFailed(pick: (job: Job, key: string) => boolean): Promise<number> {
    const failed = await this.failed();
    const keys = Object.keys(failed).filter((k) => pick(failed[k]!.job, k));
    for (const key of keys) {
      // Queued before its failures are forgotten (a crash between leaves both: it runs, the list
      // keeps the old failure); a failure of the new job itself is kept.
      const id = await this.#enqueue(key, failed[key]!.job);
      await this.#o.sql.query(`DELETE FROM ${this.#schema}.job WHERE name = $1 AND singleton_key = $2 AND state = 'failed' AND id <> $3`, [QUEUE_NAME, key, id]);
    }
    return keys.length;
  }

  async dropFailed(pick: (job: Job, key: string) => boolean): Promise<void> {
    const failed = await this.failed();
    const keys = Object.keys(failed).filter((k) => pick(failed[k]!.job, k));
    if (keys.length === 0) return;
    await this.#o.sql.query(`DELETE FROM ${this.#schema}.job WHERE name = $1 AND state = 'failed' AND singleton_key = ANY($2::text[])`, [QUEUE_NAME, keys]);
  }

  /** Removes waiting and failed jobs matching `drop`; running ones finish. */
  async remove(drop: (job: Job) => boolean): Promise<void> {
    const { rows } = await this.#o.sql.query<{ id: string; data: JobData }>(
      `SELECT id, data FROM ${this.#schema}.job WHERE name = $1 AND (state < 'active' OR state = 'failed')`, [QUEUE_NAME]);
    const ids = rows.filter((r) => unreadablePayload(r.data) === undefined && drop(r.data.job)).map((r) => r.id);
    if (ids.length === 0) return;
    await this.#o.sql.query(`DELETE FROM ${this.#schema}.job WHERE name = $1 AND id = ANY($2::uuid[]) AND (state < 'active' OR state = 'failed')`, [QUEUE_NAME, ids]);
  }

  /**
   * Resolves when this process runs nothing and every job it enqueued has ended (completed,
   * failed for good, superseded or removed), wherever it ran. Polls the database.
   */
  async drain(): Promise<void> {
    for (;;) {
      if (this.#running.size === 0 && (await this.#forgetEnded()) === 0) return;
      await new Promise<void>((resolve) => {
        this.#idle.push(resolve);
        setTimeout(resolve, Math.min(this.#pollMs, 250)).unref();
      });
    }
  }

  /** Stops taking jobs; resolves when this process's running jobs ended, then stops pg-boss's maintenance. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    while (this.#running.size > 0 || this.#sweeping) await new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.#started) await this.#boss.stop({ graceful: false, close: false, wait: true });
  }

  async #forgetEnded(): Promise<number> {
    if (this.#mine.size === 0) return 0;
    const { rows } = await this.#o.sql.query<{ id: string }>(`SELECT id FROM ${this.#schema}.job WHERE name = $1 AND id = ANY($2::uuid[]) AND state <= 'active'`, [QUEUE_NAME, [...this.#mine]]);
    const live = new Set(rows.map((r) => r.id));
    for (const id of [...this.#mine]) if (!live.has(id)) this.#mine.delete(id);
    return this.#mine.size;
  }

  /** The transaction-level advisory lock of a key (namespaced by the schema). */
  async #lockKey(tx: SqlQueryable, key: string, wait: boolean): Promise<boolean> {
    const fn = wait ? 'pg_advisory_xact_lock' : 'pg_try_advisory_xact_lock';
    const { rows } = await tx.query<{ ok: boolean | null }>(`SELECT ${fn}(hashtextextended($1, 0))${wait ? ' IS NULL' : ''} AS ok`, [`${this.#schema}:${key}`]);
    return wait || rows[0]?.ok === true;
  }

  #wake(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** Reports the jobs that expired on their last attempt (a few per tick); a queue that runs nothing reports nothing. */
  #sweep(): void {
    if (!this.#started || this.#stopping || this.#sweeping || this.#o.concurrency === 0) return;
    this.#sweeping = true;
    void (async () => {
      try {
        for (let n = 0; n < 10 && !this.#stopping && (await this.#sweepExpired()); n++);
      } catch (err) {
        this.#o.log(`trailmark: the queue could not look for jobs that expired on their last attempt: ${describeError(err)}`);
      } finally {
        this.#sweeping = false;
        this.#wake();
      }
    })();
  }

  /** Starts jobs while there is room. One fill at a time; a call during one makes it look again. */
  #fill(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#filling) {
      this.#fillAgain = true;
      return;
    }
    this.#filling = true;
    void (async () => {
      try {
        do {
          this.#fillAgain = false;
          while (!this.#stopping && this.#running.size < this.#o.concurrency) {
            const row = await this.#fetch();
            if (row === undefined) break;
            this.#running.add(row.id);
            void this.#runRow(row);
          }
        } while (this.#fillAgain && !this.#stopping);
      } catch (err) {
        this.#o.log(`trailmark: the queue could not fetch jobs: ${describeError(err)}`);
      } finally {
        this.#filling = false;
        this.#wake();
      }
    })();
  }

  /**
   * Marks the next runnable job active: the oldest due job of a key with nothing active, replaced
   * by its key's newest waiting job (the older ones are deleted as superseded).
   */
  async #fetch(): Promise<FetchedRow | undefined> {
    const s = this.#schema;
    for (let tries = 0; tries < 5; tries++) {
      const result = await this.#o.sql.transaction(async (tx): Promise<FetchedRow | 'busy' | 'none'> => {
        const { rows: candidates } = await tx.query<{ singleton_key: string }>(
          `SELECT j.singleton_key FROM ${s}.job j WHERE j.name = $1 AND j.state < 'active' AND j.start_after < now() AND j.singleton_key IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM ${s}.job a WHERE a.name = $1 AND a.state = 'active' AND a.singleton_key = j.singleton_key)
           ORDER BY j.created_on, j.id LIMIT 1 FOR UPDATE SKIP LOCKED`, [QUEUE_NAME]);
        const key = candidates[0]?.singleton_key;
        if (key === undefined) return 'none';
        if (!(await this.#lockKey(tx, key, false))) return 'busy';
        const { rows: ofKey } = await tx.query<{ id: string; state: string; due: boolean; output: BossOutput | null }>(
          `SELECT id, state::text AS state, start_after < now() AS due, output FROM ${s}.job WHERE name = $1 AND singleton_key = $2 AND state <= 'active' ORDER BY created_on DESC, id DESC`, [QUEUE_NAME, key]);
        if (ofKey.some((r) => r.state === 'active')) return 'busy';
        const newest = ofKey[0];
        if (newest === undefined) return 'busy';
        if (ofKey.length > 1) await tx.query(`DELETE FROM ${s}.job WHERE name = $1 AND singleton_key = $2 AND state < 'active' AND id <> $3`, [QUEUE_NAME, key, newest.id]);
        if (!newest.due) return 'busy';
        // The runner is written into the row (what an operator, or a test, sees of a running job);
        // the previous output (the last failure) is returned for the log.
        const { rows } = await tx.query<ActivatedRow>(
          `UPDATE ${s}.job SET state = 'active', started_on = now(), retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END,
             output = jsonb_build_object('runner', $3::text)
           WHERE name = $1 AND id = $2 RETURNING id, data, retry_count, started_on::text AS started`, [QUEUE_NAME, newest.id, RUNNER]);
        const row = rows[0];
        return row === undefined ? 'busy' : { ...row, output: newest.output };
      });
      if (result === 'none') return undefined;
      if (result !== 'busy') return result;
    }
    return undefined;
  }

  async #runRow(row: FetchedRow): Promise<void> {
    // Aborted when the lease is lost (LeaseLostError): the run stops at its next step.
    const abort = new AbortController();
    const lease = this.#lease(row, abort);
    try {
      const unreadable = unreadablePayload(row.data);
      if (unreadable !== undefined) {
        await this.#ifOwnRun(row, (tx) => tx.query(
          `UPDATE ${this.#schema}.job SET state = 'failed', completed_on = now(), output = jsonb_build_object('message', $3::text, 'unreadable', true) WHERE name = $1 AND id = $2`,
          [QUEUE_NAME, row.id, `unreadable payload: ${unreadable}`]));
        this.#o.log(`trailmark: queued job ${row.id} cannot be run: ${unreadable}; moved to the failed list (${this.#schema}.job) without running`);
        return;
      }
      const { key, job } = row.data;
      if (row.retry_count > 0 && (outputMessage(row.output) ?? '').includes('by timeout')) {
        this.#o.log(`trailmark: ${describeJob(job)} picked up again (attempt ${row.retry_count + 1} of ${this.#backoff.maxAttempts}): its last run exceeded the job timeout of ${this.#timeout} s without extending its lease (a replica stopped or hung)`);
      }
      let failure: { err: unknown } | undefined;
      try {
        await this.#o.run(job, key, abort.signal);
      } catch (err) {
        failure = { err };
      }
      if (abort.signal.aborted) {
        // Whatever the run ended with, the lease was lost first: it is not the job's outcome (no
        // completion: another run may be under way). The lost lease is the attempt's failure,
        // retried like a transient one: recorded in the row when it is still this run's (the
        // extension was refused at MAX_RUN_TIMEOUTS), else already counted by the run that took
        // the row over.
        lease.stop();
        const lost = abort.signal.reason instanceof LeaseLostError ? abort.signal.reason : new LeaseLostError('LEASE_LOST', `the lease of job ${row.id} was lost`);
        return await this.#fail(row, job, key, lost, true, lease, failure === undefined ? 'finished' : 'stopped');
      }
      if (failure === undefined) {
        lease.stop();
        const ended = await this.#complete(row);
        if (!ended) this.#o.log(`trailmark: ${describeJob(job)} finished after its lease lapsed; its row had moved on (run again, superseded or failed), so it was not completed`);
        return;
      }
      await this.#fail(row, job, key, failure.err, this.#o.retryable(failure.err), lease, 'failed');
    } catch (err) {
      // Only the database can throw here: the job stays active and runs again after the job timeout.
      this.#o.log(`trailmark: queue state for job ${row.id} could not be written: ${describeError(err)}`);
    } finally {
      lease.stop();
      this.#running.delete(row.id);
      this.#wake();
      this.#fill();
    }
  }

  /**
   * Records a failed attempt of this run: back to the queue with the backoff when `retryable` and
   * attempts remain, else reported and moved to failed; each only while the row is still this
   * run's. `ended` says how the run ended when its lease was lost first ('finished', 'stopped').
   */
  async #fail(row: FetchedRow, job: Job, key: string, err: unknown, retryable: boolean, lease: Lease, ended: 'failed' | 'finished' | 'stopped'): Promise<void> {
    const attempts = row.retry_count + 1;
    const why = describeError(err);
    const moved = () => ended === 'failed'
      ? `failed after its lease lapsed (attempt ${attempts}): ${why}`
      : `${ended} after its lease lapsed; its row had moved on (run again, superseded or failed), so it was not completed; attempt ${attempts} of ${this.#backoff.maxAttempts} counted`;
    if (retryable && attempts < this.#backoff.maxAttempts) {
      lease.stop();
      const own = await this.#ifOwnRun(row, (tx) => this.#boss.fail(QUEUE_NAME, row.id, { message: why }, { db: txDb(tx) }));
      if (!own) return this.#o.log(`trailmark: ${describeJob(job)} ${moved()}; the queue runs it again`);
      const { rows } = await this.#o.sql.query<{ wait: number | null }>(
        `SELECT ceil(extract(epoch FROM start_after - now()))::int AS wait FROM ${this.#schema}.job WHERE name = $1 AND id = $2 AND state = 'retry'`, [QUEUE_NAME, row.id]);
      this.#o.log(`trailmark: ${describeJob(job)} ${ended === 'failed' ? 'failed' : `${ended} after its lease was lost, not completed`} (attempt ${attempts} of ${this.#backoff.maxAttempts}), retrying in ${Math.max(0, rows[0]?.wait ?? 0)} s: ${why}`);
      return;
    }
    // Reported while the row is still active (a crash in between leaves it to expire, and the
    // sweep reports it again: reports are idempotent), then moved to failed (no retry left:
    // pg-boss's fail then moves it there) only if it is still this run's.
    if (!(await this.#ifOwnRun(row, () => Promise.resolve()))) {
      return this.#o.log(`trailmark: ${describeJob(job)} ${moved()}; the queue decides its next attempt`);
    }
    this.#o.log(`trailmark: ${describeJob(job)} failed for good after ${attempts} attempt(s): ${why}`);
    // The lease is extended while the report runs (it calls GitHub), unless it was lost.
    await this.#report(job, key, err, attempts);
    lease.stop();
    await this.#ifOwnRun(row, async (tx) => {
      await tx.query(`UPDATE ${this.#schema}.job SET retry_limit = retry_count WHERE name = $1 AND id = $2`, [QUEUE_NAME, row.id]);
      await this.#boss.fail(QUEUE_NAME, row.id, { message: why, report: { by: RUNNER, done: true } }, { db: txDb(tx) });
    });
  }

  async #report(job: Job, key: string, err: unknown, attempts: number): Promise<void> {
    try {
      await this.#o.onFinalFailure(job, key, err, attempts);
    } catch (reportErr) {
      this.#o.log(`trailmark: the failure of the ${describeJob(job)} could not be reported: ${describeError(reportErr)}`);
    }
  }

  /**
   * Runs `fn` in a transaction holding the job's row when the row is still this run's (active,
   * same `started_on`); false when the lease lapsed and the row moved on.
   */
  async #ifOwnRun(row: FetchedRow, fn: (tx: SqlQueryable) => Promise<unknown>): Promise<boolean> {
    return this.#o.sql.transaction(async (tx) => {
      const { rows } = await tx.query(
        `SELECT 1 FROM ${this.#schema}.job WHERE name = $1 AND id = $2 AND state = 'active' AND started_on = $3::timestamptz FOR UPDATE`, [QUEUE_NAME, row.id, row.started]);
      if (rows.length === 0) return false;
      await fn(tx);
      return true;
    });
  }

  /**
   * Completes this run's row, only while the run holds its lease (the row active, with this
   * run's `started_on`): a row that expired meanwhile is another run's to end, even when none
   * started yet, so a run that outlived its lease never ends the job (or writes after it).
   */
  async #complete(row: FetchedRow): Promise<boolean> {
    const { rows } = await this.#o.sql.query(
      `UPDATE ${this.#schema}.job SET state = 'completed', completed_on = now(), output = jsonb_build_object('runner', $4::text)
       WHERE name = $1 AND id = $2 AND started_on = $3::timestamptz AND state = 'active'
       RETURNING 1`, [QUEUE_NAME, row.id, row.started, RUNNER]);
    return rows.length > 0;
  }

  /**
   * Extends the run's expiry every third of the job timeout while it runs (up to
   * MAX_RUN_TIMEOUTS timeouts); once an extension is refused (the limit reached, or the row no
   * longer this run's: the queue took it for dead) the lease is lost: `lapsed`, a log line, and
   * `abort` aborted with a LeaseLostError saying which.
   */
  #lease(row: FetchedRow, abort: AbortController): Lease {
    const state = { lapsed: false, stopped: false };
    const extend = async () => {
      const { rows } = await this.#o.sql.query<{ extended: boolean; own: boolean }>(
        `WITH extended AS (
           UPDATE ${this.#schema}.job SET expire_in = (now() - started_on) + make_interval(secs => $4)
           WHERE name = $1 AND id = $2 AND state = 'active' AND started_on = $3::timestamptz AND now() - started_on < make_interval(secs => $5)
           RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM extended) AS extended,
           EXISTS (SELECT 1 FROM ${this.#schema}.job WHERE name = $1 AND id = $2 AND state = 'active' AND started_on = $3::timestamptz) AS own`,
        [QUEUE_NAME, row.id, row.started, this.#timeout, this.#timeout * MAX_RUN_TIMEOUTS]);
      if (rows[0]?.extended === true || state.lapsed || state.stopped) return;
      state.lapsed = true;
      const own = rows[0]?.own === true;
      const what = unreadablePayload(row.data) === undefined ? describeJob(row.data.job) : `job ${row.id}`;
      const why = own
        ? `it ran past ${MAX_RUN_TIMEOUTS} job timeouts (${this.#timeout * MAX_RUN_TIMEOUTS} s), the most a lease is extended: taken for hung`
        : 'the queue took it for dead (its lease was not extended in time) and moved its row on';
      this.#o.log(`trailmark: ${what} still runs after ${this.#timeout} s and its lease was not extended (${own ? `${MAX_RUN_TIMEOUTS} job timeouts reached` : 'the queue took it for dead'}): the run is told to stop and will not be completed; another replica may run it again`);
      abort.abort(new LeaseLostError('LEASE_LOST', `lease lost: ${why}`, { hint: `raise TRAILMARK_JOB_TIMEOUT (now ${this.#timeout} s) above a quarter of the longest job` }));
    };
    const timer = setInterval(() => {
      extend().catch((err: unknown) => this.#o.log(`trailmark: the lease of job ${row.id} could not be extended: ${describeError(err)}`));
    }, Math.max(100, Math.floor((this.#timeout * 1000) / 3)));
    timer.unref();
    return {
      stop: () => {
        state.stopped = true;
        clearInterval(timer);
      },
      get lapsed() {
        return state.lapsed;
      },
    };
  }

  /**
   * Reports one job that pg-boss's maintenance failed by the timeout on its last attempt (no run
   * was left to report it): claims it in its row, reports it unless a newer job of its key
   * exists, and marks the report done. Returns whether it found one.
   */
  async #sweepExpired(): Promise<boolean> {
    const s = this.#schema;
    const { rows } = await this.#o.sql.query<{ id: string; data: JobData; retry_count: number; superseded: boolean }>(
      `UPDATE ${s}.job j SET output = j.output || jsonb_build_object('report', jsonb_build_object('by', $2::text, 'at', now()))
       WHERE j.name = $1 AND j.id = (
         SELECT f.id FROM ${s}.job f WHERE f.name = $1 AND f.state = 'failed' AND f.output->'value'->>'message' = $3
           AND (NOT f.output ? 'report' OR (f.output->'report'->>'done' IS NULL AND (f.output->'report'->>'at')::timestamptz < now() - make_interval(secs => $4)))
         ORDER BY f.completed_on LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING j.id, j.data, j.retry_count,
         EXISTS (SELECT 1 FROM ${s}.job n WHERE n.name = $1 AND n.singleton_key = j.singleton_key AND n.created_on > j.created_on) AS superseded`,
      [QUEUE_NAME, RUNNER, EXPIRED_MESSAGE, this.#timeout]);
    const row = rows[0];
    if (row === undefined) return false;
    const unreadable = unreadablePayload(row.data);
    const attempts = row.retry_count + 1;
    if (unreadable !== undefined) {
      this.#o.log(`trailmark: queued job ${row.id} exceeded the job timeout on its last attempt and cannot be reported: ${unreadable}`);
    } else if (row.superseded) {
      this.#o.log(`trailmark: ${describeJob(row.data.job)} exceeded the job timeout of ${this.#timeout} s on its last attempt (${attempts}); not reported: a newer job of its key was queued since`);
    } else {
      const why = `the job ran longer than the job timeout of ${this.#timeout} s on every attempt (${attempts}): a replica stopped or hung`;
      this.#o.log(`trailmark: ${describeJob(row.data.job)} failed for good after ${attempts} attempt(s): ${why}`);
      await this.#report(row.data.job, row.data.key, new Error(why), attempts);
    }
    // An unreadable payload is marked as such, so the health check counts it (deadLetters).
    await this.#o.sql.query(`UPDATE ${s}.job SET output = jsonb_set(output, '{report,done}', 'true') || CASE WHEN $3 THEN '{"unreadable":true}'::jsonb ELSE '{}'::jsonb END WHERE name = $1 AND id = $2`, [QUEUE_NAME, row.id, unreadable !== undefined]);
    return true;
  }
}
