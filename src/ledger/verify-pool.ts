// Parallel verification: the per-entry checks that need no other entry (canonical form, fields,
// key, Ed25519 signature, body schema) and each line's two digests (line hash, Merkle leaf hash)
// run in worker threads (./verify-worker.ts, ./verify-batch.ts), batch by batch; chaining,
// counting, the Merkle tree and the checkpoints stay on the calling thread, in log order, in
// the LedgerVerifier (./verify.ts). Results are consumed strictly in order, so a later batch
// finishing first changes nothing: the first bad seq is the one the sequential verifier
// reports, with the same message (the failing line is re-checked by it).
//
// Memory stays flat: at most `2 × threads` batches are with the workers, plus at most
// LOCAL_BYTES of batches the calling thread checked itself while the workers were starting;
// the feeder makes its caller wait (backpressure) before reading more lines. Logs shorter than
// the threshold never start a worker: the first `threshold` lines are always verified on the
// calling thread.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LedgerError } from '../core/errors.js';
import { formatVerifierKey, type NoteVerifier } from './note.js';
import { keyRing, type LedgerVerifier } from './verify.js';
import { checkBatch, REPLY_STRINGS, type BatchReply, type BatchRequest } from './verify-batch.js';
import type { WorkerInit } from './verify-worker.js';
import { HASH_SIZE } from './merkle.js';

/**
 * Lines verified on the calling thread before workers start. Starting two workers (module
 * load, schema compilation) measured 0.26 to 0.8 s on this 2-core machine, the time of 2,000
 * to 8,000 sequential entries, and workers save about a third of the time of the entries they
 * check: a log must be well past that before they pay. Smaller logs start no worker at all.
 */
export const PARALLEL_THRESHOLD = 8192;
/** Lines per batch: large enough to amortize a message, small enough to keep memory flat. */
const BATCH_LINES = 256;

export interface ParallelOptions {
  /** Worker threads; 1 (or 0) verifies on the calling thread. Default 1 (see defaultThreads). */
  readonly threads?: number;
  /** Lines verified on the calling thread before workers start. Default PARALLEL_THRESHOLD. */
  readonly threshold?: number;
  /** Lines per batch sent to a worker. Default 256. */
  readonly batchLines?: number;
  /** The worker module; for tests (a worker that crashes). Default ./verify-worker.{ts,js}. */
  readonly workerFile?: URL;
}

/**
 * One thread unless asked: on the shared 2-core machine we measure on, worker threads were not
 * faster than one thread with both cores busy with other jobs (load average 6 to 12; see
 * docs/ledger-format.md §9) and add ~50 MiB of resident memory each; `--threads N` opts in
 * until a measurement on idle cores says otherwise. `maxThreads()` is what a caller that opts in without a number should use.
 */
export function defaultThreads(): number {
  return 1;
}

export function maxThreads(): number {
  return availableParallelism();
}

/**
 * The worker module next to this one: `.ts` under tsx/vitest (src/), `.js` in the build
 * (dist/lib/src/ledger/). A `.ts` worker gets the tsx loader, as its parent has one.
 */
function defaultWorkerFile(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './verify-worker.ts' : './verify-worker.js', import.meta.url);
}

const WORKER_HINT = 'rerun with --threads 1 to verify on one thread; if that works, report this with your Node.js version';

/**
 * Loader hooks do not reach worker threads on Node 20: a `.ts` worker (src/ under tsx or
 * vitest) is started by a small bootstrap that registers tsx in the worker first. The build
 * starts the compiled `.js` directly.
 */
function spawnWorker(file: URL, init: WorkerInit): Worker {
  if (!file.pathname.endsWith('.ts')) return new Worker(file, { workerData: init });
  // require.resolve gives the CommonJS entry; its ESM twin sits next to it (index.cjs, index.mjs).
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

interface Job {
  readonly resolve: (r: BatchReply) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly jobs: Map<number, Job>;
}

/** A fixed set of workers; each batch goes to the least busy one. */
class SignaturePool {
  readonly #slots: Slot[] = [];
  #nextId = 0;
  #failure: LedgerError | null = null;
  #closing = false;

  constructor(keys: readonly NoteVerifier[], threads: number, file: URL) {
    const init: WorkerInit = { keys: keys.map((k) => formatVerifierKey(k)) };
    for (let i = 0; i < threads; i++) {
      const worker = spawnWorker(file, init);
      const slot: Slot = { worker, jobs: new Map() };
      worker.on('message', (reply: BatchReply) => {
        this.replied = true;
        const job = slot.jobs.get(reply.id);
        slot.jobs.delete(reply.id);
        job?.resolve(reply);
      });
      worker.on('error', (err) => this.#fail(`signature worker ${i} failed: ${err.message}`, err));
      worker.on('messageerror', (err) => this.#fail(`signature worker ${i} sent an unreadable message: ${err.message}`, err));
      worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(`signature worker ${i} exited with code ${code} before verification finished`);
      });
      this.#slots.push(slot);
    }
  }

  /** Any worker failing fails every batch: a result that is not complete is not a verdict. */
  #fail(message: string, cause?: unknown): void {
    if (this.#failure === null) this.#failure = new LedgerError('IO', message, { hint: WORKER_HINT, ...(cause === undefined ? {} : { cause }) });
    for (const s of this.#slots) {
      for (const job of s.jobs.values()) job.reject(this.#failure);
      s.jobs.clear();
    }
  }

  /** Whether any worker has replied yet (workers take a while to load their modules). */
  replied = false;

  run(data: Uint8Array, ends: Uint32Array): Promise<BatchReply> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.jobs.size < slot.jobs.size) slot = s;
    const id = this.#nextId++;
    const request: BatchRequest = { id, data, ends };
    const promise = new Promise<BatchReply>((resolve, reject) => slot.jobs.set(id, { resolve, reject }));
    slot.worker.postMessage(request, [data.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
    return promise;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}

interface InFlight {
  readonly lines: Uint8Array[];
  /** Index in the log of lines[0]. */
  readonly first: number;
  readonly reply: Promise<BatchReply>;
  /** Checked on the calling thread (while the workers were starting), not by a worker. */
  readonly local: boolean;
  readonly bytes: number;
}

/**
 * Bytes of batches the calling thread may check itself, ahead of batches still with workers
 * that have not replied yet (starting): it would otherwise sit idle for the workers' start-up.
 */
const LOCAL_BYTES = 16 * 2 ** 20;

/**
 * Feeds a LedgerVerifier, with the same calls (`checkpoint`, `line`), checking entries in
 * worker threads once past the threshold. Call `finish()` (always: it stops the workers)
 * before `verifier.end()`.
 */
export class ParallelFeed {
  readonly #inner: LedgerVerifier;
  readonly #keys: readonly NoteVerifier[];
  readonly #threads: number;
  readonly #threshold: number;
  readonly #file: URL;
  readonly #maxInFlight: number;
  readonly #batchLines: number;
  #pool: SignaturePool | null = null;
  /** Lines handed to this feed. */
  #fed = 0;
  #stopped = false;
  #closed = false;
  #batch: Uint8Array[] = [];
  readonly #inFlight: InFlight[] = [];
  /** History checkpoints handed over while lines were in flight, with the line count at the time. */
  readonly #checkpoints: { readonly at: number; readonly size: number; readonly text: string }[] = [];

  constructor(inner: LedgerVerifier, keys: readonly NoteVerifier[], options: ParallelOptions = {}) {
    const threads = options.threads ?? defaultThreads();
    if (!Number.isSafeInteger(threads) || threads < 0) throw new LedgerError('STORE_CONTRACT', `threads ${threads} is not a non-negative integer`);
    this.#inner = inner;
    this.#keys = keys;
    this.#threads = threads;
    this.#threshold = options.threshold ?? PARALLEL_THRESHOLD;
    this.#file = options.workerFile ?? defaultWorkerFile();
    this.#maxInFlight = 2 * threads;
    this.#batchLines = Math.max(1, options.batchLines ?? BATCH_LINES);
  }

  /** Lines of batches this thread checked itself while the workers were starting. */
  get localLines(): number {
    return this.#localLines;
  }

  #localLines = 0;

  /** Whether workers were started (the log passed the threshold with threads > 1). */
  get parallel(): boolean {
    return this.#pool !== null;
  }

  checkpoint(size: number, text: string): void {
    if (this.#pool === null) this.#inner.checkpoint(size, text);
    else this.#checkpoints.push({ at: this.#fed, size, text });
  }

  /** As LedgerVerifier.line; a promise when the caller must wait for in-flight batches. */
  line(bytes: Uint8Array): boolean | Promise<boolean> {
    if (this.#stopped) return false;
    if (this.#pool === null) {
      if (this.#threads <= 1 || this.#fed < this.#threshold || this.#keys.length === 0) {
        this.#fed++;
        if (!this.#inner.line(bytes)) this.#stopped = true;
        return !this.#stopped;
      }
      this.#pool = new SignaturePool(this.#keys, this.#threads, this.#file);
    }
    this.#fed++;
    this.#batch.push(bytes);
    if (this.#batch.length < this.#batchLines) return true;
    this.#dispatch();
    if (this.#poolInFlight < this.#maxInFlight) return true;
    if (this.#inFlight[0]!.local || this.#pool.replied || this.#localBytes >= LOCAL_BYTES) return this.#drainOne().then(() => !this.#stopped);
    return true;
  }

  /** Batches with the workers, and bytes of batches checked here, in flight. */
  #poolInFlight = 0;
  #localBytes = 0;
  #ring: ReadonlyMap<string, NoteVerifier> | null = null;

  /** Verifies what is in flight, hands over the remaining checkpoints, stops the workers. */
  async finish(): Promise<void> {
    try {
      if (this.#pool === null) return;
      this.#dispatch();
      while (this.#inFlight.length > 0) await this.#drainOne();
      this.#flushCheckpoints(Number.MAX_SAFE_INTEGER);
    } finally {
      await this.close();
    }
  }

  /** Stops the workers (idempotent); after an error, in-flight results are dropped. */
  async close(): Promise<void> {
    const pool = this.#pool;
    if (pool === null || this.#closed) return;
    this.#closed = true;
    this.#stopped = true;
    this.#inFlight.length = 0;
    await pool.close();
  }

  #dispatch(): void {
    const lines = this.#batch;
    if (lines.length === 0) return;
    this.#batch = [];
    let total = 0;
    for (const l of lines) total += l.byteLength;
    // A copy, transferred: the worker owns it, the lines stay here for hashing.
    const data = new Uint8Array(total);
    const ends = new Uint32Array(lines.length);
    let at = 0;
    for (let i = 0; i < lines.length; i++) {
      data.set(lines[i]!, at);
      at += lines[i]!.byteLength;
      ends[i] = at;
    }
    const first = this.#fed - lines.length;
    // The window of worker batches is full and no worker has answered yet: they are still
    // starting, so this thread checks the batch itself (the same function, the same result).
    if (this.#poolInFlight >= this.#maxInFlight && !this.#pool!.replied) {
      this.#ring ??= keyRing(this.#keys);
      const local = checkBatch({ id: -1, data, ends }, this.#ring);
      this.#localBytes += total;
      this.#localLines += lines.length;
      this.#inFlight.push({ lines, first, reply: Promise.resolve(local), local: true, bytes: total });
      return;
    }
    const reply = this.#pool!.run(data, ends);
    // Awaited in order by #drainOne; a failure before then must not be an unhandled rejection.
    reply.catch(() => undefined);
    this.#poolInFlight++;
    this.#inFlight.push({ lines, first, reply, local: false, bytes: total });
  }

  async #drainOne(): Promise<void> {
    const batch = this.#inFlight.shift()!;
    if (batch.local) this.#localBytes -= batch.bytes;
    else this.#poolInFlight--;
    const reply = await batch.reply;
    const { seqs, strings, leaves } = reply;
    for (let i = 0; i < batch.lines.length && !this.#stopped; i++) {
      this.#flushCheckpoints(batch.first + i);
      const bytes = batch.lines[i]!;
      const s = REPLY_STRINGS * i;
      // Lines from the first failure on go through the sequential checks: same problem, same message.
      const ok =
        i < reply.passed
          ? this.#inner.lineChecked(bytes, { seq: seqs[i]!, prev: strings[s]!, time: strings[s + 1]!, kind: strings[s + 2]!, kid: strings[s + 3]!, hash: strings[s + 4]!, leaf: leaves.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE) })
          : this.#inner.line(bytes);
      if (!ok) this.#stopped = true;
    }
  }

  /** Checkpoints handed over when at most `upTo` lines had been: LedgerVerifier wants them when that many lines are in. */
  #flushCheckpoints(upTo: number): void {
    while (this.#checkpoints.length > 0 && this.#checkpoints[0]!.at <= upTo) {
      const c = this.#checkpoints.shift()!;
      this.#inner.checkpoint(c.size, c.text);
    }
  }
}
