// Erasure of a data subject: every side-store record whose clear value equals VALUE becomes a
// tombstone. Entries hold only salted commitments, so nothing signed or hashed changes and the
// ledger still verifies; with the salt gone, the commitment cannot be tested against guesses.
import type { Clock } from '../core/ports.js';
import { entryTime } from './entry.js';
import type { LedgerStore } from './store.js';
import { eraseRecords } from './subjects.js';

export interface ErasureResult {
  /** Records turned into tombstones. */
  readonly erased: number;
  /** Seqs of the entries whose commitments no longer open, ascending, unique. */
  readonly seqs: readonly number[];
}

export async function eraseSubject(store: LedgerStore, value: string, clock: Clock): Promise<ErasureResult> {
  const lock = await store.lock();
  try {
    const records = await store.readSubjects();
    const result = eraseRecords(records, value, entryTime(clock.now()));
    const seqs = [...new Set(records.filter((r) => 'value' in r && r.value === value).map((r) => r.seq))].sort((a, b) => a - b);
    // Atomic replace: after a crash the side store is the old or the erased one.
    if (result.erased > 0) await store.rewriteSubjects(result.records);
    return { erased: result.erased, seqs };
  } finally {
    await lock.release();
  }
}
