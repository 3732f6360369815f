// One ledger per installation, written through a LedgerStore: the directory store under
// TRAILMARK_DATA_DIR/installations/<id>/ledger (default), or the PostgreSQL store, one log
// `installation/<id>` per installation (app/pg/ledgers.ts). Appends of one process are serialized
// per installation here; the store's writer lock (a lock file, or an advisory lock and a row
// lock on the log's head) serializes them across processes and replicas.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Random } from '../src/core/ports.js';
import { openSignedLedger, type AppendResult, type EntryDraft, type Ledger, type NoteSigner } from '../src/engine/job-ledger.js';
import { APP_POLICY, type OutcomeLedger } from '../src/engine/outcome.js';
import type { LedgerStore } from '../src/engine/ledger.js';
import { openDirStore } from '../src/ledger/store/dir.js';
import { nodeFileOps } from '../src/ledger/store/file-ops.js';
import { LockFile } from '../src/ledger/store/lock-file.js';
import { AppendedJobs } from './appended-jobs.js';
import type { StateFileOptions } from './state-file.js';

export { APP_POLICY };

/** Where the installation ledgers are, and the App's per-installation locks beside them. */
export interface InstallationStores {
  /** The installation's ledger store (`create`: made when missing; readers leave it). */
  open(installationId: number, create: boolean): Promise<LedgerStore>;
  /** Installations with a ledger, ascending. */
  installations(): Promise<number[]>;
  /**
   * Runs `fn` holding the installation's `purpose` lock, which one holder has at a time across
   * processes (a weekly report or retention job of one installation never runs twice at once).
   */
  exclusive<T>(installationId: number, purpose: string, fn: () => Promise<T>): Promise<T>;
  /**
   * The cross-process append turn of an installation, when the store's own writer lock (held
   * per append) is not enough: with several replicas, appendOnce's look-up of a job key and its
   * append must not interleave with another replica's. The data-directory mode has one process
   * and leaves it out.
   */
  appendTurn?<T>(installationId: number, fn: () => Promise<T>): Promise<T>;
}

const INSTALLATION_DIR = /^[1-9][0-9]{0,15}$/;

/** The data-directory mode: directory stores and lock files. */
export function dirInstallationStores(dataDir: string): InstallationStores {
  const dirOf = (id: number) => join(dataDir, 'installations', String(id), 'ledger');
  return {
    open: (id, create) => Promise.resolve(openDirStore(dirOf(id), create ? { create: true } : {})),
    installations: async () => {
      const dir = join(dataDir, 'installations');
      if (!existsSync(dir)) return [];
      const ids: number[] = [];
      for (const name of await readdir(dir)) {
        const id = Number(name);
        if (INSTALLATION_DIR.test(name) && Number.isSafeInteger(id) && existsSync(dirOf(id))) ids.push(id);
      }
      return ids.sort((a, b) => a - b);
    },
    exclusive: async (id, purpose, fn) => {
      const lock = new LockFile(nodeFileOps, join(dataDir, 'installations', String(id), `${purpose}.lock`), { waitMs: 5 * 60_000 });
      await lock.acquire();
      try {
        return await fn();
      } finally {
        lock.release();
      }
    },
  };
}

export class InstallationLedgers {
  readonly #chains = new Map<number, Promise<unknown>>();
  readonly #jobs = new Map<number, AppendedJobs>();
  readonly stores: InstallationStores;

  constructor(readonly dataDir: string, readonly signer: NoteSigner, readonly clock: Clock, readonly random: Random, readonly stateFiles: StateFileOptions = {}, stores?: InstallationStores) {
    this.stores = stores ?? dirInstallationStores(dataDir);
  }

  /** The installation's ledger directory in the data-directory mode. */
  dirOf(installationId: number): string {
    return join(this.dataDir, 'installations', String(installationId), 'ledger');
  }

  /** The installation's ledger store, for readers (and writers inside `with`). */
  storeOf(installationId: number, create = false): Promise<LedgerStore> {
    return this.stores.open(installationId, create);
  }

  /** Installations with a ledger, ascending. */
  installations(): Promise<number[]> {
    return this.stores.installations();
  }

  /** Runs `write` with the installation's ledger, after every earlier write of this process. */
  with<T>(installationId: number, write: (ledger: Ledger) => Promise<T>): Promise<T> {
    const previous = this.#chains.get(installationId) ?? Promise.resolve();
    const run = async () => {
      const store = await this.stores.open(installationId, true);
      const ledger = await openSignedLedger(store, this.signer, this.clock, this.random);
      return write(ledger);
    };
    const turn = this.stores.appendTurn?.bind(this.stores);
    const next = previous.then(() => (turn === undefined ? run() : turn(installationId, run)));
    this.#chains.set(installationId, next.catch(() => undefined));
    return next;
  }

  /**
   * Appends `drafts` once per job `key` (see appended-jobs.ts): null when an entry carrying
   * `key` in its body's `job` field is already committed (a re-run after a crash, a redelivery).
   */
  appendOnce(installationId: number, key: string, drafts: readonly EntryDraft[], signal?: AbortSignal): Promise<AppendResult | null> {
    let jobs = this.#jobs.get(installationId);
    if (jobs === undefined) {
      jobs = new AppendedJobs(join(this.dataDir, 'installations', String(installationId)), this.stateFiles);
      this.#jobs.set(installationId, jobs);
    }
    const index = jobs;
    // Checked once the append's turn came (the installation's lock held), right before the
    // write: a run that lost its job's lease meanwhile appends nothing (lease-guard.ts).
    return this.with(installationId, (ledger) => {
      signal?.throwIfAborted();
      return index.appendOnce(ledger, key, drafts);
    });
  }

  /** The installation's ledger as the engine's sink. */
  sinkOf(installationId: number, signal?: AbortSignal): OutcomeLedger {
    return { location: `installation ${installationId}`, origin: this.signer.name, appendOnce: (key, drafts) => this.appendOnce(installationId, key, drafts, signal) };
  }
}
