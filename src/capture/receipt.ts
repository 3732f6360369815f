// Verification of the collector's signed receipt (docs/collector-protocol.md §2,
// `trailmark.receipt/v1`): Ed25519 over the RFC 8785 canonical JSON of the receipt without `sig`.
//
// Every field of a receipt comes from the network and is untrusted until the signature checks
// out, and even then only says what the collector claims: `checkReceipt` also ties it to the
// batch that was sent (same device, same body digest, only ids and seqs of that batch).
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { TrailmarkError, printable } from '../core/errors.js';
import { canonicalize } from '../ledger/canonical.js';
import type { SpoolRecord } from './types.js';

export const RECEIPT_SCHEMA = 'trailmark.receipt/v1';

/** BAD_SIGNATURE is an integrity failure (CLI exit 1); RECEIPT_INVALID a malformed document. */
export type ReceiptCode = 'BAD_SIGNATURE' | 'RECEIPT_INVALID' | 'BAD_KEY';
export class ReceiptError extends TrailmarkError<ReceiptCode> {}

export interface ReceiptAck {
  readonly id: string;
  readonly seq: number;
}
export interface Receipt {
  readonly schema: typeof RECEIPT_SCHEMA;
  readonly collector: string;
  readonly installation: number;
  readonly device: string;
  readonly time: string;
  readonly batch: string;
  readonly accepted: readonly (ReceiptAck & { readonly digest: string })[];
  readonly duplicates: readonly ReceiptAck[];
  readonly rejected: readonly (ReceiptAck & { readonly reason: string })[];
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  readonly sig: { readonly alg: 'ed25519'; readonly kid: string; readonly value: string };
}

export interface CollectorKey {
  readonly keyId: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
}

export const sha256Tag = (bytes: Uint8Array | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** `sha256:<hex>` of a record's canonical JSON: the digest an `accepted` entry carries. */
export const recordDigest = (record: SpoolRecord): string => sha256Tag(canonicalize(record));

export function collectorPublicKey(key: CollectorKey): KeyObject {
  const raw = Buffer.from(key.publicKey, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== key.publicKey) {
    throw new ReceiptError('BAD_KEY', `collector key ${printable(key.keyId)} is not base64 of a 32-byte Ed25519 public key`, { hint: 'register the device again with `trailmark record register`' });
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

const invalid = (what: string) => new ReceiptError('RECEIPT_INVALID', `receipt: ${what}`, { hint: 'the collector answered with something that is not a trailmark.receipt/v1; the cursor was not moved' });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function acks(v: unknown, name: string, extra?: 'digest' | 'reason'): void {
  if (!Array.isArray(v)) throw invalid(`${name} is not an array`);
  for (const a of v as unknown[]) {
    if (!isObject(a) || typeof a['id'] !== 'string' || !Number.isSafeInteger(a['seq'])) throw invalid(`an entry of ${name} has no id and seq`);
    if (extra !== undefined && typeof a[extra] !== 'string') throw invalid(`an entry of ${name} has no ${extra}`);
  }
}

/** Checks the shape and the signature of `doc` (untrusted JSON) with the collector's key. */
export function verifyReceipt(doc: unknown, key: CollectorKey): Receipt {
  if (!isObject(doc)) throw invalid('not a JSON object');
  if (doc['schema'] !== RECEIPT_SCHEMA) throw invalid(`schema is ${printable(String(doc['schema']))}, expected ${RECEIPT_SCHEMA}`);
  for (const f of ['collector', 'device', 'time', 'batch'] as const) if (typeof doc[f] !== 'string') throw invalid(`${f} is not a string`);
  if (!Number.isSafeInteger(doc['installation'])) throw invalid('installation is not an integer');
  acks(doc['accepted'], 'accepted', 'digest');
  acks(doc['duplicates'], 'duplicates');
  acks(doc['rejected'], 'rejected', 'reason');
  const gaps = doc['gaps'];
  if (!Array.isArray(gaps) || !(gaps as unknown[]).every((g) => isObject(g) && Number.isSafeInteger(g['from']) && Number.isSafeInteger(g['to']))) throw invalid('gaps is not a list of {from, to}');
  const sig = doc['sig'];
  if (!isObject(sig) || sig['alg'] !== 'ed25519' || typeof sig['kid'] !== 'string' || typeof sig['value'] !== 'string') throw invalid('sig is not {alg: "ed25519", kid, value}');
  if (sig['kid'] !== key.keyId) {
    throw new ReceiptError('BAD_SIGNATURE', `receipt signed by key ${printable(sig['kid'])}, expected the collector's key ${printable(key.keyId)}`, { hint: 'the collector key changed or the answer is forged; check `GET /trailmark/collector/key` and register again if the App rotated its key' });
  }
  const { sig: _sig, ...unsigned } = doc;
  const signature = Buffer.from(sig['value'], 'base64');
  let ok = false;
  try {
    ok = verifySignature(null, Buffer.from(canonicalize(unsigned), 'utf8'), collectorPublicKey(key), signature);
  } catch (err) {
    if (err instanceof ReceiptError) throw err;
    ok = false;
  }
  if (!ok) {
    throw new ReceiptError('BAD_SIGNATURE', `receipt signature does not verify with collector key ${printable(key.keyId)}`, { hint: 'the receipt was altered or not made by the collector; nothing was marked as delivered, the next push sends the batch again' });
  }
  return doc as unknown as Receipt;
}

/**
 * Ties a verified receipt to the batch sent: same device and installation, the digest of the exact body bytes,
 * and every acknowledged (id, seq) one of the batch's records (accepted digests matching).
 * Returns the seqs the receipt acknowledges.
 */
export function checkReceipt(receipt: Receipt, sent: { readonly device: string; readonly installation: number; readonly body: Uint8Array; readonly records: readonly SpoolRecord[] }): Set<number> {
  if (receipt.device !== sent.device) throw invalid(`device is ${printable(receipt.device)}, expected ${sent.device}`);
  if (receipt.installation !== sent.installation) throw invalid(`installation is ${receipt.installation}, expected ${sent.installation}`);
  const digest = sha256Tag(sent.body);
  if (receipt.batch !== digest) throw invalid(`batch is ${printable(receipt.batch)}, expected ${digest} (a receipt for another batch)`);
  const bySeq = new Map(sent.records.map((r) => [r.seq, r]));
  const acknowledged = new Set<number>();
  const take = (a: ReceiptAck, list: string) => {
    const r = bySeq.get(a.seq);
    if (r === undefined || r.id !== a.id) throw invalid(`${list} names id ${printable(a.id)} seq ${a.seq}, which is not in the batch`);
    acknowledged.add(a.seq);
  };
  for (const a of receipt.accepted) {
    take(a, 'accepted');
    const expected = recordDigest(bySeq.get(a.seq)!);
    if (a.digest !== expected) throw invalid(`accepted seq ${a.seq} has digest ${printable(a.digest)}, expected ${expected}`);
  }
  for (const a of receipt.duplicates) take(a, 'duplicates');
  for (const a of receipt.rejected) take(a, 'rejected');
  return acknowledged;
}
