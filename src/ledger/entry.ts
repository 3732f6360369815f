// Ledger entries: one RFC 8785 canonical JSON object per line of `entries.jsonl`.
//
//   {"body":{...},"kind":"finding","policy":"default-1","prev":"<hex>","seq":7,
//    "sig":{"alg":"ed25519","kid":"<name>+<8 hex>","value":"<base64>"},"time":"<RFC 3339 UTC>","v":1}
//
// `prev` is the hex SHA-256 of the previous line's bytes (64 zeros for seq 0); `sig` is Ed25519
// over the canonical JSON of the entry without `sig`, by the ledger key named by `kid`.
import { hash } from 'node:crypto';
import { LedgerError } from '../core/errors.js';
import type { EntryBody } from './body.js';
import { checkBody } from './body.js';
import { canonicalBytes, canonicalize } from './canonical.js';
import { encodeBase64 } from './encoding.js';
import { keyId, type NoteSigner } from './note.js';

export const LEDGER_FORMAT_VERSION = 1;

/**
 * Largest line in bytes, without the newline. C2SP tlog-tiles entry bundles prefix each entry
 * with a 16-bit length, so an entry is at most 2^16 - 1 bytes.
 */
export const MAX_LINE_BYTES = 65_535;

/** `prev` of the entry with seq 0. */
export const GENESIS_PREV = '0'.repeat(64);

export const SIGNATURE_ALG = 'ed25519';

export interface EntrySignature {
  readonly alg: typeof SIGNATURE_ALG;
  /** `<key name>+<8 hex key hash>` of the signing key (note key id). */
  readonly kid: string;
  /** Standard padded base64 of the 64-byte Ed25519 signature. */
  readonly value: string;
}

export interface UnsignedEntry {
  readonly v: typeof LEDGER_FORMAT_VERSION;
  readonly seq: number;
  readonly time: string;
  readonly kind: string;
  readonly prev: string;
  readonly policy: string;
  readonly body: EntryBody;
}

export interface Entry extends UnsignedEntry {
  readonly sig: EntrySignature;
}

/** The entry fields, sorted: exactly these and no others. */
export const ENTRY_FIELDS: readonly string[] = ['body', 'kind', 'policy', 'prev', 'seq', 'sig', 'time', 'v'];

/** Hex SHA-256 of a line's bytes (without its newline): the next entry's `prev`. */
export function lineHash(line: Uint8Array): string {
  return hash('sha256', line, 'hex');
}

/** `YYYY-MM-DDTHH:MM:SS[.fff]Z`: the only time spelling entries use. */
export const ENTRY_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** The bytes an entry signature covers: the canonical JSON of the entry without `sig`. */
export function signingBytes(entry: UnsignedEntry): Uint8Array {
  const { v, seq, time, kind, prev, policy, body } = entry;
  return canonicalBytes({ v, seq, time, kind, prev, policy, body });
}

/**
 * Validates the body, signs the entry and returns it with its line bytes (canonical JSON, no
 * newline). Throws LedgerError BAD_BODY or ENTRY_TOO_LARGE before anything is written.
 */
export function signEntry(entry: UnsignedEntry, signer: NoteSigner): { entry: Entry; line: Uint8Array } {
  const { entry: signed, line } = signEntryLine(entry, signer);
  return { entry: signed, line };
}

/** A signed entry with its line and the two digests the appender needs of it. */
export interface SignedLine {
  readonly entry: Entry;
  /** Canonical JSON of the entry, no newline. */
  readonly line: Uint8Array;
  /** Hex SHA-256 of the line: the next entry's `prev` (`lineHash`). */
  readonly hash: string;
  /** RFC 6962 leaf hash of the line, SHA-256(0x00 || line) (`leafHash` in ./merkle.ts). */
  readonly leaf: Uint8Array;
}

// The bytes a signature covers are encoded here, signed, and copied into the line: never kept,
// so one buffer serves every call (signing is synchronous). It holds any entry that can be
// written (UTF-8 takes at most 3 bytes per UTF-16 code unit); a larger one, refused as
// ENTRY_TOO_LARGE after signing, gets a buffer of its own.
const signingScratch = Buffer.allocUnsafe(3 * (MAX_LINE_BYTES + 1));

/**
 * `signEntry` plus the line's two digests, computed without copying the line again: the line is
 * built one byte into its buffer, whose first byte is the 0x00 leaf prefix. Same checks, same
 * bytes as `signEntry`.
 */
export function signEntryLine(entry: UnsignedEntry, signer: NoteSigner): SignedLine {
  checkBody(entry.kind, entry.body);
  const { v, seq, time, kind, prev, policy, body } = entry;
  if (!ENTRY_TIME_PATTERN.test(time)) throw new LedgerError('BAD_ENTRY', `entry time ${JSON.stringify(time)} is not an rfc 3339 utc time`);
  // Members listed in canonical order, so canonicalize's sort has nothing to move.
  const unsigned = canonicalize({ body, kind, policy, prev, seq, time, v });
  const scratch = 3 * unsigned.length <= signingScratch.byteLength ? signingScratch : Buffer.allocUnsafe(3 * unsigned.length);
  const unsignedLength = scratch.write(unsigned, 0, 'utf8');
  const unsignedBytes = scratch.subarray(0, unsignedLength);
  const sig: EntrySignature = { alg: SIGNATURE_ALG, kid: signerKid(signer), value: encodeBase64(signer.sign(unsignedBytes)) };
  const signed: Entry = { v, seq, time, kind, prev, policy, body, sig };
  // `sig` sorts between `seq` and `time`, the last two members being `time` and `v`: the
  // canonical line is the canonical unsigned entry with the `sig` member spliced in before them
  // (`time` matches ENTRY_TIME_PATTERN, so the tail is ASCII: as many bytes as characters).
  const tail = `,"time":${JSON.stringify(time)},"v":${v}}`;
  let framed: Buffer;
  if (unsigned.endsWith(tail)) {
    const member = `,"sig":${canonicalize(sig)}`;
    const cut = unsignedLength - tail.length;
    const memberBytes = Buffer.byteLength(member, 'utf8');
    framed = Buffer.allocUnsafe(1 + unsignedLength + memberBytes);
    unsignedBytes.copy(framed, 1, 0, cut);
    framed.write(member, 1 + cut, 'utf8');
    unsignedBytes.copy(framed, 1 + cut + memberBytes, cut);
  } else {
    const text = canonicalize(signed);
    framed = Buffer.allocUnsafe(1 + Buffer.byteLength(text, 'utf8'));
    framed.write(text, 1, 'utf8');
  }
  framed[0] = 0x00;
  const line = framed.subarray(1);
  if (line.byteLength > MAX_LINE_BYTES) {
    throw new LedgerError('ENTRY_TOO_LARGE', `${entry.kind} entry at seq ${entry.seq} is ${line.byteLength} bytes, over the ${MAX_LINE_BYTES}-byte limit`, {
      hint: 'entries hold digests, never payloads: store a sha256 of large content instead',
    });
  }
  return { entry: signed, line, hash: hash('sha256', line, 'hex'), leaf: hash('sha256', framed, 'buffer') };
}

// keyId per signer, remembered with the name and key hash it was made from: a hit is used only
// when both still match, so it always equals keyId(signer).
const kids = new WeakMap<NoteSigner, { readonly name: string; readonly keyHash: number; readonly kid: string }>();

function signerKid(signer: NoteSigner): string {
  const known = kids.get(signer);
  if (known !== undefined && known.name === signer.name && known.keyHash === signer.keyHash) return known.kid;
  const kid = keyId(signer);
  kids.set(signer, { name: signer.name, keyHash: signer.keyHash, kid });
  return kid;
}

/** RFC 3339 UTC time with millisecond precision, as written in `time`. */
export function entryTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

