// Reading entries for reports and `blame`: parsed lines with their seq and hash, and the
// side-store index that turns commitments back into values (or `[erased]`). These readers do
// not verify anything: callers that present conclusions to people should run verifyStore
// first (the report says whether the ledger verified).
import { LedgerError } from '../core/errors.js';
import { parseStrictJson } from './canonical.js';
import { decodeUtf8 } from './encoding.js';
import { lineHash, type Entry } from './entry.js';
import type { LedgerStore } from './store.js';
import type { SubjectRecord } from './subjects.js';

export interface StoredEntry {
  readonly seq: number;
  /** Hex SHA-256 of the line. */
  readonly hash: string;
  readonly entry: Entry;
}

/** Entries from seq `from` on, in order. Throws LedgerError NOT_CANONICAL on an unreadable line. */
export async function* readEntries(store: LedgerStore, from = 0): AsyncIterable<StoredEntry> {
  let seq = from;
  for await (const line of store.readLines(from)) {
    // Attacker-controlled file content: strict UTF-8 and strict JSON.
    const text = decodeUtf8(line);
    if (text === undefined) throw new LedgerError('NOT_CANONICAL', `entry ${seq} is not well-formed utf-8`, { hint: 'run `trailmark verify`' });
    let entry: Entry;
    try {
      entry = parseStrictJson(text) as Entry;
    } catch (err) {
      throw new LedgerError('NOT_CANONICAL', `entry ${seq} is not valid json`, { cause: err, hint: 'run `trailmark verify`' });
    }
    yield { seq, hash: lineHash(line), entry };
    seq++;
  }
}

/** Side-store records by commitment, for `displaySubject`. */
export async function subjectIndex(store: LedgerStore): Promise<Map<string, SubjectRecord>> {
  const index = new Map<string, SubjectRecord>();
  for (const r of await store.readSubjects()) index.set(r.commitment, r);
  return index;
}
