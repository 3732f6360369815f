// One ledger per installation under TRAILMARK_DATA_DIR/installations/<id>/ledger, written
// through the directory store. Appends of one process are serialized per installation here;
// the store's lock file serializes them across processes.
import { join } from 'node:path';
import type { Clock, Random } from '../src/core/ports.js';
import { openSignedLedger, type AppendResult, type EntryDraft, type Ledger, type NoteSigner } from '../src/engine/job-ledger.js';
import { APP_POLICY, type OutcomeLedger } from '../src/engine/outcome.js';
import { openDirStore } from '../src/ledger/store/dir.js';
import { AppendedJobs } from './appended-jobs.js';
import type { StateFileOptions } from './state-file.js';

export { APP_POLICY };

export class InstallationLedgers {
  readonly #chains = new Map<number, Promise<unknown>>();
  readonly #jobs = new Map<number, AppendedJobs>();

  constructor(readonly dataDir: string, readonly signer: NoteSigner, readonly clock: Clock, readonly random: Random, readonly stateFiles: StateFileOptions = {}) {}

  dirOf(installationId: number): string {
    return join(this.dataDir, 'installations', String(installationId), 'ledger');
  }

  /** Runs `write` with the installation's ledger, after every earlier write of this process. */
  with<T>(installationId: number, write: (ledger: Ledger) => Promise<T>): Promise<T> {
    const previous = this.#chains.get(installationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const store = openDirStore(this.dirOf(installationId), { create: true });
      const ledger = await openSignedLedger(store, this.signer, this.clock, this.random);
      return write(ledger);
    });
    this.#chains.set(installationId, next.catch(() => undefined));
    return next;
  }

  /**
   * Appends `drafts` once per job `key` (see appended-jobs.ts): null when an entry carrying
   * `key` in its body's `job` field is already committed (a re-run after a crash, a redelivery).
   */
  appendOnce(installationId: number, key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null> {
    let jobs = this.#jobs.get(installationId);
    if (jobs === undefined) {
      jobs = new AppendedJobs(join(this.dataDir, 'installations', String(installationId)), this.stateFiles);
      this.#jobs.set(installationId, jobs);
    }
    const index = jobs;
    return this.with(installationId, (ledger) => index.appendOnce(ledger, key, drafts));
  }

  /** The installation's ledger as the engine's sink. */
  sinkOf(installationId: number): OutcomeLedger {
    return { location: `installation ${installationId}`, origin: this.signer.name, appendOnce: (key, drafts) => this.appendOnce(installationId, key, drafts) };
  }
}
