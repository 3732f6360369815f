// The ledger use cases behind `trailmark verify | prove | verify-proof | erase | keygen`, and the
// LedgerSink port over any ledger store (the CLI passes its directory store). Adapters reach the
// ledger only through here; the stores themselves (ledger/store/) are port implementations the
// adapter constructs and passes in. No I/O of its own: the store, clock and randomness come in.
import type { Clock, LedgerSink, Random } from '../core/ports.js';
import { verifyStore } from '../ledger/check-store.js';
import { eraseSubject, type ErasureResult } from '../ledger/erase.js';
import { openLedger, repairLedger, type AppendResult, type EntryDraft, type Repair } from '../ledger/log.js';
import { generateNoteKey, type NoteSigner, type NoteVerifier } from '../ledger/note.js';
import { verifyProof, type LedgerProof, type ProofVerdict } from '../ledger/proof.js';
import { proveConsistency, proveInclusion } from '../ledger/prove.js';
import type { LedgerStore } from '../ledger/store.js';
import type { Problem, VerifyReport } from '../ledger/verify.js';
import { UsageError } from '../core/errors.js';
import { checkCosignatures, generateCosignatureKey, parseCosignatureVerifierKey, type CosignatureCheck } from '../ledger/cosignature.js';
import { decodeHex } from '../ledger/encoding.js';
import { EMPTY_ROOT } from '../ledger/merkle.js';
import { keyId, parseNote } from '../ledger/note.js';
import { checkTrusted, trustedFromCheckpoint, trustedFromSizeRoot, type TrustCheck } from '../ledger/trusted.js';
import { appendOnceScanned } from './job-ledger.js';

export type { CosignatureCheck, ErasureResult, LedgerProof, LedgerStore, NoteSigner, NoteVerifier, Problem, ProofVerdict, Repair, TrustCheck, VerifyReport };

export interface StoreSinkOptions {
  readonly store: LedgerStore;
  readonly signer: NoteSigner;
  /** Checkpoint origin; the signer's key name must equal it (openLedger refuses otherwise). */
  readonly origin: string;
  readonly clock: Clock;
  readonly random: Random;
  /** Where entries go, for the report (default: the store's location). */
  readonly location?: string;
  /** Receives what opening the ledger repaired (a torn tail after a crash): never silent. */
  readonly onRepair?: (message: string) => void;
}

/**
 * The LedgerSink port over a store: opens the ledger (recovery), appends unless a committed
 * entry already carries the analysis key. Limits: the lookup reads every committed entry; the
 * lookup and the append are two turns of the store's writer lock, so two writers recording the
 * same analysis at the same moment may both append (each entry still verifies; the second is
 * a duplicate record, never a fork).
 */
export function storeLedgerSink(o: StoreSinkOptions): LedgerSink<EntryDraft, AppendResult> {
  return {
    location: o.location ?? o.store.location,
    origin: o.origin,
    appendOnce: async (key, drafts) => {
      const ledger = await openLedger({ store: o.store, signer: o.signer, origin: o.origin, clock: o.clock, random: o.random });
      for (const r of ledger.repairedOnOpen) o.onRepair?.(r.message);
      return appendOnceScanned(ledger, key, drafts);
    },
  };
}

/** Whether a store holds no ledger at all: no entries, no checkpoint. */
export async function isEmptyLedger(store: LedgerStore): Promise<boolean> {
  return (await store.tail()).size === 0 && (await store.readCheckpoint()) === null && (await store.listCheckpoints()).length === 0;
}

/** What pinned state said about rollback. */
export type TrustReport =
  | { readonly pinned: false; readonly rollback: 'not-excluded'; readonly message: string }
  | ({ readonly pinned: true; readonly rollback: 'excluded' | 'detected' } & TrustCheck);

export interface WitnessReport {
  /** Witness cosignatures required on the latest checkpoint (0 without --witness). */
  readonly required: number;
  /** Cosignatures by the given witness keys on the latest checkpoint, valid or not. */
  readonly cosignatures: readonly CosignatureCheck[];
  /** Signature lines on the latest checkpoint by keys that are neither log nor given witness keys. */
  readonly unknown: readonly string[];
}

export interface LedgerVerification {
  /** What `repair` removed first (an interrupted append's leftovers); empty without `repair`. */
  readonly repairs: readonly Repair[];
  /** The store report, with the trust, witness and history-name problems added. */
  readonly report: VerifyReport;
  readonly trust: TrustReport;
  readonly witnesses: WitnessReport;
  /** The signed text of the latest verified checkpoint (what `--save-trusted` keeps), or null. */
  readonly latest: string | null;
}

/** A pinned state given to `verify`: a checkpoint kept earlier, or a bare size and root. */
export type TrustedInput = { readonly checkpoint: string } | { readonly size: string; readonly root: string };

export interface VerifyLedgerOptions {
  /** First remove what an interrupted append left (takes the writer lock); refuses anything else. */
  readonly repair?: boolean;
  readonly trusted?: TrustedInput;
  /** Witness cosignature keys (cosignature/v1, type 0x04). */
  readonly witnesses?: readonly NoteVerifier[];
  /** Valid cosignatures required from `witnesses` on the latest checkpoint. */
  readonly minWitnesses?: number;
  /** Worker threads checking entries (1 verifies on this thread); default 1: see ledger/verify-pool.ts. */
  readonly threads?: number;
}

export const ROLLBACK_NOT_EXCLUDED = 'no trusted state given: a rollback to an earlier consistent state (log truncated, later checkpoints removed) cannot be excluded; pass --trusted CHECKPOINT (or --trusted-size N --trusted-root ROOT) from an earlier verification';

/**
 * Verifies a ledger offline against trusted keys; with `repair`, first removes what an
 * interrupted append left (takes the writer lock, refuses anything more). With `trusted`, also
 * proves the latest checkpoint consistent with that earlier state; with `witnesses`, counts
 * their cosignatures on the latest checkpoint.
 */
export async function verifyLedger(store: LedgerStore, keys: readonly NoteVerifier[], options: VerifyLedgerOptions = {}): Promise<LedgerVerification> {
  const trusted = options.trusted === undefined ? null : 'checkpoint' in options.trusted ? trustedFromCheckpoint(options.trusted.checkpoint, keys) : trustedFromSizeRoot(options.trusted.size, options.trusted.root);
  const witnessKeys = options.witnesses ?? [];
  const required = options.minWitnesses ?? (witnessKeys.length > 0 ? 1 : 0);
  if (!Number.isSafeInteger(required) || required < 0) throw new UsageError('BAD_INPUT', `--min-witnesses ${required} is not a non-negative integer`);
  if (required > witnessKeys.length) {
    throw new UsageError('BAD_INPUT', `--min-witnesses ${required} needs at least ${required} witness keys, got ${witnessKeys.length}`, { hint: 'pass each witness key with --witness KEY' });
  }
  const repairs = options.repair === true ? await repairLedger(store, keys) : [];
  const base = await settleRaces(store, await verifyStore(store, keys, options.threads === undefined ? {} : { threads: options.threads }));
  const extra: Problem[] = [];
  for (const name of (await store.listForeignCheckpointNames?.()) ?? []) {
    extra.push({ code: 'BAD_CHECKPOINT', seq: null, location: `checkpoints/${JSON.stringify(name)}`, message: `checkpoints/ holds ${JSON.stringify(name)}, which is not a decimal tree size: a renamed, copied or foreign file that verification cannot vouch for (remove it or restore the checkpoint it replaced)` });
  }
  const latestSize = base.checkpoint?.size ?? null;
  let latest: string | null = null;
  if (latestSize !== null) {
    const pointer = await store.readCheckpoint();
    latest = (await store.readCheckpointAt(latestSize)) ?? pointer;
    // Cosignatures may sit on either copy (an interrupted cosigning): count the fuller one.
    if (pointer !== null && latest !== null && pointer !== latest && pointer.startsWith(latest)) latest = pointer;
  }
  let trust: TrustReport = { pinned: false, rollback: 'not-excluded', message: ROLLBACK_NOT_EXCLUDED };
  if (trusted !== null) {
    const cp = base.checkpoint;
    const check = await checkTrusted(store, trusted, { size: cp?.size ?? 0, root: cp === null ? EMPTY_ROOT : decodeHex(cp.root)!, origin: base.origin });
    trust = { pinned: true, rollback: check.consistent ? 'excluded' : 'detected', ...check };
    if (check.problem !== null) extra.push({ code: check.problem.code, seq: null, location: 'trusted', message: check.problem.message });
  }
  let cosignatures: CosignatureCheck[] = [];
  let unknown: string[] = [];
  if (latest !== null) {
    try {
      cosignatures = checkCosignatures(latest, witnessKeys);
      const known = new Set([...keys, ...witnessKeys].map(keyId));
      unknown = [...new Set(parseNote(latest).signatures.map(keyId).filter((id) => !known.has(id)))];
    } catch {
      // A malformed latest checkpoint is already a problem of the store report.
    }
  }
  for (const c of cosignatures) {
    if (!c.valid) extra.push({ code: 'BAD_SIGNATURE', seq: null, location: `checkpoints/${latestSize}`, message: `the cosignature by witness ${c.key} on checkpoint ${latestSize} does not verify` });
  }
  const valid = cosignatures.filter((c) => c.valid).length;
  if (valid < required) {
    extra.push({ code: 'BAD_CHECKPOINT', seq: null, location: latestSize === null ? 'checkpoint' : `checkpoints/${latestSize}`, message: `the latest checkpoint has ${valid} valid cosignature${valid === 1 ? '' : 's'} from the given witnesses; --min-witnesses requires ${required}` });
  }
  const report: VerifyReport = extra.length === 0 ? base : { ...base, ok: false, problems: [...base.problems, ...extra] };
  return { repairs, report, trust, witnesses: { required, cosignatures, unknown }, latest };
}

/**
 * Verification reads without the lock, so an append committed while it runs can look like a
 * damaged history: the pointer (read after the history was listed) names a size the listing
 * lacked, or lines beyond the listed checkpoints come from two appends. When the store now
 * holds the checkpoints in question, those are races, not damage: the first is dropped, the
 * second becomes a warning (the new checkpoints were not checked; a re-run checks them).
 */
async function settleRaces(store: LedgerStore, report: VerifyReport): Promise<VerifyReport> {
  const sizes = new Set(await store.listCheckpoints());
  const largest = Math.max(0, ...sizes);
  const problems: Problem[] = [];
  const warnings = [...report.warnings];
  for (const p of report.problems) {
    const pointer = /^checkpoints\/(\d+) is missing: the checkpoint pointer/.exec(p.message);
    if (p.code === 'BAD_CHECKPOINT' && pointer !== null && sizes.has(Number(pointer[1]))) continue;
    if (p.code === 'BAD_CHECKPOINT' && p.location === 'checkpoints/' && largest >= report.entries) {
      warnings.push(`entries from seq ${p.seq ?? 0} were committed while verification ran (checkpoints up to size ${largest} appeared); run verify again to check them`);
      continue;
    }
    problems.push(p);
  }
  return problems.length === report.problems.length ? report : { ...report, ok: problems.length === 0, problems, warnings };
}

/** RFC 6962 inclusion proof of entry `seq` against the latest checkpoint. */
export async function proveEntry(store: LedgerStore, seq: number): Promise<LedgerProof> {
  return proveInclusion(store, seq);
}

/** RFC 6962 consistency proof from an older tree size to the latest checkpoint. */
export async function proveGrowth(store: LedgerStore, oldSize: number): Promise<LedgerProof> {
  return proveConsistency(store, oldSize);
}

/** Checks a proof written by `proveEntry`/`proveGrowth` offline. Throws LedgerError when it does not verify. */
export function checkProof(text: string, keys: readonly NoteVerifier[]): ProofVerdict {
  return verifyProof(text, keys);
}

/** Erases a data subject's clear value from the side store; entries keep their salted commitments. */
export async function eraseFromLedger(store: LedgerStore, value: string, clock: Clock): Promise<ErasureResult> {
  return eraseSubject(store, value, clock);
}

/** A fresh Ed25519 note key pair named after the ledger origin (C2SP signed-note key text). */
export function newLedgerKey(origin: string, random: Random): { readonly signerKey: string; readonly verifierKey: string } {
  return generateNoteKey(origin, random.bytes(32));
}

/** A fresh witness key pair for cosignature/v1 (type 0x04); see ledger/cosignature.ts. */
export function newWitnessKey(name: string, random: Random): { readonly signerKey: string; readonly verifierKey: string } {
  return generateCosignatureKey(name, random.bytes(32));
}

/** Witness verifier keys (`name+hash+base64(0x04 || key)`), one per text. */
export function parseWitnessKeys(texts: readonly string[]): NoteVerifier[] {
  return texts.map(parseCosignatureVerifierKey);
}
