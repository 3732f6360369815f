// Personal data (logins, e-mails, names) enters entries only as salted commitments:
//   commitment = "sha256:" + hex(SHA-256(salt || UTF-8(value)))   salt: 16 random bytes
// The clear value and its salt (the "opening") live in the side store (`subjects.jsonl`), one
// record per commitment: in clear, or sealed under a per-opening subject key when the store is
// configured with a subject key secret (subject-seal.ts, docs/erasure.md). Erasure replaces a
// record by a tombstone and destroys its subject key: the entries, their signatures and the
// Merkle tree are untouched, so the ledger still verifies; reports show `[erased]`. A sealed
// record that cannot be opened (no key configured, key destroyed) is shown as `[erased]` too.
import { createHash } from 'node:crypto';
import type { Random } from '../core/ports.js';
import { decodeHex, encodeHex, encodeUtf8 } from './encoding.js';

export const SALT_BYTES = 16;
export const ERASED = '[erased]';

/** A sealed opening: AES-256-GCM ciphertext of `{salt, value}` under subject key `kid` (base64 fields). */
export interface SealedSubjectRecord {
  readonly commitment: string;
  readonly seq: number;
  readonly kid: string;
  readonly nonce: string;
  readonly sealed: string;
}

/** The opening of one commitment: its salt (hex) and clear value. */
export interface OpenedSubjectRecord {
  readonly commitment: string;
  readonly seq: number;
  readonly salt: string;
  readonly value: string;
}

/**
 * A side-store record: the opening of one commitment, its tombstone after erasure, or (as
 * stored, and as read when no key opens it) the sealed opening.
 */
export type SubjectRecord =
  | OpenedSubjectRecord
  | { readonly commitment: string; readonly seq: number; readonly erased: string }
  | SealedSubjectRecord;

export function commitmentOf(salt: Uint8Array, value: string): string {
  return `sha256:${createHash('sha256').update(salt).update(encodeUtf8(value)).digest('hex')}`;
}

/** A fresh commitment to `value` for the entry at `seq` (one random salt per commitment). */
export function commitSubject(value: string, seq: number, random: Random): OpenedSubjectRecord {
  const salt = random.bytes(SALT_BYTES);
  return { commitment: commitmentOf(salt, value), seq, salt: encodeHex(salt), value };
}

/** True when the record's salt and value open its commitment. Tombstones and sealed records have nothing to open here. */
export function opensCommitment(record: SubjectRecord): boolean {
  if (!('value' in record)) return true;
  const salt = decodeHex(record.salt);
  return salt !== undefined && commitmentOf(salt, record.value) === record.commitment;
}

/** Parses one side-store line (attacker-controlled file content); null when malformed. */
export function parseSubjectRecord(text: string): SubjectRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.commitment !== 'string' || typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq)) return null;
  if (typeof r.salt === 'string' && typeof r.value === 'string') return { commitment: r.commitment, seq: r.seq, salt: r.salt, value: r.value };
  if (typeof r.erased === 'string') return { commitment: r.commitment, seq: r.seq, erased: r.erased };
  if (typeof r.kid === 'string' && /^[0-9a-f]{16}$/.test(r.kid) && typeof r.nonce === 'string' && typeof r.sealed === 'string') {
    return { commitment: r.commitment, seq: r.seq, kid: r.kid, nonce: r.nonce, sealed: r.sealed };
  }
  return null;
}

/** Field order of records on disk: stable, so the side store diffs cleanly. */
export function formatSubjectRecord(record: SubjectRecord): string {
  if ('value' in record) return JSON.stringify({ commitment: record.commitment, seq: record.seq, salt: record.salt, value: record.value });
  if ('sealed' in record) return JSON.stringify({ commitment: record.commitment, seq: record.seq, kid: record.kid, nonce: record.nonce, sealed: record.sealed });
  return JSON.stringify({ commitment: record.commitment, seq: record.seq, erased: record.erased });
}

/** Replaces every record whose clear value equals `value` (literal comparison) by a tombstone. */
export function eraseRecords(records: readonly SubjectRecord[], value: string, time: string): { records: SubjectRecord[]; erased: number } {
  let erased = 0;
  const out = records.map((r): SubjectRecord => {
    if ('value' in r && r.value === value) {
      erased++;
      return { commitment: r.commitment, seq: r.seq, erased: time };
    }
    return r;
  });
  return { records: out, erased };
}

/** What a report shows for a commitment: the clear value, or `[erased]` when it has none (erased, or sealed and unopenable). */
export function displaySubject(commitment: string, records: ReadonlyMap<string, SubjectRecord>): string {
  const r = records.get(commitment);
  return r !== undefined && 'value' in r ? r.value : ERASED;
}
