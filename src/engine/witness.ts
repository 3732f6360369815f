// The witness use case behind `trailmark witness`: a second party that keeps its own last-seen
// state of a log (size and root per origin), and cosigns the log's latest checkpoint only when
// that checkpoint is signed by the log key and consistent with what it saw before (RFC 6962
// consistency proof computed from the log's lines, checked against both roots). A log that was
// rolled back or rewritten gets no cosignature: the witness refuses, and its state is unchanged.
// The cosignature (C2SP tlog-cosignature, cosignature/v1) is added to the checkpoint text in the
// store through a method that can only add signature lines. No I/O of its own: the store, the
// clock, the key text and the state text come in; the new state text goes out.
import { LedgerError, UsageError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import { openCheckpoint, parseCheckpoint } from '../ledger/checkpoint.js';
import { addCosignature, checkCosignatures, cosignerVerifier, parseCosignerKey } from '../ledger/cosignature.js';
import { decodeBase64, encodeBase64, encodeHex } from '../ledger/encoding.js';
import { formatVerifierKey, keyId, parseNote, parseVerifierKey } from '../ledger/note.js';
import type { LedgerStore } from '../ledger/store.js';
import { checkTrusted } from '../ledger/trusted.js';

export const WITNESS_STATE_VERSION = 1;

export interface WitnessLogState {
  readonly size: number;
  /** Standard base64 root, as in checkpoints. */
  readonly root: string;
  /** The log's verifier keys the witness checks signatures with. */
  readonly keys: readonly string[];
}

export interface WitnessState {
  readonly logs: Readonly<Record<string, WitnessLogState>>;
}

const BAD_STATE_HINT = 'the witness state file is written by `trailmark witness`; restore it from a backup (deleting it makes the witness trust the log anew)';

/** Parses the witness's state file (null: first run). Malformed state is refused, never reset. */
export function parseWitnessState(text: string | null): WitnessState {
  if (text === null) return { logs: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UsageError('BAD_INPUT', 'the witness state is not JSON', { hint: BAD_STATE_HINT });
  }
  const doc = v as { v?: unknown; logs?: unknown } | null;
  if (typeof doc !== 'object' || doc === null || doc.v !== WITNESS_STATE_VERSION || typeof doc.logs !== 'object' || doc.logs === null || Array.isArray(doc.logs)) {
    throw new UsageError('BAD_INPUT', `the witness state is not a version ${WITNESS_STATE_VERSION} state ({"v":1,"logs":{...}})`, { hint: BAD_STATE_HINT });
  }
  const logs: [string, WitnessLogState][] = [];
  for (const [origin, raw] of Object.entries(doc.logs as Record<string, unknown>)) {
    const l = raw as { size?: unknown; root?: unknown; keys?: unknown } | null;
    const root = typeof l?.root === 'string' ? decodeBase64(l.root) : undefined;
    if (l === null || typeof l.size !== 'number' || !Number.isSafeInteger(l.size) || l.size < 0 || root?.byteLength !== 32 || !Array.isArray(l.keys) || !l.keys.every((k) => typeof k === 'string')) {
      throw new UsageError('BAD_INPUT', `the witness state for ${JSON.stringify(origin)} is malformed`, { hint: BAD_STATE_HINT });
    }
    logs.push([origin, { size: l.size, root: l.root as string, keys: l.keys }]);
  }
  // fromEntries defines own properties: an origin named "__proto__" stays data.
  return { logs: Object.fromEntries(logs) };
}

/** The state file text: stable member order, origins sorted. */
export function formatWitnessState(s: WitnessState): string {
  const origins = Object.keys(s.logs).sort();
  const logs = Object.fromEntries(origins.map((o) => [o, { size: s.logs[o]!.size, root: s.logs[o]!.root, keys: [...s.logs[o]!.keys] }]));
  return `${JSON.stringify({ v: WITNESS_STATE_VERSION, logs }, null, 2)}\n`;
}

export interface WitnessOptions {
  readonly store: LedgerStore;
  /** The witness's signing key text (`PRIVATE+KEY+...` with type 0x04). Secret: never echoed. */
  readonly witnessKey: string;
  /** The log's verifier keys; when empty, those recorded in the state for the log's origin. */
  readonly logKeys: readonly string[];
  readonly state: WitnessState;
  readonly clock: Clock;
}

export interface WitnessOutcome {
  readonly origin: string;
  readonly size: number;
  /** Hex root of the cosigned checkpoint. */
  readonly root: string;
  /** The state seen before, or null on the first sighting of this log (trust on first use). */
  readonly previous: { readonly size: number; readonly root: string } | null;
  /** Hex consistency proof from the previous size (empty when equal or first). */
  readonly proof: readonly string[];
  /** False when the checkpoint already carried a valid cosignature by this witness. */
  readonly cosigned: boolean;
  /** `name+hash` of the witness key. */
  readonly witness: string;
  /** POSIX seconds of the cosignature (of the existing one when not cosigned again). */
  readonly time: number | null;
  readonly checkpoint: string;
  readonly state: WitnessState;
}

/** Checks the log's latest checkpoint against the witness's state, cosigns it, returns the new state. */
export async function witnessLedger(o: WitnessOptions): Promise<WitnessOutcome> {
  const cosigner = parseCosignerKey(o.witnessKey);
  const self = cosignerVerifier(cosigner);
  // Under the writer lock: the checkpoint cannot move between the check and the cosignature.
  const lock = await o.store.lock();
  try {
    const last = (await o.store.listCheckpoints()).at(-1);
    const text = last === undefined ? await o.store.readCheckpoint() : await o.store.readCheckpointAt(last);
    if (text === null) throw new UsageError('NOT_FOUND', `${o.store.location} has no checkpoint to witness`, { hint: 'the log must have committed at least one append' });
    const origin = parseCheckpoint(parseNote(text).text).origin;
    // The origin is the log's (attacker-controlled) text: own properties only.
    const previous = Object.hasOwn(o.state.logs, origin) ? o.state.logs[origin] : undefined;
    const keyTexts = o.logKeys.length > 0 ? o.logKeys : (previous?.keys ?? []);
    if (keyTexts.length === 0) {
      throw new UsageError('NO_KEY', `no log key for ${JSON.stringify(origin)}`, { hint: 'pass the log\'s verifier key with --log-key on the first run; the witness records it in its state' });
    }
    const logKeys = keyTexts.map(parseVerifierKey);
    const { checkpoint, verifiedBy } = openCheckpoint(text, logKeys, { origin });
    if (!verifiedBy.some((v) => v.name === origin)) {
      throw new LedgerError('UNKNOWN_KEY', `the checkpoint of ${JSON.stringify(origin)} is not signed by a log key named after its origin`, { hint: 'pass the log key with --log-key' });
    }
    if (last !== undefined && last !== checkpoint.size) throw new LedgerError('BAD_CHECKPOINT', `checkpoints/${last} holds a checkpoint of size ${checkpoint.size}`, { hint: 'run `trailmark verify`' });
    let proof: readonly string[] = [];
    if (previous !== undefined) {
      const check = await checkTrusted(o.store, { size: previous.size, root: decodeBase64(previous.root)!, origin, source: `witness state (size ${previous.size})` }, { size: checkpoint.size, root: checkpoint.root, origin });
      if (check.problem !== null) {
        throw new LedgerError(check.problem.code, `refusing to cosign ${JSON.stringify(origin)} at size ${checkpoint.size}: ${check.problem.message}`, {
          hint: 'the log was rolled back or rewritten since this witness last saw it; the witness state is unchanged: report it to the log operator and to whoever relies on this witness',
        });
      }
      proof = check.proof;
    }
    const existing = checkCosignatures(text, [self]).find((c) => c.valid);
    if (o.store.addCheckpointSignatures === undefined) {
      throw new LedgerError('STORE_CONTRACT', `the store of ${o.store.location} cannot take cosignatures`, { hint: 'witness a directory ledger (--ledger DIR), e.g. a checkout of the ledger branch' });
    }
    let note = text;
    let time = existing?.time ?? null;
    if (existing === undefined) {
      time = Math.floor(o.clock.now() / 1000);
      note = addCosignature(text, cosigner, time);
      await o.store.addCheckpointSignatures(checkpoint.size, note);
    } else if ((await o.store.readCheckpoint()) !== text) {
      // An earlier run stopped between the history and the pointer: complete the pointer.
      await o.store.addCheckpointSignatures(checkpoint.size, text);
    }
    const logs = Object.fromEntries([...Object.entries(o.state.logs).filter(([k]) => k !== origin), [origin, { size: checkpoint.size, root: encodeBase64(checkpoint.root), keys: logKeys.map(formatVerifierKey) }]]);
    return {
      origin,
      size: checkpoint.size,
      root: encodeHex(checkpoint.root),
      previous: previous === undefined ? null : { size: previous.size, root: encodeHex(decodeBase64(previous.root)!) },
      proof,
      cosigned: existing === undefined,
      witness: keyId(self),
      time,
      checkpoint: note,
      state: { logs },
    };
  } finally {
    await lock.release();
  }
}
