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
import type { VerifyReport } from '../ledger/verify.js';
import { appendOnceScanned } from './job-ledger.js';

export type { ErasureResult, LedgerProof, LedgerStore, NoteSigner, NoteVerifier, ProofVerdict, Repair, VerifyReport };

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

export interface LedgerVerification {
  /** What `repair` removed first (an interrupted append's leftovers); empty without `repair`. */
  readonly repairs: readonly Repair[];
  readonly report: VerifyReport;
}

/** Verifies a ledger offline against trusted keys; with `repair`, first removes what an interrupted append left (takes the writer lock). */
export async function verifyLedger(store: LedgerStore, keys: readonly NoteVerifier[], options: { readonly repair?: boolean } = {}): Promise<LedgerVerification> {
  const repairs = options.repair === true ? await repairLedger(store, keys) : [];
  return { repairs, report: await verifyStore(store, keys) };
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
