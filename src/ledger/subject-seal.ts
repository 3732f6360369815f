// Crypto-shredding of subject openings (docs/erasure.md).
//
// Each opening (salt + clear value of one commitment) is sealed with AES-256-GCM under its own
// random 256-bit key ("subject key", one per opening, so that key ids in a public side store do
// not link the openings of one person). Subject keys are kept only wrapped (AES-256-GCM) under a
// key-encryption key (KEK) derived from a secret that lives outside the ledger's storage (an
// environment variable, an Actions secret). Erasure destroys the subject keys; the commitments
// in entries still verify, since verification never needs an opening.
//
// Bindings (AEAD additional data), so a line cannot be moved onto another commitment or key:
//   opening:     "trailmark.subject/v1" 0x00 commitment 0x00 decimal(seq) 0x00 kid
//   subject key: "trailmark.subject-key/v1" 0x00 kid 0x00 kekId
// An opened value must also open its commitment (SHA-256(salt || value)) or it is rejected.
//
// Plaintexts are padded to a multiple of PAD_BYTES: values of similar length seal to the same size.
// Limits: this module holds no state and does no I/O; randomness is injected. A KEK secret is
// not stretched (HKDF, not a password hash): it must be a random secret of at least
// KEK_SECRET_MIN_BYTES bytes (`openssl rand -base64 32`).
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { Random } from '../core/ports.js';
import { decodeHex, encodeHex, encodeUtf8 } from './encoding.js';
import { commitmentOf, type SealedSubjectRecord } from './subjects.js';

export const SUBJECT_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Random key ids: 8 bytes, hex. */
export const KID_BYTES = 8;
export const KEK_SECRET_MIN_BYTES = 32;
/** Sealed plaintexts are padded with spaces to a multiple of this, so a ciphertext's length does not tell a value's length. */
export const PAD_BYTES = 128;

/** A key-encryption key: 32 bytes derived from a secret, and its public id (hex). */
export interface SubjectKek {
  readonly id: string;
  readonly key: Uint8Array;
}

/** One subject key as stored: wrapped under the KEK whose id is `kek`. */
export interface WrappedSubjectKey {
  readonly kid: string;
  readonly kek: string;
  /** base64 */
  readonly nonce: string;
  /** base64: ciphertext || GCM tag */
  readonly wrapped: string;
}

const KID = /^[0-9a-f]{16}$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Derives the KEK from a secret (HKDF-SHA256). Throws UsageError on a secret that is too short. */
export function subjectKekFromSecret(secret: string): SubjectKek {
  const ikm = encodeUtf8(secret.trim());
  if (ikm.byteLength < KEK_SECRET_MIN_BYTES) {
    throw new UsageError('BAD_INPUT', `the subject key secret is ${ikm.byteLength} bytes, fewer than ${KEK_SECRET_MIN_BYTES}`, { hint: 'generate one with `openssl rand -base64 32`' });
  }
  const salt = encodeUtf8('trailmark.subject-kek/v1');
  const key = new Uint8Array(hkdfSync('sha256', ikm, salt, encodeUtf8('wrap'), SUBJECT_KEY_BYTES));
  const id = encodeHex(new Uint8Array(hkdfSync('sha256', ikm, salt, encodeUtf8('id'), KID_BYTES)));
  return { id, key };
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function unb64(text: string): Uint8Array | null {
  if (!B64.test(text) || text.length % 4 !== 0) return null;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function seal(key: Uint8Array, nonce: Uint8Array, aad: string, plain: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  c.setAAD(encodeUtf8(aad));
  return new Uint8Array(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]));
}

/** null when the key is wrong or the bytes were altered (GCM authentication fails). */
function unseal(key: Uint8Array, nonce: Uint8Array, aad: string, sealed: Uint8Array): Uint8Array | null {
  if (nonce.byteLength !== NONCE_BYTES || sealed.byteLength < TAG_BYTES || key.byteLength !== SUBJECT_KEY_BYTES) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(encodeUtf8(aad));
    d.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES));
    return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.byteLength - TAG_BYTES)), d.final()]));
  } catch {
    return null;
  }
}

const keyAad = (kid: string, kekId: string) => `trailmark.subject-key/v1\0${kid}\0${kekId}`;
const openingAad = (commitment: string, seq: number, kid: string) => `trailmark.subject/v1\0${commitment}\0${seq}\0${kid}`;

/** A fresh subject key and its random id. */
export function newSubjectKey(random: Random): { kid: string; key: Uint8Array } {
  return { kid: encodeHex(random.bytes(KID_BYTES)), key: random.bytes(SUBJECT_KEY_BYTES) };
}

export function wrapSubjectKey(kek: SubjectKek, kid: string, key: Uint8Array, random: Random): WrappedSubjectKey {
  const nonce = random.bytes(NONCE_BYTES);
  return { kid, kek: kek.id, nonce: b64(nonce), wrapped: b64(seal(kek.key, nonce, keyAad(kid, kek.id), key)) };
}

/** The subject key, or null when it is wrapped under another KEK or was altered. */
export function unwrapSubjectKey(kek: SubjectKek, w: WrappedSubjectKey): Uint8Array | null {
  if (w.kek !== kek.id) return null;
  const nonce = unb64(w.nonce);
  const wrapped = unb64(w.wrapped);
  if (nonce === null || wrapped === null) return null;
  const key = unseal(kek.key, nonce, keyAad(w.kid, w.kek), wrapped);
  return key !== null && key.byteLength === SUBJECT_KEY_BYTES ? key : null;
}

/** Seals an opening under `key`. The result carries no clear value and no salt. */
export function sealOpening(record: { readonly commitment: string; readonly seq: number; readonly salt: string; readonly value: string }, kid: string, key: Uint8Array, random: Random): SealedSubjectRecord {
  const nonce = random.bytes(NONCE_BYTES);
  const json = encodeUtf8(JSON.stringify({ salt: record.salt, value: record.value }));
  // JSON allows trailing whitespace: the padding is parsed away.
  const plain = new Uint8Array(Math.ceil(json.byteLength / PAD_BYTES) * PAD_BYTES).fill(0x20);
  plain.set(json);
  return { commitment: record.commitment, seq: record.seq, kid, nonce: b64(nonce), sealed: b64(seal(key, nonce, openingAad(record.commitment, record.seq, kid), plain)) };
}

/**
 * The opening of a sealed record, or null when `key` does not open it, the bytes were altered,
 * or the opened salt and value do not open the record's commitment.
 */
export function openSealed(record: SealedSubjectRecord, key: Uint8Array): { commitment: string; seq: number; salt: string; value: string } | null {
  const nonce = unb64(record.nonce);
  const sealed = unb64(record.sealed);
  if (nonce === null || sealed === null) return null;
  const plain = unseal(key, nonce, openingAad(record.commitment, record.seq, record.kid), sealed);
  if (plain === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(plain).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { salt, value } = v as Record<string, unknown>;
  if (typeof salt !== 'string' || typeof value !== 'string') return null;
  const saltBytes = decodeHex(salt);
  if (saltBytes === undefined || commitmentOf(saltBytes, value) !== record.commitment) return null;
  return { commitment: record.commitment, seq: record.seq, salt, value };
}

/** Parses one keyring line (attacker-controlled storage content); null when malformed. */
export function parseWrappedKey(text: string): WrappedSubjectKey | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.kid !== 'string' || !KID.test(r.kid) || typeof r.kek !== 'string' || !KID.test(r.kek)) return null;
  if (typeof r.nonce !== 'string' || typeof r.wrapped !== 'string') return null;
  return { kid: r.kid, kek: r.kek, nonce: r.nonce, wrapped: r.wrapped };
}

export function formatWrappedKey(k: WrappedSubjectKey): string {
  return JSON.stringify({ kid: k.kid, kek: k.kek, nonce: k.nonce, wrapped: k.wrapped });
}

/** Environment variables of the KEK secret and of the previous one(s) during a rotation. */
export const SUBJECT_KEK_ENV = 'TRAILMARK_SUBJECT_KEK';
export const SUBJECT_KEK_PREVIOUS_ENV = 'TRAILMARK_SUBJECT_KEK_PREVIOUS';

/** How a store keeps its openings, for `verify` and reports to say it plainly. */
export interface SubjectsAtRest {
  /** Records stored in clear (salt and value readable by anyone who reads the store). */
  readonly clear: number;
  /** Records stored sealed. */
  readonly sealed: number;
  /** Sealed records that the configured KEKs cannot open (erased keys, or no or a wrong secret). */
  readonly unopenable: number;
  readonly tombstones: number;
  readonly keys: number;
  /** A KEK secret is configured for this store. */
  readonly sealing: boolean;
  /** Writes would change the keyring or records at rest (clear openings to seal, keys to rewrap or prune). */
  readonly migrationPending: boolean;
}

/**
 * One plain line for `verify` and reports on how the openings are kept, or null when there is
 * nothing to say (no openings, or all sealed and opened).
 */
export function describeSubjectsAtRest(r: SubjectsAtRest): string | null {
  if (r.clear > 0) {
    return `subject openings: ${r.clear} stored in clear (logins and e-mails readable by anyone who reads the ledger or a copy of it); set ${SUBJECT_KEK_ENV} and run \`trailmark erase\` to seal them (docs/erasure.md)`;
  }
  if (r.sealed > 0 && !r.sealing) return `subject openings: ${r.sealed} sealed; no ${SUBJECT_KEK_ENV} configured, so they show as [erased]`;
  if (r.unopenable > 0) return `subject openings: ${r.sealed} sealed, ${r.unopenable} of them unopenable with the configured secret (erased, or sealed under another secret)`;
  return null;
}

/** Implemented by the stores that seal (dir, postgres, ledger branch). */
export interface SubjectSealingStore {
  subjectsAtRest(): Promise<SubjectsAtRest>;
}

export function isSubjectSealingStore(store: object): store is SubjectSealingStore {
  return typeof (store as Partial<SubjectSealingStore>).subjectsAtRest === 'function';
}

