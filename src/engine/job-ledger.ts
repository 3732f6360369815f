// Idempotent appends per job key over a signed ledger: the decision "is this job already
// recorded?" for every writer that appends once per job (the App's approvals, merges,
// remediations, collector records and analyses). The index of recorded keys is a port (a
// cache the adapter keeps durable); the ledger is the truth. No I/O here.
//
// Crash windows (appends of one ledger serialized by the caller):
//   - before the checkpoint of the append: the append is not committed; openLedger's recovery
//     removes its lines, the lookup finds nothing, the re-run appends once.
//   - after the checkpoint, before the index is remembered: the index still has the old `size`,
//     so the re-run scans the ledger tail from there, finds the entry by its `job` key and skips.
//   - after the index is remembered: the index answers directly.
// Only committed entries are scanned (seq < head().size, after openLedger's recovery).
import { LedgerError } from '../core/errors.js';
import { parseStrictJson } from '../ledger/canonical.js';
import { decodeUtf8 } from '../ledger/encoding.js';
import type { Clock, Random } from '../core/ports.js';
import { openLedger, type AppendResult, type EntryDraft, type Ledger } from '../ledger/log.js';
import type { NoteSigner } from '../ledger/note.js';
import { readEntries } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';

export type { AppendResult, EntryDraft, Ledger, LedgerStore, NoteSigner };

/** The recorded job keys: `jobs` maps key -> seq for the committed entries below `size`. */
export interface JobIndexDocument {
  readonly size: number;
  readonly jobs: Readonly<Record<string, number>>;
}

/** The adapter's durable cache of recorded job keys. */
export interface JobIndex {
  read(): Promise<JobIndexDocument>;
  /** Adds `jobs` (found at or below `size`) and moves the covered size to `size`. */
  remember(size: number, jobs: Readonly<Record<string, number>>): Promise<void>;
}

/** The `job` field of an entry body, when it has one (attacker-influenced only through delivery ids). */
export function jobOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const job = (body as { job?: unknown }).job;
  return typeof job === 'string' ? job : undefined;
}

/** A ledger on `store` signed by `signer`, whose origin is the signer's key name. Recovers an interrupted append. */
export function openSignedLedger(store: LedgerStore, signer: NoteSigner, clock: Clock, random: Random): Promise<Ledger> {
  return openLedger({ store, signer, origin: signer.name, clock, random });
}

/**
 * Appends `drafts` unless a committed entry already carries `key` in its body's `job` field.
 * One of the drafts must write `key` there. Returns null when the job's entry already exists.
 * Call only while holding the ledger's append turn.
 */
export async function appendOnceIndexed(ledger: Ledger, index: JobIndex, key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null> {
  const doc = await index.read();
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
    await index.remember(size, found);
    return null;
  }
  const result = await ledger.append(drafts);
  const seq = result.entries.find((e) => jobOf(e.entry.body) === key)?.seq;
  if (seq === undefined) throw new LedgerError('BAD_BODY', `no appended entry carries job ${JSON.stringify(key)}`);
  await index.remember(result.size, { ...found, [key]: seq });
  return result;
}

/** Whether a committed entry line carries `key` in its body's `job` field. */
function carriesKey(line: Uint8Array, quoted: string, key: string): boolean {
  const text = decodeUtf8(line);
  // Cheap filter first: canonical JSON writes the key exactly as JSON.stringify quotes it.
  if (text === undefined || !text.includes(quoted)) return false;
  try {
    return jobOf((parseStrictJson(text) as { body?: unknown }).body) === key;
  } catch {
    return false;
  }
}

/**
 * `appendOnceIndexed` for writers without an index (the CLI's directory, the Action's ledger
 * branch): every committed line is read, parsed only when it contains the quoted key. Call only
 * while holding the ledger's append turn.
 */
export async function appendOnceScanned(ledger: Ledger, key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null> {
  const { size } = await ledger.head();
  const quoted = JSON.stringify(key);
  let seq = 0;
  for await (const line of ledger.store.readLines(0)) {
    if (seq++ >= size) break;
    if (carriesKey(line, quoted, key)) return null;
  }
  return ledger.append(drafts);
}
