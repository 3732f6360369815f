// The durable in-process work queue. A webhook handler only enqueues (GitHub fails deliveries
// that take over 10 s, and Probot answers after the handlers finish); the work runs here.
//
// Durability: a job is written to `queue.json` (atomic replace) before `enqueue` resolves and
// removed only after it ran, so jobs queued or running at a crash run again after a restart
// (`start`). Jobs under the same key are coalesced: a job enqueued while an older one with its
// key waits replaces it; one enqueued while it runs makes it run once more afterwards.
// At most `concurrency` jobs run at once.
//
// Failures: a job that throws a transient error (`retryable`) is kept in `queue.json` with its
// attempt count and the earliest time of its next attempt (exponential backoff with jitter), so
// a restart resumes the backoff instead of forgetting it. After `maxAttempts`, or at once for an
// error that retrying cannot fix, `onFinalFailure` reports it (a neutral check run, a reply) and
// the job moves to `failed.json`, where `requeueFailed` (a `/trailmark recheck`, a redelivery)
// finds it. Crash windows: the failed entry is written before the job leaves the queue, so a
// crash between the two runs the job once more, never loses it.
import { join } from 'node:path';
import { TrailmarkError, describeError } from '../src/core/errors.js';
import { systemClock, systemRandom, type Clock, type Random } from '../src/core/ports.js';
import { realSleep, type Sleep } from '../src/github/client.js';
import type { Job } from './job.js';
import { StateFile, type StateFileOptions } from './state-file.js';

interface Slot {
  readonly job: Job;
  /** Bumped on every enqueue under the key; a run completes its slot only if unchanged. */
  readonly version: number;
  /** Failed attempts of this version so far (absent: none). */
  readonly attempts?: number;
  /** Epoch ms before which the next attempt does not start (absent: at once). */
  readonly notBefore?: number;
}

type QueueDocument = Record<string, Slot>;

export interface FailedJob {
  readonly job: Job;
  readonly attempts: number;
  /** The last error, as logged (no payloads: jobs hold ids, logins and SHAs only). */
  readonly error: string;
  /** Epoch ms of the final failure. */
  readonly at: number;
}

type FailedDocument = Record<string, FailedJob>;

/** Failed jobs kept for `requeueFailed`; the oldest are forgotten past this many. */
export const FAILED_JOBS_KEPT = 1_000;

export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Wait before the second attempt; doubled per further attempt. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Five attempts over about 7.5 minutes (30 s, 1, 2, 4 min before attempts 2 to 5, each with
 * jitter): each attempt already retried its requests (github/client.ts), so a job that still
 * fails meets an outage longer than the request retries cover.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000 };

/** The wait before attempt `failed + 1`: exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(failed: number, policy: BackoffPolicy, random: Random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failed - 1));
  const [a = 0, b = 0] = random.bytes(2);
  const unit = ((a << 8) | b) / 65_536;
  return Math.round(exp / 2 + (exp / 2) * unit);
}

/**
 * The dead-letter list as an operator's health check sees it. `failed()` lists only the jobs a
 * recheck or a redelivery can queue again (the newest failure of each key, with a payload this
 * version reads); these counts cover every job the queue will not run again, so a job no one can
 * requeue (an unreadable payload) still shows.
 */
export interface DeadLetters {
  /** Every job kept as failed for good: older failures of a key and unreadable payloads included. */
  readonly total: number;
  /** Of these, jobs whose payload this version of the App cannot read (never run; see the log). */
  readonly unreadable: number;
}

/**
 * Why a run was told to stop (the reason of its AbortSignal): the queue lost the job's lease, by
 * running past MAX_RUN_TIMEOUTS job timeouts or by being taken for dead (pg-queue.ts).
 */
export class LeaseLostError extends TrailmarkError<'LEASE_LOST'> {}

/** A signal that never aborts: the file queue holds no lease it could lose. */
const NEVER_ABORTED = new AbortController().signal;

/** What any queue runs jobs with: the worker, the retry rule and the failure report. */
export interface JobRunner {
  readonly concurrency: number;
  /**
   * Runs a job; `key` is the key it was enqueued under (its idempotency key). `signal` aborts
   * (with a LeaseLostError) when the queue no longer holds the job's lease: another replica may
   * run it by then, so the run must stop at its next step and write nothing more (no ledger
   * entry, no check run); what it ends with is then not taken as the job's outcome. The file
   * queue (one process, no lease) never aborts it.
   */
  readonly run: (job: Job, key: string, signal: AbortSignal) => Promise<void>;
  /** Whether another attempt could succeed (5xx, network errors, rate limits). */
  readonly retryable: (err: unknown) => boolean;
  /**
   * Reports a job that will not be attempted again (after `attempts` attempts); a throw here is
   * logged, the job still moves to failed. PgQueue also calls it for a job whose last attempt
   * exceeded the job timeout (`err` says so), and may call it twice for one failure when a
   * replica dies mid-report: reports must be idempotent (the App's are: a keyed ledger entry, a
   * check run published once).
   */
  readonly onFinalFailure: (job: Job, key: string, err: unknown, attempts: number) => Promise<void>;
  /** One line per failed attempt and per final failure. */
  readonly log: (line: string) => void;
  readonly backoff?: BackoffPolicy;
}

export interface QueueOptions extends JobRunner {
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Waits out a backoff delay (injected in tests). */
  readonly sleep?: Sleep;
  readonly stateFiles?: StateFileOptions;
}

/**
 * What the App needs of a work queue: this file's `WorkQueue` (a data directory, one process) or
 * `pg-queue.ts` (PostgreSQL, several replicas). Semantics as described at the top of this file:
 * durable before `enqueue` resolves, coalesced per key, retried with backoff, failed jobs kept.
 */
export interface JobQueue {
  /** Schedules the jobs left by an earlier process; returns how many. */
  start(): Promise<number>;
  enqueue(key: string, job: Job): Promise<void>;
  /** Jobs persisted and not yet completed or failed for good. */
  pending(): Promise<number>;
  /** Jobs that failed for good and were not requeued, by key. */
  failed(): Promise<Readonly<Record<string, FailedJob>>>;
  /** Counts of the dead-letter list (what the health check reports): see DeadLetters. */
  deadLetters(): Promise<DeadLetters>;
  requeueFailed(pick: (job: Job, key: string) => boolean): Promise<number>;
  dropFailed(pick: (job: Job, key: string) => boolean): Promise<void>;
  /** Resolves when this process runs, waits for and sleeps on nothing. */
  drain(): Promise<void>;
  /** Removes persisted jobs matching `drop`; running ones finish. */
  remove(drop: (job: Job) => boolean): Promise<void>;
  /** Stops taking jobs; resolves when this process's running jobs ended. */
  stop?(): Promise<void>;
}

export function describeJob(job: Job): string {
  if (job.kind === 'retention') return `retention job for installation ${job.installationId} (${job.day})`;
  return job.kind === 'weekly-report' ? `weekly-report job for ${job.owner}/${job.repo} ${job.week}` : `${job.kind} job for ${job.owner}/${job.repo}#${job.number}`;
}

export class WorkQueue implements JobQueue {
  readonly #file: StateFile<QueueDocument>;
  readonly #failed: StateFile<FailedDocument>;
  readonly #o: QueueOptions;
  readonly #backoff: BackoffPolicy;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #sleep: Sleep;
  /** Keys waiting to run, oldest first (in memory; the file is the durable copy). */
  readonly #waiting: string[] = [];
  readonly #running = new Set<string>();
  /** Keys sleeping out a backoff delay. */
  readonly #delayed = new Set<string>();
  /** Keys whose delay was slept out: their next run does not wait for `notBefore` again. */
  readonly #due = new Set<string>();
  #idle: (() => void)[] = [];
  #stopped = false;
  #stoppedWaiters: (() => void)[] = [];

  constructor(options: QueueOptions) {
    this.#o = options;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#sleep = options.sleep ?? realSleep;
    this.#file = new StateFile(join(options.dataDir, 'queue.json'), () => ({}), options.stateFiles);
    this.#failed = new StateFile(join(options.dataDir, 'failed.json'), () => ({}), options.stateFiles);
  }

  /** Schedules the jobs left in the file by an earlier process (backoffs resume). Returns how many. */
  async start(): Promise<number> {
    const doc = await this.#file.read();
    const keys = Object.keys(doc).sort((a, b) => doc[a]!.version - doc[b]!.version);
    for (const key of keys) this.#schedule(key);
    return keys.length;
  }

  async enqueue(key: string, job: Job): Promise<void> {
    await this.#file.update((doc) => {
      const version = Math.max(0, ...Object.values(doc).map((s) => s.version)) + 1;
      doc[key] = { job, version };
    });
    this.#schedule(key);
  }

  /** Jobs persisted and not yet completed or failed for good (those in a backoff included). */
  async pending(): Promise<number> {
    return Object.keys(await this.#file.read()).length;
  }

  /** Jobs that failed for good and were not requeued, by key. */
  async failed(): Promise<Readonly<FailedDocument>> {
    return this.#failed.read();
  }

  /** failed.json holds one entry per key, written only by this version: nothing in it is unreadable. */
  async deadLetters(): Promise<DeadLetters> {
    return { total: Object.keys(await this.#failed.read()).length, unreadable: 0 };
  }

  /**
   * Queues again the failed jobs matching `pick`, with a fresh attempt count. The job is in the
   * queue before it leaves the failed list (a crash between leaves it in both: it runs, and the
   * next requeue or final failure replaces the failed entry). Returns how many.
   */
  async requeueFailed(pick: (job: Job, key: string) => boolean): Promise<number> {
    const failed = await this.#failed.read();
    const keys = Object.keys(failed).filter((k) => pick(failed[k]!.job, k));
    for (const key of keys) await this.enqueue(key, failed[key]!.job);
    if (keys.length > 0) {
      await this.#failed.update((doc) => {
        for (const key of keys) delete doc[key];
      });
    }
    return keys.length;
  }

  /** Forgets the failed jobs matching `pick` (their work is being redone another way). */
  async dropFailed(pick: (job: Job, key: string) => boolean): Promise<void> {
    await this.#failed.update((doc) => {
      for (const [key, f] of Object.entries(doc)) if (pick(f.job, key)) delete doc[key];
    });
  }

  /** Resolves when nothing waits, runs or sleeps out a backoff. */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Removes persisted jobs matching `drop` (uninstalled installations). Running ones finish. */
  async remove(drop: (job: Job) => boolean): Promise<void> {
    await this.#file.update((doc) => {
      for (const [key, slot] of Object.entries(doc)) if (drop(slot.job)) delete doc[key];
    });
    await this.#failed.update((doc) => {
      for (const [key, f] of Object.entries(doc)) if (drop(f.job)) delete doc[key];
    });
  }

  /** Starts no further job; resolves when the running ones ended (the rest stay in queue.json for the next start). */
  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#stoppedWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#waiting.length === 0 && this.#running.size === 0 && this.#delayed.size === 0;
  }

  /** A key scheduled while it runs waits for that run to end (its slot then decides). */
  #schedule(key: string): void {
    if (!this.#waiting.includes(key)) this.#waiting.push(key);
    this.#pump();
  }

  #pump(): void {
    if (this.#stopped) {
      if (this.#running.size === 0) for (const resolve of this.#stoppedWaiters.splice(0)) resolve();
      return;
    }
    while (this.#running.size < this.#o.concurrency) {
      const index = this.#waiting.findIndex((k) => !this.#running.has(k));
      if (index < 0) break;
      const [key] = this.#waiting.splice(index, 1);
      this.#running.add(key!);
      void this.#runKey(key!);
    }
    if (this.#isIdle()) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Sleeps `ms`, then schedules `key` again (its slot decides whether it is still due). */
  #delay(key: string, ms: number): void {
    if (this.#delayed.has(key)) return;
    this.#delayed.add(key);
    void this.#sleep(ms).then(() => {
      this.#delayed.delete(key);
      this.#due.add(key);
      this.#schedule(key);
    });
  }

  async #runKey(key: string): Promise<void> {
    try {
      await this.#runSlot(key);
    } catch (err) {
      // Only the state files can throw here (a full disk): the job stays in queue.json and runs
      // after a restart.
      this.#o.log(`trailmark: queue state for ${key} could not be written: ${describeError(err)}`);
    }
    this.#running.delete(key);
    this.#pump();
  }

  async #runSlot(key: string): Promise<void> {
    for (;;) {
      const slot = (await this.#file.read())[key];
      if (slot === undefined) return;
      // `notBefore` is for a restart during a backoff; in this process the sleep is the wait.
      const due = this.#due.delete(key);
      const wait = (slot.notBefore ?? 0) - this.#clock.now();
      if (wait > 0 && !due) return this.#delay(key, wait);
      let failure: { err: unknown } | undefined;
      try {
        await this.#o.run(slot.job, key, NEVER_ABORTED);
      } catch (err) {
        failure = { err };
      }
      if (failure === undefined) {
        const done = await this.#file.update((doc) => {
          if (doc[key]?.version !== slot.version) return false;
          delete doc[key];
          return true;
        });
        if (done) return;
        continue;
      }
      const attempts = (slot.attempts ?? 0) + 1;
      const why = describeError(failure.err);
      if (this.#o.retryable(failure.err) && attempts < this.#backoff.maxAttempts) {
        const delay = backoffDelay(attempts, this.#backoff, this.#random);
        const kept = await this.#file.update((doc) => {
          if (doc[key]?.version !== slot.version) return false;
          doc[key] = { ...slot, attempts, notBefore: this.#clock.now() + delay };
          return true;
        });
        // A newer job under the key arrived meanwhile: it runs now, with its own attempts.
        if (!kept) continue;
        this.#o.log(`trailmark: ${describeJob(slot.job)} failed (attempt ${attempts} of ${this.#backoff.maxAttempts}), retrying in ${Math.ceil(delay / 1000)} s: ${why}`);
        return this.#delay(key, delay);
      }
      this.#o.log(`trailmark: ${describeJob(slot.job)} failed for good after ${attempts} attempt(s): ${why}`);
      try {
        await this.#o.onFinalFailure(slot.job, key, failure.err, attempts);
      } catch (err) {
        this.#o.log(`trailmark: the failure of the ${describeJob(slot.job)} could not be reported: ${describeError(err)}`);
      }
      await this.#failed.update((doc) => {
        doc[key] = { job: slot.job, attempts, error: why, at: this.#clock.now() };
        const keys = Object.keys(doc);
        if (keys.length > FAILED_JOBS_KEPT) {
          keys.sort((a, b) => doc[a]!.at - doc[b]!.at);
          for (const k of keys.slice(0, keys.length - FAILED_JOBS_KEPT)) delete doc[k];
        }
      });
      const done = await this.#file.update((doc) => {
        if (doc[key]?.version !== slot.version) return false;
        delete doc[key];
        return true;
      });
      if (done) return;
    }
  }
}
