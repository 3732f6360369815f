// The App's index of recorded job keys (engine/job-ledger.ts decides with it; its crash
// windows are described there): a per-installation `appended-jobs.json` {size, jobs: key -> seq},
// replaced atomically after each append. `size` is the ledger size the index covers: every
// committed entry at seq >= size is scanned on the next lookup, so the index is a cache and the
// ledger is the truth. A job that appends (approval, merge, remediation, collector record)
// writes its idempotency key (the queue key: kind + X-GitHub-Delivery) into its entry's `job`.
// The index keeps the newest REMEMBERED_JOBS keys; re-runs come from the queue at restart or
// from redeliveries within days, far fewer than this many appends.
import { join } from 'node:path';
import { appendOnceIndexed, type AppendResult, type EntryDraft, type Ledger } from '../src/engine/job-ledger.js';
import { stateDoc, type StateDoc, type StateFileOptions } from './state-file.js';

export const REMEMBERED_JOBS = 20_000;

interface IndexDocument {
  size: number;
  jobs: Record<string, number>;
}

export class AppendedJobs {
  readonly #file: StateDoc<IndexDocument>;

  constructor(installationDir: string, options: StateFileOptions = {}) {
    this.#file = stateDoc(join(installationDir, 'appended-jobs.json'), () => ({ size: 0, jobs: {} }), options);
  }

  /**
   * Appends `drafts` unless a committed entry already carries `key` in its body's `job` field.
   * One of the drafts must write `key` there. Returns null when the job's entry already exists.
   * Call only while holding the installation's append turn (InstallationLedgers.with).
   */
  appendOnce(ledger: Ledger, key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null> {
    return appendOnceIndexed(ledger, { read: () => this.#file.read(), remember: (size, jobs) => this.#remember(size, jobs) }, key, drafts);
  }

  async #remember(size: number, jobs: Readonly<Record<string, number>>): Promise<void> {
    await this.#file.update((doc) => {
      if (doc.size > size) doc.jobs = {};
      Object.assign(doc.jobs, jobs);
      doc.size = size;
      const keys = Object.keys(doc.jobs);
      if (keys.length > REMEMBERED_JOBS) {
        keys.sort((a, b) => doc.jobs[a]! - doc.jobs[b]!);
        for (const k of keys.slice(0, keys.length - REMEMBERED_JOBS)) delete doc.jobs[k];
      }
    });
  }
}
