// A small JSON document on disk, replaced atomically (write a temporary file, fsync, rename):
// after a crash the file holds the old or the new document, never a mix. Updates are serialized
// through one StateFile object, and across objects and processes by a lock file beside the
// document (`<name>.lock`, O_EXCL, the ledger's lock implementation): two processes on one data
// directory (a rolling restart that overlaps) never lose each other's update of queue.json or
// deliveries.json. A holder that died is detected by its pid; one on another host after
// STATE_LOCK_STALE_MS (an update holds the lock for milliseconds).
//
// A file that does not parse, or whose top level is not the shape of `empty()` (array or
// object), is quarantined: renamed to `<name>.corrupt-<epoch ms>` with one error line, and the
// document starts from empty. The App keeps serving; what the file held is in the quarantined
// copy for an operator (a truncated write cannot happen through this class, so corruption comes
// from outside: a full disk restored from a backup, a hand edit).
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeError } from '../src/core/errors.js';
import { nodeFileOps } from '../src/ledger/store/file-ops.js';
import { writeJsonAtomic } from '../src/ledger/store/json-file.js';
import { LockFile } from '../src/ledger/store/lock-file.js';
import { systemClock, type Clock } from '../src/core/ports.js';

/** Age after which a state file's lock is broken whoever holds it (a live update takes milliseconds). */
export const STATE_LOCK_STALE_MS = 30_000;

/** Process-wide, so two quarantines of one path in the same millisecond never share a name. */
let quarantineCounter = 0;

export interface StateFileOptions {
  readonly clock?: Clock;
  /** Receives the line that says a file was quarantined; standard error by default. */
  readonly report?: (line: string) => void;
  /**
   * Where `stateDoc` keeps the documents instead of files (PostgreSQL mode: app/pg/documents.ts).
   * Absent: files, as StateFile.
   */
  readonly documents?: StateDocuments;
}

/** A JSON document read whole and updated under a lock: a StateFile, or a row (app/pg/documents.ts). */
export interface StateDoc<T> {
  read(): Promise<T>;
  /** Reads, applies `change`, writes back, with no other update of the document in between. */
  update<R>(change: (doc: T) => R): Promise<R>;
}

/** Opens the document that the data-directory mode keeps at `path`. */
export interface StateDocuments {
  open<T>(path: string, empty: () => T): StateDoc<T>;
  /**
   * Runs `fn` holding a lock on the document at `path` that one holder has at a time across
   * processes, for a read, asynchronous work, then an update that must not interleave with
   * another process's (collector-sequences.ts).
   */
  exclusive<R>(path: string, fn: () => Promise<R>): Promise<R>;
}

/** The document kept at `path`: in `options.documents` when set, else the file itself. */
export function stateDoc<T>(path: string, empty: () => T, options: StateFileOptions = {}): StateDoc<T> {
  return options.documents === undefined ? new StateFile(path, empty, options) : options.documents.open(path, empty);
}

/** Whether `doc` has the top-level shape of `empty` (an array, or an object). */
export function sameShape(doc: unknown, empty: unknown): boolean {
  if (Array.isArray(empty)) return Array.isArray(doc);
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc);
}

const stderrReport = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export class StateFile<T> implements StateDoc<T> {
  #chain: Promise<unknown> = Promise.resolve();
  #lock: LockFile | undefined;
  readonly #clock: Clock;
  readonly #report: (line: string) => void;

  constructor(readonly path: string, readonly empty: () => T, options: StateFileOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#report = options.report ?? stderrReport;
  }

  /** The stored document, or `empty()` when the file does not exist or was quarantined as corrupt. */
  async read(): Promise<T> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      throw err;
    }
    const empty = this.empty();
    let doc: unknown;
    let problem: string | undefined;
    try {
      doc = JSON.parse(text);
      if (!sameShape(doc, empty)) problem = `top level is ${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : typeof doc}, not ${Array.isArray(empty) ? 'an array' : 'an object'}`;
    } catch (err) {
      problem = describeError(err);
    }
    if (problem === undefined) return doc as T;
    await this.#quarantine(problem);
    return empty;
  }

  async #quarantine(problem: string): Promise<void> {
    const target = `${this.path}.corrupt-${this.#clock.now()}-${process.pid}-${quarantineCounter++}`;
    try {
      await rename(this.path, target);
    } catch (err) {
      // Another reader of the same path moved it first.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.#report(`trailmark: error: state file ${this.path} is corrupt (${problem}); moved to ${target}, continuing with an empty document`);
  }

  /**
   * Reads, applies `change`, writes back; serialized with every other update of this object,
   * and under the document's lock file with updates from other objects and processes.
   */
  update<R>(change: (doc: T) => R): Promise<R> {
    const next = this.#chain.then(async () => {
      if (this.#lock === undefined) {
        // The lock file lives beside the document, whose directory may not exist yet.
        await mkdir(dirname(this.path), { recursive: true });
        this.#lock = new LockFile(nodeFileOps, `${this.path}.lock`, { staleMs: STATE_LOCK_STALE_MS });
      }
      const lock = this.#lock;
      await lock.acquire();
      try {
        const doc = await this.read();
        const out = change(doc);
        await this.#write(doc);
        return out;
      } finally {
        lock.release();
      }
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #write(doc: T): Promise<void> {
    await writeJsonAtomic(this.path, doc);
  }
}
