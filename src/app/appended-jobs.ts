// Idempotent appends per job: a job that appends (approval, merge, remediation, collector
// record) writes its idempotency key (the queue key: kind + X-GitHub-Delivery) into its entry
// body (`job`), and appends only when no committed entry carries that key.
//
// The lookup uses a per-installation index `appended-jobs.json` {size, jobs: key -> seq},
// replaced atomically after each append. `size` is the ledger size the index covers: every
// committed entry at seq >= size is scanned on the next lookup, so the index is a cache and the
// ledger is the truth. Crash windows (one process per data directory, appends of an installation
// serialized by InstallationLedgers):
//   - before the checkpoint of the append: the append is not committed; openLedger's recovery
//     removes its lines, the lookup finds nothing, the re-run appends once.
//   - after the checkpoint, before the index write: the index still has the old `size`, so the
//     re-run scans the ledger tail from there, finds the entry by its `job` key and skips.
//   - after the index write, before the queue removes the job: the index answers directly.
// Only committed entries are scanned (seq < head().size, after openLedger's recovery).
// The index keeps the newest REMEMBERED_JOBS keys; re-runs come from the queue at restart or
// from redeliveries within days, far fewer than this many appends.
import { join } from 'node:path';
import { LedgerError } from '../core/errors.js';
import type { AppendResult, EntryDraft, Ledger } from '../ledger/log.js';
import { readEntries } from '../ledger/read.js';
import { StateFile, type StateFileOptions } from './state-file.js';

export const REMEMBERED_JOBS = 20_000;

interface IndexDocument {
  size: number;
  jobs: Record<string, number>;
}

/** The `job` field of an entry body, when it has one (attacker-influenced only through delivery ids). */
function jobOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const job = (body as { job?: unknown }).job;
  return typeof job === 'string' ? job : undefined;
}

export class AppendedJobs {
  readonly #file: StateFile<IndexDocument>;

  constructor(installationDir: string, options: StateFileOptions = {}) {
    this.#file = new StateFile(join(installationDir, 'appended-jobs.json'), () => ({ size: 0, jobs: {} }), options);
  }

  /**
   * Appends `drafts` unless a committed entry already carries `key` in its body's `job` field.
   * One of the drafts must write `key` there. Returns null when the job's entry already exists.
   * Call only while holding the installation's append turn (InstallationLedgers.with).
   */
  async appendOnce(ledger: Ledger, key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null> {
    const doc = await this.#file.read();
    const { size } = await ledger.head();
    // An index covering more entries than the ledger has (the ledger was restored from a backup
    // or replaced) is not trusted: the ledger is scanned from the start.
    const trusted = doc.size <= size;
    if (trusted && doc.jobs[key] !== undefined) return null;
    const from = trusted ? doc.size : 0;
    const found: Record<string, number> = {};
    for await (const stored of readEntries(ledger.store, from)) {
      if (stored.seq >= size) break;
      const job = jobOf(stored.entry.body);
      if (job !== undefined) found[job] = stored.seq;
    }
    if (found[key] !== undefined) {
      await this.#remember(size, found);
      return null;
    }
    const result = await ledger.append(drafts);
    const seq = result.entries.find((e) => jobOf(e.entry.body) === key)?.seq;
    if (seq === undefined) throw new LedgerError('BAD_BODY', `no appended entry carries job ${JSON.stringify(key)}`);
    await this.#remember(result.size, { ...found, [key]: seq });
    return result;
  }

  async #remember(size: number, jobs: Record<string, number>): Promise<void> {
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
