// Proof documents (JSON, hex hashes) and their offline verification. Pure: a proof carries the
// signed checkpoint it is relative to, so `verifyProof` needs nothing but trusted keys.
//   inclusion:   entry `seq` is leaf `seq` of the tree the checkpoint signs (RFC 6962 §2.1.1)
//   consistency: the tree of `oldSize` is a prefix of the checkpoint's tree (RFC 6962 §2.1.2)
import { LedgerError } from '../core/errors.js';
import { parseStrictJson } from './canonical.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { decodeHex, encodeHex, encodeUtf8 } from './encoding.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import type { NoteVerifier } from './note.js';
import { keyRing, verifyEntryLine } from './verify.js';

export const INCLUSION_PROOF_TYPE = 'trailmark.proof.inclusion/v1';
export const CONSISTENCY_PROOF_TYPE = 'trailmark.proof.consistency/v1';

/** Field order is the JSON output order. */
export interface InclusionProof {
  readonly type: typeof INCLUSION_PROOF_TYPE;
  readonly origin: string;
  readonly seq: number;
  readonly size: number;
  /** The entry's line, exactly as stored. */
  readonly line: string;
  readonly leafHash: string;
  readonly root: string;
  readonly proof: readonly string[];
  readonly checkpoint: string;
}

export interface ConsistencyProof {
  readonly type: typeof CONSISTENCY_PROOF_TYPE;
  readonly origin: string;
  readonly oldSize: number;
  readonly newSize: number;
  readonly oldRoot: string;
  readonly newRoot: string;
  readonly proof: readonly string[];
  /** The signed checkpoint at newSize. */
  readonly checkpoint: string;
  /** The stored signed checkpoint at oldSize, when the log published one. */
  readonly oldCheckpoint: string | null;
}

export type LedgerProof = InclusionProof | ConsistencyProof;

export interface ProofVerdict {
  readonly type: LedgerProof['type'];
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  /** Inclusion: the proven entry. */
  readonly entry?: { readonly seq: number; readonly kind: string; readonly kid: string };
  /** Consistency: the old size, and whether its root was itself signed (else taken from the proof). */
  readonly consistency?: { readonly oldSize: number; readonly oldRoot: string; readonly oldCheckpointVerified: boolean };
}

function bad(message: string): LedgerError {
  return new LedgerError('BAD_PROOF', message, { hint: 'the proof file was altered or is not a trailmark proof' });
}

function field<T>(o: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const v = o[name];
  if (!check(v)) throw bad(`proof field ${name} is not ${what}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isHashList = (v: unknown): v is string[] => Array.isArray(v) && v.every((h) => typeof h === 'string');

function hash(hex: string, what: string): Uint8Array {
  const b = decodeHex(hex);
  if (b === undefined || b.byteLength !== 32) throw bad(`${what} is not 64 lowercase hex digits`);
  return b;
}

function openSigned(note: string, keys: readonly NoteVerifier[], origin: string, what: string): Checkpoint {
  const { checkpoint, verifiedBy } = openCheckpoint(note, keys, { origin });
  if (!verifiedBy.some((v) => v.name === origin)) {
    throw new LedgerError('UNKNOWN_KEY', `${what} is not signed by a trusted key named ${JSON.stringify(origin)}`, { hint: 'pass the ledger\'s public key with --key' });
  }
  return checkpoint;
}

/** Verifies a proof document (attacker-controlled JSON text). Throws LedgerError on any problem. */
export function verifyProof(text: string, keys: readonly NoteVerifier[]): ProofVerdict {
  let doc: unknown;
  try {
    doc = parseStrictJson(text);
  } catch (err) {
    throw bad(`proof is not valid json: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('proof is not a json object');
  const o = doc as Record<string, unknown>;
  const type = o.type;
  const origin = field(o, 'origin', isString, 'a string');
  const checkpointText = field(o, 'checkpoint', isString, 'a string');
  const proof = field(o, 'proof', isHashList, 'a list of hex hashes').map((h, i) => hash(h, `proof hash ${i}`));
  if (type === INCLUSION_PROOF_TYPE) {
    const seq = field(o, 'seq', isSize, 'a non-negative integer');
    const size = field(o, 'size', isSize, 'a non-negative integer');
    const line = field(o, 'line', isString, 'a string');
    const root = hash(field(o, 'root', isString, 'a string'), 'root');
    const leaf = hash(field(o, 'leafHash', isString, 'a string'), 'leafHash');
    const cp = openSigned(checkpointText, keys, origin, 'the checkpoint');
    if (cp.size !== size) throw bad(`proof size ${size} differs from the checkpoint size ${cp.size}`);
    if (!Buffer.from(cp.root).equals(Buffer.from(root))) throw bad('proof root differs from the checkpoint root');
    const bytes = encodeUtf8(line);
    if (!Buffer.from(leafHash(bytes)).equals(Buffer.from(leaf))) throw bad('leafHash is not the hash of the line');
    const entry = verifyEntryLine(bytes, keyRing(keys), null);
    if (entry.seq !== seq) throw bad(`the line is entry ${entry.seq}, the proof claims seq ${seq}`);
    verifyInclusion(seq, size, leaf, proof, root);
    return { type, origin, size, root: encodeHex(root), entry: { seq, kind: entry.kind, kid: entry.sig.kid } };
  }
  if (type === CONSISTENCY_PROOF_TYPE) {
    const oldSize = field(o, 'oldSize', isSize, 'a non-negative integer');
    const newSize = field(o, 'newSize', isSize, 'a non-negative integer');
    const oldRoot = hash(field(o, 'oldRoot', isString, 'a string'), 'oldRoot');
    const newRoot = hash(field(o, 'newRoot', isString, 'a string'), 'newRoot');
    const oldCheckpoint = o.oldCheckpoint;
    if (oldCheckpoint !== null && typeof oldCheckpoint !== 'string') throw bad('proof field oldCheckpoint is not a string or null');
    const cp = openSigned(checkpointText, keys, origin, 'the checkpoint');
    if (cp.size !== newSize || !Buffer.from(cp.root).equals(Buffer.from(newRoot))) throw bad('newSize/newRoot differ from the checkpoint');
    if (oldCheckpoint !== null) {
      const old = openSigned(oldCheckpoint, keys, origin, 'the old checkpoint');
      if (old.size !== oldSize || !Buffer.from(old.root).equals(Buffer.from(oldRoot))) throw bad('oldSize/oldRoot differ from the old checkpoint');
    }
    verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof);
    return { type, origin, size: newSize, root: encodeHex(newRoot), consistency: { oldSize, oldRoot: encodeHex(oldRoot), oldCheckpointVerified: oldCheckpoint !== null } };
  }
  throw bad(`unknown proof type ${JSON.stringify(type)}`);
}
