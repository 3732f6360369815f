// Erasure of a data subject: every side-store record whose clear value equals VALUE becomes a
// tombstone. Entries hold only salted commitments, so nothing signed or hashed changes and the
// ledger still verifies; with the salt gone, the commitment cannot be tested against guesses.
//
// On a store that seals openings (store/subject-keys.ts) the rewrite also destroys the subject
// keys of the erased openings (crypto-shredding: copies of the sealed lines in git history,
// WAL or backups no longer open once the KEK they were wrapped under is rotated away, see
// docs/erasure.md), seals the openings still in clear (migration), and rewraps keys under the
// current KEK (rotation). That is done even when VALUE matches nothing, so `trailmark erase`
// is also how a ledger is migrated or rotated.
import { UsageError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import { entryTime } from './entry.js';
import type { LedgerStore } from './store.js';
import { isSubjectSealingStore, SUBJECT_KEK_ENV, type SubjectsAtRest } from './subject-seal.js';
import { eraseRecords } from './subjects.js';

export interface ErasureResult {
  /** Records turned into tombstones. */
  readonly erased: number;
  /** Seqs of the entries whose commitments no longer open, ascending, unique. */
  readonly seqs: readonly number[];
  /** Sealing stores only: how the side store is kept after the call. */
  readonly atRest?: SubjectsAtRest;
}

export async function eraseSubject(store: LedgerStore, value: string, clock: Clock): Promise<ErasureResult> {
  const lock = await store.lock();
  try {
    const sealing = isSubjectSealingStore(store) ? store : undefined;
    const before = await sealing?.subjectsAtRest();
    // Sealed openings are compared after opening; without the secret they cannot be found.
    if (before !== undefined && !before.sealing && before.sealed > 0) {
      throw new UsageError('NO_KEY', `the subject openings of ${store.location} are sealed, and no subject key secret is configured`, { hint: `set ${SUBJECT_KEK_ENV} (the Action's subject-key input) to the ledger's secret` });
    }
    const records = await store.readSubjects();
    const result = eraseRecords(records, value, entryTime(clock.now()));
    const seqs = [...new Set(records.filter((r) => 'value' in r && r.value === value).map((r) => r.seq))].sort((a, b) => a - b);
    // Atomic replace: after a crash the side store is the old or the erased one (and, sealing,
    // the keyring is replaced first: see store/subject-keys.ts).
    if (result.erased > 0 || before?.migrationPending === true) await store.rewriteSubjects(result.records);
    const atRest = await sealing?.subjectsAtRest();
    return atRest === undefined ? { erased: result.erased, seqs } : { erased: result.erased, seqs, atRest };
  } finally {
    await lock.release();
  }
}
