// C2SP signed-note (c2sp.org/signed-note) with Ed25519 signatures (type 0x01), and the note
// key encoding of golang.org/x/mod/sumdb/note:
//   signer key   "PRIVATE+KEY+<name>+<8 hex key hash>+base64(0x01 || 32-byte seed)"
//   verifier key "<name>+<8 hex key hash>+base64(0x01 || 32-byte public key)"
//   key hash     = big-endian uint32 of SHA-256(name || 0x0A || 0x01 || public key)[:4]
// A signed note is the text (ending in "\n"), a blank line, then one line per signature:
// "— <name> base64(key hash || signature)\n". Ed25519 is deterministic (RFC 8032), so a given
// seed and text always give the same note.
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { LedgerError } from '../core/errors.js';
import { decodeBase64, encodeBase64, encodeUtf8 } from './encoding.js';

export const ALG_ED25519 = 0x01;
/** Notes with more signature lines are rejected (x/mod sumdb/note; the spec requires >= 16). */
export const MAX_NOTE_SIGNATURES = 100;
const ED25519_SEED_SIZE = 32;
const ED25519_PUBLIC_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const SIG_PREFIX = '\u2014 ';

// DER prefixes of PKCS#8 and SPKI Ed25519 keys (RFC 8410): prefix || 32 raw bytes.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: number;
  readonly publicKey: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** One signature line of a note, not yet checked against any key. */
export interface NoteSignature {
  readonly name: string;
  readonly keyHash: number;
  /** The signature bytes after the 4-byte key hash. */
  readonly signature: Uint8Array;
}

export interface OpenedNote {
  readonly text: string;
  /** Known keys whose signatures verified, in note order, each at most once. */
  readonly verifiedBy: NoteVerifier[];
  /** Signatures by keys not in the verifier list (ignored, as the spec requires), deduplicated. */
  readonly unverified: { name: string; keyHash: number }[];
}

// Unicode spaces as Go's unicode.IsSpace defines them, plus every other separator (\p{Z}).
const SPACE = /[\t\n\v\f\r \u0085\u00a0\p{Z}]/u;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const KEY_HASH_HEX = /^[0-9a-fA-F]{8}$/;

/** True when `s` holds a character below U+0020 (other than "\n" when `allowNewline`). */
export function hasControlCharacter(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}

/** Key names: non-empty, no Unicode spaces, no "+", no control characters, well-formed. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !name.includes('+') && !SPACE.test(name) && !hasControlCharacter(name, false) && !LONE_SURROGATE.test(name);
}

export function computeKeyHash(name: string, alg: number, publicKey: Uint8Array): number {
  const digest = createHash('sha256').update(name, 'utf8').update(new Uint8Array([0x0a, alg])).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

/** "name+<8 lowercase hex>": the key's identity, used as `kid` in ledger entry signatures. */
export function keyId(v: { name: string; keyHash: number }): string {
  return `${v.name}+${hex8(v.keyHash)}`;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Builds an Ed25519 key pair from an injected 32-byte random seed. */
export function generateNoteKey(name: string, seed: Uint8Array): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw badKey(`invalid key name ${JSON.stringify(name)}`, 'key names must be non-empty, without spaces or "+", e.g. example.com/ledger');
  if (seed.byteLength !== ED25519_SEED_SIZE) throw badKey(`ed25519 seed has ${seed.byteLength} bytes, want ${ED25519_SEED_SIZE}`);
  const signer = ed25519Signer(name, seed);
  return {
    signerKey: `PRIVATE+KEY+${name}+${hex8(signer.keyHash)}+${encodeBase64(withAlg(seed))}`,
    verifierKey: `${name}+${hex8(signer.keyHash)}+${encodeBase64(withAlg(signer.publicKey))}`,
  };
}

/** The verifier key text ("name+hash+base64(0x01 || public key)") of an Ed25519 signer or verifier. */
export function formatVerifierKey(k: { name: string; keyHash: number; publicKey: Uint8Array }): string {
  return `${keyId(k)}+${encodeBase64(withAlg(k.publicKey))}`;
}

/**
 * Parses a signer key. Surrounding ASCII whitespace (a key file's final newline) is ignored.
 * Error messages never echo the key text: it is secret.
 */
export function parseSignerKey(text: string): NoteSigner {
  const key = trimAscii(text);
  const prefix = 'PRIVATE+KEY+';
  if (!key.startsWith(prefix)) {
    throw badKey('signer key does not start with PRIVATE+KEY+', looksLikeVerifierKey(key) ? 'this looks like a verifier (public) key; signing needs the PRIVATE+KEY+... file' : undefined);
  }
  const { name, keyHash, alg, material } = splitKey(key.slice(prefix.length), 'signer');
  if (alg !== ALG_ED25519) throw badKey(`signer key ${name} uses unsupported algorithm 0x${alg.toString(16).padStart(2, '0')}`, 'only ed25519 (0x01) note keys are supported');
  if (material.byteLength !== ED25519_SEED_SIZE) throw badKey(`signer key ${name} has a ${material.byteLength}-byte ed25519 seed, want ${ED25519_SEED_SIZE}`);
  const signer = ed25519Signer(name, material);
  if (signer.keyHash !== keyHash) throw badKey(`signer key ${name}+${hex8(keyHash)} has a key hash that does not match its key (want ${hex8(signer.keyHash)})`);
  return signer;
}

/** Parses an Ed25519 (type 0x01) verifier key; surrounding ASCII whitespace is ignored. */
export function parseVerifierKey(text: string): NoteVerifier {
  const { name, keyHash, alg, material } = decodeVerifierKey(text);
  const id = keyId({ name, keyHash });
  if (alg !== ALG_ED25519) throw badKey(`verifier key ${id} uses unsupported algorithm 0x${alg.toString(16).padStart(2, '0')}`, 'only ed25519 (0x01) note keys are supported');
  return { name, keyHash, publicKey: material, verify: ed25519Verifier(id, material) };
}

/**
 * Splits any verifier key ("name+hash+base64(type || key material)") and checks that the key
 * hash is SHA-256(name || 0x0A || type || material)[:4]; the type is not interpreted.
 */
export function decodeVerifierKey(text: string): { name: string; keyHash: number; alg: number; material: Uint8Array } {
  const key = trimAscii(text);
  if (key.startsWith('PRIVATE+')) throw badKey('expected a verifier (public) key, got a signer (private) key', 'pass the name+hash+base64 public key; keep the PRIVATE+KEY file secret');
  const parts = splitKey(key, 'verifier');
  const computed = computeKeyHash(parts.name, parts.alg, parts.material);
  if (computed !== parts.keyHash) throw badKey(`verifier key ${keyId(parts)} has a key hash that does not match its key (want ${hex8(computed)})`);
  return { ...parts, material: new Uint8Array(parts.material) };
}

/** Verification function for a raw 32-byte Ed25519 public key (RFC 8032). */
export function ed25519Verifier(id: string, publicKey: Uint8Array): (message: Uint8Array, signature: Uint8Array) => boolean {
  if (publicKey.byteLength !== ED25519_PUBLIC_SIZE) throw badKey(`verifier key ${id} has a ${publicKey.byteLength}-byte ed25519 public key, want ${ED25519_PUBLIC_SIZE}`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch (err) {
    throw badKey(`verifier key ${id} is not a valid ed25519 public key`, undefined, err);
  }
  return (message, signature) => signature.byteLength === ED25519_SIGNATURE_SIZE && cryptoVerify(null, message, key, signature);
}

/** Splits "name+hash+base64(type || material)" (no PRIVATE+KEY+ prefix); checks the name and hash syntax only. */
export function splitKey(rest: string, kind: 'signer' | 'verifier'): { name: string; keyHash: number; alg: number; material: Uint8Array } {
  // The name holds no "+", the hash is 8 hex digits; the base64 part may itself contain "+".
  const p1 = rest.indexOf('+');
  const p2 = p1 < 0 ? -1 : rest.indexOf('+', p1 + 1);
  if (p1 < 0 || p2 < 0) throw badKey(`${kind} key is not of the form name+hash+base64`);
  const name = rest.slice(0, p1);
  const hash = rest.slice(p1 + 1, p2);
  if (!isValidKeyName(name)) throw badKey(`${kind} key has an invalid name ${JSON.stringify(name)}`);
  if (!KEY_HASH_HEX.test(hash)) throw badKey(`${kind} key ${name} has a malformed key hash (want 8 hex digits)`);
  const bytes = decodeBase64(rest.slice(p2 + 1));
  if (bytes === undefined || bytes.byteLength < 2) throw badKey(`${kind} key ${name} has malformed base64 key material`);
  return { name, keyHash: parseInt(hash, 16), alg: bytes[0]!, material: bytes.subarray(1) };
}

function ed25519Signer(name: string, seed: Uint8Array): NoteSigner {
  const { publicKey, sign } = ed25519KeyPair(seed);
  return { name, keyHash: computeKeyHash(name, ALG_ED25519, publicKey), publicKey, sign };
}

/** The raw Ed25519 public key and signing function of a 32-byte seed (RFC 8032). */
export function ed25519KeyPair(seed: Uint8Array): { publicKey: Uint8Array; sign: (message: Uint8Array) => Uint8Array } {
  if (seed.byteLength !== ED25519_SEED_SIZE) throw badKey(`ed25519 seed has ${seed.byteLength} bytes, want ${ED25519_SEED_SIZE}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.byteLength));
  return { publicKey, sign: (message) => cryptoSign(null, message, privateKey) };
}

/** type byte || key material: the base64 payload of a note key. */
export function withAlg(material: Uint8Array, alg = ALG_ED25519): Uint8Array {
  const out = new Uint8Array(1 + material.byteLength);
  out[0] = alg;
  out.set(material, 1);
  return out;
}

export function trimAscii(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isAsciiSpace(s.charCodeAt(a))) a++;
  while (b > a && isAsciiSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function looksLikeVerifierKey(key: string): boolean {
  return key.split('+').length >= 3 && !key.startsWith('PRIVATE');
}

/**
 * Signs `text` (which must end in "\n" and hold no control characters but newlines) with every
 * signer, in the given order.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkNoteText(text);
  if (signers.length === 0) throw new LedgerError('BAD_SIGNATURE', 'a note needs at least one signer');
  if (signers.length > MAX_NOTE_SIGNATURES) throw new LedgerError('BAD_SIGNATURE', `${signers.length} signers exceed the ${MAX_NOTE_SIGNATURES}-signature limit`);
  const message = encodeUtf8(text);
  const seen = new Set<string>();
  let out = text + '\n';
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw badKey(`invalid signer name ${JSON.stringify(s.name)}`);
    const id = keyId(s);
    if (seen.has(id)) throw new LedgerError('BAD_SIGNATURE', `signer ${id} given twice`);
    seen.add(id);
    const sig = s.sign(message);
    const blob = new Uint8Array(4 + sig.byteLength);
    new DataView(blob.buffer).setUint32(0, s.keyHash >>> 0, false);
    blob.set(sig, 4);
    out += `${SIG_PREFIX}${s.name} ${encodeBase64(blob)}\n`;
  }
  return out;
}

function checkNoteText(text: string): void {
  if (!text.endsWith('\n')) throw new LedgerError('BAD_CHECKPOINT', 'note text must end with a newline');
  if (hasControlCharacter(text, true)) throw new LedgerError('BAD_CHECKPOINT', 'note text contains a control character');
  if (LONE_SURROGATE.test(text)) throw new LedgerError('BAD_CHECKPOINT', 'note text is not well-formed unicode (lone surrogate)');
}

/**
 * Splits a signed note into its text and signature lines without checking any signature.
 * The note is attacker-controlled: it must be well-formed unicode with no control characters
 * but newlines; the text ends at the last blank line; every following line is a signature
 * line with a valid key name and at least 5 bytes of standard base64. Throws
 * LedgerError('BAD_CHECKPOINT') naming the first problem.
 */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (hasControlCharacter(note, true)) throw malformed('it contains a control character');
  if (LONE_SURROGATE.test(note)) throw malformed('it is not well-formed unicode');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('there is no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '') throw malformed('it has no signature lines');
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`it has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith(SIG_PREFIX)) throw malformed(`signature line ${i + 1} does not start with an em dash and a space`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    if (!isValidKeyName(name)) throw malformed(`signature line ${i + 1} has an invalid key name`);
    const blob = b64 === '' ? undefined : decodeBase64(b64);
    if (blob === undefined || blob.byteLength < 5) throw malformed(`signature line ${i + 1} (${name}) has malformed base64`);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    return { name, keyHash: view.getUint32(0, false), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Opens a signed note against the trusted verifiers (c2sp.org/signed-note §Signatures):
 * signatures by unknown keys (name or hash differ) are ignored and reported in `unverified`;
 * a signature by a known key must verify (else LedgerError 'BAD_SIGNATURE'); at least one known
 * key must have signed (else 'UNKNOWN_KEY'). Malformed notes: 'BAD_CHECKPOINT'.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const message = encodeUtf8(text);
  const verifiedBy: NoteVerifier[] = [];
  const unverified: { name: string; keyHash: number }[] = [];
  const seenKnown = new Set<string>();
  const seenUnknown = new Set<string>();
  for (const s of signatures) {
    const id = keyId(s);
    const v = verifiers.find((k) => k.name === s.name && k.keyHash === s.keyHash);
    if (v === undefined) {
      if (!seenUnknown.has(id)) unverified.push({ name: s.name, keyHash: s.keyHash });
      seenUnknown.add(id);
      continue;
    }
    if (seenKnown.has(id)) continue;
    seenKnown.add(id);
    if (!v.verify(message, s.signature)) {
      throw new LedgerError('BAD_SIGNATURE', `note signature by ${id} does not verify`, {
        hint: 'the note was altered after signing, or was signed by a different key with the same name and hash',
      });
    }
    verifiedBy.push(v);
  }
  if (verifiedBy.length === 0) {
    const names = unverified.map(keyId).join(', ');
    throw new LedgerError('UNKNOWN_KEY', `note is not signed by any trusted key (signed by ${names})`, {
      hint: `trusted keys: ${verifiers.length === 0 ? 'none given' : verifiers.map(keyId).join(', ')}; pass the log's verifier key`,
    });
  }
  return { text, verifiedBy, unverified };
}

function malformed(why: string): LedgerError {
  return new LedgerError('BAD_CHECKPOINT', `malformed signed note: ${why}`);
}

function badKey(message: string, hint?: string, cause?: unknown): LedgerError {
  return new LedgerError('BAD_KEY', message, {
    hint: hint ?? 'note keys look like name+hash+base64 (verifier) or PRIVATE+KEY+name+hash+base64 (signer); create one with `trailmark keygen`',
    ...(cause === undefined ? {} : { cause }),
  });
}
