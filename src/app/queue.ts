// The durable in-process work queue. A webhook handler only enqueues (GitHub fails deliveries
// that take over 10 s, and Probot answers after the handlers finish); the work runs here.
//
// Durability: a job is written to `queue.json` (atomic replace) before `enqueue` resolves and
// removed only after it ran, so jobs queued or running at a crash run again after a restart
// (`start`). Jobs under the same key are coalesced: a job enqueued while an older one with its
// key waits replaces it; one enqueued while it runs makes it run once more afterwards.
// At most `concurrency` jobs run at once.
import { join } from 'node:path';
import type { Job } from './job.js';
import { StateFile } from './state-file.js';

interface Slot {
  readonly job: Job;
  /** Bumped on every enqueue under the key; a run completes its slot only if unchanged. */
  readonly version: number;
}

type QueueDocument = Record<string, Slot>;

export interface QueueOptions {
  readonly dataDir: string;
  readonly concurrency: number;
  /** Runs a job; `key` is the key it was enqueued under (its idempotency key). */
  readonly run: (job: Job, key: string) => Promise<void>;
  /** Called when a job throws; the job is dropped (it reported its own failure if it could). */
  readonly onError: (job: Job, err: unknown) => void;
}

export class WorkQueue {
  readonly #file: StateFile<QueueDocument>;
  readonly #o: QueueOptions;
  /** Keys waiting to run, oldest first (in memory; the file is the durable copy). */
  readonly #waiting: string[] = [];
  readonly #running = new Set<string>();
  #idle: (() => void)[] = [];

  constructor(options: QueueOptions) {
    this.#o = options;
    this.#file = new StateFile(join(options.dataDir, 'queue.json'), () => ({}));
  }

  /** Schedules the jobs left in the file by an earlier process. Returns how many. */
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

  /** Jobs persisted and not yet completed. */
  async pending(): Promise<number> {
    return Object.keys(await this.#file.read()).length;
  }

  /** Resolves when nothing waits or runs. */
  drain(): Promise<void> {
    if (this.#waiting.length === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Removes persisted jobs matching `drop` (uninstalled installations). Running ones finish. */
  async remove(drop: (job: Job) => boolean): Promise<void> {
    await this.#file.update((doc) => {
      for (const [key, slot] of Object.entries(doc)) if (drop(slot.job)) delete doc[key];
    });
  }

  #schedule(key: string): void {
    if (!this.#waiting.includes(key) && !this.#running.has(key)) this.#waiting.push(key);
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#o.concurrency) {
      const index = this.#waiting.findIndex((k) => !this.#running.has(k));
      if (index < 0) break;
      const [key] = this.#waiting.splice(index, 1);
      this.#running.add(key!);
      void this.#runKey(key!);
    }
    if (this.#waiting.length === 0 && this.#running.size === 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  async #runKey(key: string): Promise<void> {
    for (;;) {
      const slot = (await this.#file.read())[key];
      if (slot === undefined) break;
      try {
        await this.#o.run(slot.job, key);
      } catch (err) {
        this.#o.onError(slot.job, err);
      }
      const done = await this.#file.update((doc) => {
        if (doc[key]?.version !== slot.version) return false;
        delete doc[key];
        return true;
      });
      if (done) break;
    }
    this.#running.delete(key);
    this.#pump();
  }
}
