// Retention (`retention:` in the policy): data past its period is erased, and the ledger says so.
//   - `subjects`: the side-store openings (salt + clear value) of commitments made by entries
//     older than the period become tombstones, the same mechanism as `trailmark erase`: entries,
//     signatures and the Merkle tree are untouched, so the ledger still verifies, and every
//     report shows `[erased]`. The age is the time of the entry that made the commitment (the
//     side-store record's `seq`), never the side store's own (unsigned) data.
//   - `records`: capture records the App's collector stored beside the ledger are deleted once
//     the `record` entry that accepted them (else their storage time) is older than the period.
//   - `prompts`: detailed capture records (prompts) are not collected yet; the rule is accepted
//     and applies once they are.
// Each rule that erased something appends `retention` entries listing what it erased (at most
// RETENTION_COMMITMENTS_PER_ENTRY per entry), so a report can tell retention from erasure on request.
//
// Order and crash safety: the entry is appended first (its checkpoint is the commit point), then
// the data is erased. A crash between the two leaves data that is already listed: the next run
// erases it without listing it again. A second run therefore erases nothing and appends nothing.
// No I/O of its own: the store, record store, clock, randomness and signer come in.
import { LedgerError } from '../core/errors.js';
import { RETENTION_RULES, retentionCutoff, type RetentionPeriod, type RetentionPolicy, type RetentionRule } from '../core/policy.js';
import type { CaptureRecordStore, Clock, Random, StoredCaptureRecord } from '../core/ports.js';
import { entryTime } from '../ledger/entry.js';
import { RECORD_KIND } from '../ledger/kinds/record.js';
import { RETENTION_COMMITMENTS_PER_ENTRY, RETENTION_KIND, RETENTION_SCHEMA, type RetentionBody } from '../ledger/kinds/retention.js';
import { openLedger, type EntryDraft } from '../ledger/log.js';
import type { NoteSigner } from '../ledger/note.js';
import { readEntries } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';
import type { SubjectRecord } from '../ledger/subjects.js';

export type { RetentionBody };

export interface RetentionOptions {
  readonly store: LedgerStore;
  readonly policy: RetentionPolicy;
  readonly clock: Clock;
  /** Capture records kept beside this ledger (the App's collector); absent: the `records` rule has nothing to delete. */
  readonly records?: CaptureRecordStore;
  /** Report what would be erased; change nothing (no signer needed). */
  readonly dryRun?: boolean;
  /** Signs the `retention` entries; required unless `dryRun`. */
  readonly signer?: NoteSigner;
  /** Checkpoint origin; the signer's key name must equal it. Default: the key name. */
  readonly origin?: string;
  readonly random?: Random;
  /** `policy` field of the appended entries (the policy version). */
  readonly policyVersion: string;
  /** Receives what opening the ledger repaired (an interrupted append): never silent. */
  readonly onRepair?: (message: string) => void;
}

export interface RetentionRuleResult {
  readonly rule: RetentionRule;
  /** The period as configured (`7y`). */
  readonly keep: string;
  /** RFC 3339: data committed or stored before this instant is past the period. */
  readonly olderThan: string;
  /** Commitments (or record digests) erased by this run, sorted. With `dryRun`: those that would be. */
  readonly erased: readonly string[];
  /** Seqs of the entries that committed the erased subject openings (`subjects` only), ascending. */
  readonly seqs: readonly number[];
  /** Seqs of the `retention` entries appended by this run. */
  readonly appended: readonly number[];
  /** Why the rule erased nothing although it is configured (no record store, not applicable yet). */
  readonly skipped?: string;
}

export interface RetentionResult {
  readonly location: string;
  readonly dryRun: boolean;
  readonly rules: readonly RetentionRuleResult[];
  /** The checkpoint after the appended entries, when any were appended. */
  readonly checkpoint?: string;
}

const PROMPTS_SKIPPED = 'detailed capture records (prompts) are not collected yet; the rule applies once capture lands';

/** What one pass over the committed entries tells retention. */
interface LedgerFacts {
  /** seq -> entry time (ms). */
  readonly times: Map<number, number>;
  /** `owner/repo` (lowercase) + NUL + record digest -> time (ms) of the first `record` entry that accepted it. */
  readonly recordTimes: Map<string, number>;
  /** Commitments already listed by earlier `retention` entries, per rule. */
  readonly listed: Map<RetentionRule, Set<string>>;
}

async function readFacts(store: LedgerStore, size: number): Promise<LedgerFacts> {
  const times = new Map<number, number>();
  const recordTimes = new Map<string, number>();
  const listed = new Map<RetentionRule, Set<string>>(RETENTION_RULES.map((r) => [r, new Set<string>()]));
  for await (const { seq, entry } of readEntries(store)) {
    if (seq >= size) break;
    const time = Date.parse(entry.time);
    if (!Number.isFinite(time)) throw new LedgerError('BAD_ENTRY', `entry ${seq} has no readable time`, { hint: 'run `trailmark verify`' });
    times.set(seq, time);
    const body = entry.body as Readonly<Record<string, unknown>>;
    if (entry.kind === RECORD_KIND && typeof body.digest === 'string' && typeof body.repository === 'string') {
      const key = recordKey(body.repository, body.digest);
      if (!recordTimes.has(key)) recordTimes.set(key, time);
    }
    if (entry.kind === RETENTION_KIND && Array.isArray(body.commitments)) {
      const set = listed.get(body.rule as RetentionRule);
      if (set !== undefined) for (const c of body.commitments) if (typeof c === 'string') set.add(c);
    }
  }
  return { times, recordTimes, listed };
}

/** Records are content-addressed per repository (the App's store lowercases the names). */
function recordKey(repository: string, digest: string): string {
  return `${repository.toLowerCase()}\0${digest}`;
}

/** Chunks of at most RETENTION_COMMITMENTS_PER_ENTRY (the line limit), one `retention` entry each. */
function drafts(rule: RetentionRule, period: RetentionPeriod, olderThan: string, commitments: readonly string[], policyVersion: string): EntryDraft[] {
  const out: EntryDraft[] = [];
  for (let i = 0; i < commitments.length; i += RETENTION_COMMITMENTS_PER_ENTRY) {
    const chunk = commitments.slice(i, i + RETENTION_COMMITMENTS_PER_ENTRY);
    const body: RetentionBody = { schema: RETENTION_SCHEMA, rule, keep: period.text, olderThan, erased: chunk.length, commitments: chunk };
    out.push({ kind: RETENTION_KIND, policy: policyVersion, body });
  }
  return out;
}

/** Turns the openings of `commitments` into tombstones dated `time`, under the store's writer lock. */
async function tombstone(store: LedgerStore, commitments: ReadonlySet<string>, time: string): Promise<number> {
  const lock = await store.lock();
  try {
    const records = await store.readSubjects();
    let erased = 0;
    const out = records.map((r): SubjectRecord => {
      if ('value' in r && commitments.has(r.commitment)) {
        erased++;
        return { commitment: r.commitment, seq: r.seq, erased: time };
      }
      return r;
    });
    // Atomic replace: after a crash the side store is the old or the new one.
    if (erased > 0) await store.rewriteSubjects(out);
    return erased;
  } finally {
    await lock.release();
  }
}

/**
 * Applies the retention policy to one ledger (and the capture records beside it). Idempotent;
 * see the file comment for the order of effects.
 */
export async function applyRetention(o: RetentionOptions): Promise<RetentionResult> {
  const dryRun = o.dryRun === true;
  const configured = RETENTION_RULES.filter((r) => o.policy[r] !== undefined);
  if (configured.length === 0) return { location: o.store.location, dryRun, rules: [] };
  if (!dryRun && (o.signer === undefined || o.random === undefined)) {
    throw new LedgerError('BAD_KEY', 'retention appends signed `retention` entries and needs the ledger signing key', { hint: 'pass the signing key, or use --dry-run to list what would be erased' });
  }
  // Opening the ledger first repairs an interrupted append, so only committed entries count.
  const ledger = dryRun ? undefined : await openLedger({ store: o.store, signer: o.signer!, origin: o.origin ?? o.signer!.name, clock: o.clock, random: o.random! });
  for (const r of ledger?.repairedOnOpen ?? []) o.onRepair?.(r.message);
  const size = ledger === undefined ? (await o.store.tail()).size : (await ledger.head()).size;
  const facts = await readFacts(o.store, size);
  const now = o.clock.now();

  const rules: RetentionRuleResult[] = [];
  let checkpoint: string | undefined;
  for (const rule of configured) {
    const period = o.policy[rule]!;
    const cutoff = retentionCutoff(period, now);
    const olderThan = new Date(cutoff).toISOString();
    const base = { rule, keep: period.text, olderThan };
    if (rule === 'prompts') {
      rules.push({ ...base, erased: [], seqs: [], appended: [], skipped: PROMPTS_SKIPPED });
      continue;
    }
    if (rule === 'records' && o.records === undefined) {
      rules.push({ ...base, erased: [], seqs: [], appended: [], skipped: 'no capture records are stored beside this ledger' });
      continue;
    }

    // What is past the period and still there.
    let expired: string[];
    let seqs: number[] = [];
    let expiredRecords: StoredCaptureRecord[] = [];
    if (rule === 'subjects') {
      const open = (await o.store.readSubjects()).filter((r) => 'value' in r);
      const old = open.filter((r) => {
        const t = facts.times.get(r.seq);
        // An opening whose entry is not committed (an interrupted append's leftover) is not dated: kept.
        return t !== undefined && t < cutoff;
      });
      expired = [...new Set(old.map((r) => r.commitment))].sort();
      seqs = [...new Set(old.map((r) => r.seq))].sort((a, b) => a - b);
    } else {
      expiredRecords = (await o.records!.list()).filter((r) => (facts.recordTimes.get(recordKey(r.repository, r.digest)) ?? r.storedAt) < cutoff);
      expired = [...new Set(expiredRecords.map((r) => r.digest))].sort();
    }
    if (expired.length === 0 || dryRun) {
      rules.push({ ...base, erased: expired, seqs, appended: [] });
      continue;
    }

    // Record first (commit point), then erase; a commitment listed by an earlier run that
    // crashed before erasing is erased without being listed again.
    const listed = facts.listed.get(rule)!;
    const unlisted = expired.filter((c) => !listed.has(c));
    let appended: number[] = [];
    if (unlisted.length > 0) {
      const result = await ledger!.append(drafts(rule, period, olderThan, unlisted, o.policyVersion));
      appended = result.entries.map((e) => e.seq);
      checkpoint = result.checkpoint;
      for (const c of unlisted) listed.add(c);
    }
    if (rule === 'subjects') await tombstone(o.store, new Set(expired), entryTime(now));
    else await o.records!.remove(expiredRecords);
    rules.push({ ...base, erased: expired, seqs, appended });
  }
  return { location: o.store.location, dryRun, rules, ...(checkpoint === undefined ? {} : { checkpoint }) };
}
