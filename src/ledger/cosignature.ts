// C2SP tlog-cosignature, Ed25519 form (signature type 0x04, "cosignature/v1"): a witness's
// statement that, at the given time, the checkpoint is the largest consistent tree head it has
// seen for the log. The note signature is timestamp (u64, big-endian) || Ed25519 signature
// over "cosignature/v1\ntime <timestamp>\n" || checkpoint note text.
// A cosignature verifier is an ordinary NoteVerifier, so `openNote` checks witness
// cosignatures exactly like log signatures when their keys are passed in.
import { LedgerError } from '../core/errors.js';
import { encodeBase64, encodeUtf8 } from './encoding.js';
import { computeKeyHash, decodeVerifierKey, ed25519KeyPair, ed25519Verifier, isValidKeyName, keyId, parseNote, splitKey, trimAscii, withAlg, type NoteVerifier } from './note.js';

export const ALG_COSIGNATURE_V1 = 0x04;
const TIMESTAMP_SIZE = 8;
const ED25519_SIGNATURE_SIZE = 64;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/** Parses a type 0x04 verifier key ("name+hash+base64(0x04 || 32-byte Ed25519 key)"). */
export function parseCosignatureVerifierKey(text: string): NoteVerifier {
  const { name, keyHash, alg, material } = decodeVerifierKey(text);
  const id = keyId({ name, keyHash });
  if (alg !== ALG_COSIGNATURE_V1) {
    throw new LedgerError('BAD_KEY', `verifier key ${id} is of type 0x${alg.toString(16).padStart(2, '0')}, not a cosignature/v1 (0x04) key`, {
      hint: 'witness keys for cosignature/v1 have type byte 0x04; log keys (0x01) go to parseVerifierKey',
    });
  }
  const verifyEd25519 = ed25519Verifier(id, material);
  return {
    name,
    keyHash,
    publicKey: material,
    verify: (message, signature) => {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined) return false;
      const header = encodeUtf8(`cosignature/v1\ntime ${timestamp}\n`);
      const signed = new Uint8Array(header.byteLength + message.byteLength);
      signed.set(header, 0);
      signed.set(message, header.byteLength);
      return verifyEd25519(signed, signature.subarray(TIMESTAMP_SIZE));
    },
  };
}

/**
 * The POSIX timestamp of a cosignature/v1 signature (the bytes after the 4-byte key hash), or
 * `undefined` when the signature has the wrong length or a timestamp above 2^63 - 1.
 */
export function cosignatureTimestamp(signature: Uint8Array): bigint | undefined {
  if (signature.byteLength !== TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE) return undefined;
  const t = new DataView(signature.buffer, signature.byteOffset, TIMESTAMP_SIZE).getBigUint64(0, false);
  return t > MAX_TIMESTAMP ? undefined : t;
}

/** A witness's cosignature/v1 signing key. */
export interface Cosigner {
  readonly name: string;
  readonly keyHash: number;
  readonly publicKey: Uint8Array;
  /** timestamp (u64 big-endian) || Ed25519 signature over the cosignature/v1 message for `text`. */
  cosign(text: string, timestamp: number): Uint8Array;
}

function cosignedMessage(text: string, timestamp: number | bigint): Uint8Array {
  return encodeUtf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
}

function cosignerOf(name: string, seed: Uint8Array): Cosigner {
  const { publicKey, sign } = ed25519KeyPair(seed);
  return {
    name,
    keyHash: computeKeyHash(name, ALG_COSIGNATURE_V1, publicKey),
    publicKey,
    cosign: (text, timestamp) => {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new LedgerError('BAD_SIGNATURE', `cosignature time ${timestamp} is not a non-negative integer of seconds`);
      const out = new Uint8Array(TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE);
      new DataView(out.buffer).setBigUint64(0, BigInt(timestamp), false);
      out.set(sign(cosignedMessage(text, timestamp)), TIMESTAMP_SIZE);
      return out;
    },
  };
}

/**
 * A fresh witness key pair for cosignature/v1: signer `PRIVATE+KEY+<name>+<hash>+base64(0x04 ||
 * seed)` (the note signer-key layout with the cosignature type byte) and verifier
 * `<name>+<hash>+base64(0x04 || public key)`, the key hash taken over the 0x04 type byte.
 */
export function generateCosignatureKey(name: string, seed: Uint8Array): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new LedgerError('BAD_KEY', `invalid witness key name ${JSON.stringify(name)}`, { hint: 'key names must be non-empty, without spaces or "+", e.g. witness.example.org' });
  const c = cosignerOf(name, seed);
  const hash = c.keyHash.toString(16).padStart(8, '0');
  return {
    signerKey: `PRIVATE+KEY+${name}+${hash}+${encodeBase64(withAlg(seed, ALG_COSIGNATURE_V1))}`,
    verifierKey: `${name}+${hash}+${encodeBase64(withAlg(c.publicKey, ALG_COSIGNATURE_V1))}`,
  };
}

/** Parses a witness signing key (see generateCosignatureKey). The key text is never echoed. */
export function parseCosignerKey(text: string): Cosigner {
  const key = trimAscii(text);
  const prefix = 'PRIVATE+KEY+';
  if (!key.startsWith(prefix)) throw new LedgerError('BAD_KEY', 'witness signing key does not start with PRIVATE+KEY+', { hint: 'create one with `trailmark keygen --witness --name NAME --out PREFIX`' });
  const { name, keyHash, alg, material } = splitKey(key.slice(prefix.length), 'signer');
  if (alg !== ALG_COSIGNATURE_V1) {
    throw new LedgerError('BAD_KEY', `signing key ${name} has type 0x${alg.toString(16).padStart(2, '0')}, not a cosignature/v1 (0x04) witness key`, {
      hint: 'a log signing key (0x01) cannot cosign; create a witness key with `trailmark keygen --witness`',
    });
  }
  if (material.byteLength !== 32) throw new LedgerError('BAD_KEY', `witness key ${name} has a ${material.byteLength}-byte seed, want 32`);
  const c = cosignerOf(name, material);
  if (c.keyHash !== keyHash) throw new LedgerError('BAD_KEY', `witness key ${name} has a key hash that does not match its key`);
  return c;
}

/**
 * Adds the witness's cosignature line to a signed checkpoint note: the note's text (body) is
 * cosigned, nothing before the signature block changes, existing signature lines stay as they
 * are. `timestamp` is POSIX seconds.
 */
export function addCosignature(note: string, cosigner: Cosigner, timestamp: number): string {
  const { text } = parseNote(note);
  const sig = cosigner.cosign(text, timestamp);
  const blob = new Uint8Array(4 + sig.byteLength);
  new DataView(blob.buffer).setUint32(0, cosigner.keyHash >>> 0, false);
  blob.set(sig, 4);
  return `${note}\u2014 ${cosigner.name} ${encodeBase64(blob)}\n`;
}

export interface CosignatureCheck {
  /** `name+hash` of the witness key. */
  readonly key: string;
  /** POSIX seconds the witness states, or null when the signature is malformed. */
  readonly time: number | null;
  readonly valid: boolean;
}

/**
 * The cosignatures on `note` by the given witness keys: one result per witness key that signed
 * (the first line per key counts), valid or not. Lines by other keys are ignored.
 */
export function checkCosignatures(note: string, witnesses: readonly NoteVerifier[]): CosignatureCheck[] {
  const { text, signatures } = parseNote(note);
  const message = encodeUtf8(text);
  const out: CosignatureCheck[] = [];
  const seen = new Set<string>();
  for (const s of signatures) {
    const id = keyId(s);
    const w = witnesses.find((k) => k.name === s.name && k.keyHash === s.keyHash);
    if (w === undefined || seen.has(id)) continue;
    seen.add(id);
    const t = cosignatureTimestamp(s.signature);
    out.push({ key: id, time: t === undefined ? null : Number(t), valid: t !== undefined && w.verify(message, s.signature) });
  }
  return out;
}

/** The verifier (type 0x04) of a witness signing key. */
export function cosignerVerifier(c: Cosigner): NoteVerifier {
  return parseCosignatureVerifierKey(`${keyId(c)}+${encodeBase64(withAlg(c.publicKey, ALG_COSIGNATURE_V1))}`);
}
