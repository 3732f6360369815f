// The App collector's pure rules (docs/collector-protocol.md): the shape of an upload batch and
// of each record in it, the digests a receipt lists, the receipt's signature, the per-device
// sequence bookkeeping that makes lost records visible (gaps), and the token-bucket maths of the
// rate limits. No I/O: the clock, the key and the stores come in from app/collector-*.ts.
//
// Everything in a batch is attacker-controlled: bounded, checked field by field, compared
// literally; a bad record becomes a rejection with a reason, never a throw.
import { createHash } from 'node:crypto';
import { canonicalBytes, canonicalize, parseStrictJson } from '../ledger/canonical.js';
import { ed25519Verifier, generateNoteKey, keyId, parseSignerKey, type NoteSigner } from '../ledger/note.js';

export const DEVICE_SCHEMA = 'trailmark.device/v1';
export const BATCH_SCHEMA = 'trailmark.batch/v1';
export const RECEIPT_SCHEMA = 'trailmark.receipt/v1';
/** src/capture/types.ts SPOOL_RECORD_SCHEMA (engine may not import capture/: the wire value is repeated here). */
export const SPOOL_RECORD_SCHEMA = 'trailmark.spool/v1';
/** src/capture/types.ts TRACE_METADATA_KEY: trailmark's block in an Agent Trace record's `metadata`. */
export const TRACE_METADATA_KEY = 'dev.trailmark';

/** Upload limits per token (docs/collector.md; each configurable by the App's environment). */
export interface CollectorLimits {
  readonly batchRecords: number;
  readonly batchBytes: number;
  readonly recordBytes: number;
  readonly batchesPerMinute: number;
  readonly recordsPerHour: number;
}

export const DEFAULT_COLLECTOR_LIMITS: CollectorLimits = {
  batchRecords: 500,
  batchBytes: 4 * 1024 * 1024,
  recordBytes: 1024 * 1024,
  batchesPerMinute: 120,
  recordsPerHour: 20_000,
};

/** Device ids: the client's `d_` + 26 base32 characters; any id used as a file name matches this. */
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Record ids: UUIDs in practice; bounded and path- and log-safe. */
const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** GitHub owner/name grammar (app/record-store.ts checks the same before naming a directory). */
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** The largest sequence number kept (JSON-safe integer). */
const SEQ_MAX = Number.MAX_SAFE_INTEGER;
/** Gap ranges kept per device; beyond it the oldest are merged into one (the count stays exact). */
export const GAP_RANGES_MAX = 1_000;

export function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_ID.test(value);
}

export function isRecordId(value: unknown): value is string {
  return typeof value === 'string' && RECORD_ID.test(value);
}

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The upload token a device registration issues: `tmu_` + 32 random bytes, base64url. */
export function newUploadToken(random: { bytes(n: number): Uint8Array }): string {
  return `tmu_${Buffer.from(random.bytes(32)).toString('base64url')}`;
}

/** Hex SHA-256 of an upload token: the only form the App stores. */
export function uploadTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `tmu_` + 43 base64url characters (32 bytes). */
export function isUploadToken(token: string): boolean {
  return /^tmu_[A-Za-z0-9_-]{43}$/.test(token);
}

// ---------------------------------------------------------------------------------------------
// Device registration body

export interface DeviceRequest {
  readonly device: string;
  readonly owner: string;
  readonly repo: string;
  readonly name?: string;
}

/** The registration body, or the problem with it (422). */
export function parseDeviceRequest(text: string): DeviceRequest | { readonly problem: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { problem: 'the body is not a JSON object' };
  const o = doc as Record<string, unknown>;
  if (o.schema !== DEVICE_SCHEMA) return { problem: `schema must be ${DEVICE_SCHEMA}` };
  if (!isDeviceId(o.device)) return { problem: 'device must be 1 to 64 characters of letters, digits, _ and -' };
  if (typeof o.repository !== 'string' || !REPOSITORY.test(o.repository)) return { problem: 'repository must be OWNER/NAME' };
  const [owner, repo] = o.repository.split('/') as [string, string];
  if (owner === '.' || owner === '..' || repo === '.' || repo === '..') return { problem: 'repository must be OWNER/NAME' };
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length > 100)) return { problem: 'name must be a string of at most 100 characters' };
  return { device: o.device, owner, repo, ...(typeof o.name === 'string' ? { name: o.name } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Batches

/** One record of a batch, checked for shape (the trace itself is checked by recordCaptured). */
export interface BatchRecord {
  readonly id: string;
  readonly device: string;
  readonly seq: number;
  readonly time: string;
  readonly repository: string;
  readonly stage: 'edit' | 'commit';
  readonly trace: Readonly<Record<string, unknown>>;
  /** `sha256:` of the record's RFC 8785 canonical JSON (what the receipt lists). */
  readonly digest: string;
  /** The trace as RFC 8785 canonical JSON: the bytes the collector stores. */
  readonly traceText: string;
}

export interface ReceiptAccepted { readonly id: string; readonly seq: number; readonly digest: string }
export interface ReceiptDuplicate { readonly id: string; readonly seq: number }
export interface ReceiptRejected { readonly id: string; readonly seq: number; readonly reason: string }
export interface SeqRange { readonly from: number; readonly to: number }

export type BatchParse =
  | { readonly status: 'ok'; readonly device: string; readonly valid: readonly BatchRecord[]; readonly rejected: readonly ReceiptRejected[] }
  | { readonly status: 'invalid'; readonly problem: string }
  | { readonly status: 'too-many'; readonly count: number };

/**
 * Parses a batch body for the device `tokenDevice`. A body that is not a batch of this device is
 * `invalid` (422); over `batchRecords` records is `too-many` (413). Each record that fails a
 * check is rejected with a reason and does not stop the others. Records must come in strictly
 * ascending `seq`: one that does not is rejected (`seq-order`).
 */
export function parseBatch(text: string, tokenDevice: string, limits: CollectorLimits): BatchParse {
  let doc: unknown;
  try {
    // Strict: duplicate keys or lone surrogates would make the canonical digest ambiguous.
    doc = parseStrictJson(text);
  } catch {
    return { status: 'invalid', problem: 'the body is not strict JSON (no duplicate keys, no lone surrogates)' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { status: 'invalid', problem: 'the body is not a JSON object' };
  const o = doc as Record<string, unknown>;
  if (o.schema !== BATCH_SCHEMA) return { status: 'invalid', problem: `schema must be ${BATCH_SCHEMA}` };
  if (o.device !== tokenDevice) return { status: 'invalid', problem: "device does not match the upload token's device" };
  if (!Array.isArray(o.records)) return { status: 'invalid', problem: 'records must be an array' };
  if (o.records.length > limits.batchRecords) return { status: 'too-many', count: o.records.length };
  const valid: BatchRecord[] = [];
  const rejected: ReceiptRejected[] = [];
  let last = 0;
  for (const item of o.records as unknown[]) {
    const checked = checkRecord(item, tokenDevice, limits);
    if ('reason' in checked) {
      rejected.push(checked);
      continue;
    }
    if (checked.seq <= last) {
      rejected.push({ id: checked.id, seq: checked.seq, reason: 'seq-order' });
      continue;
    }
    last = checked.seq;
    valid.push(checked);
  }
  return { status: 'ok', device: tokenDevice, valid, rejected };
}

function checkRecord(item: unknown, device: string, limits: CollectorLimits): BatchRecord | ReceiptRejected {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return { id: '', seq: 0, reason: 'not-an-object' };
  const r = item as Record<string, unknown>;
  const id = isRecordId(r.id) ? r.id : '';
  const seq = typeof r.seq === 'number' && Number.isSafeInteger(r.seq) && r.seq >= 1 && r.seq <= SEQ_MAX ? r.seq : 0;
  const reject = (reason: string): ReceiptRejected => ({ id, seq, reason });
  if (id === '') return reject('bad-id');
  if (seq === 0) return reject('bad-seq');
  if (r.schema !== SPOOL_RECORD_SCHEMA) return reject('bad-schema');
  if (r.device !== device) return reject('device-mismatch');
  if (typeof r.time !== 'string' || !RFC3339.test(r.time)) return reject('bad-time');
  if (typeof r.repository !== 'string' || !REPOSITORY.test(r.repository)) return reject('no-repository');
  if (r.stage !== 'edit' && r.stage !== 'commit') return reject('bad-stage');
  if (typeof r.trace !== 'object' || r.trace === null || Array.isArray(r.trace)) return reject('bad-trace');
  // trailmark's own block in the trace (src/capture/types.ts TRACE_METADATA_KEY), when present,
  // must say what the spool record says: a receipt never vouches for a trace claiming another
  // device, seq or stage.
  const metadata = (r.trace as Record<string, unknown>).metadata;
  const own = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>)[TRACE_METADATA_KEY] : undefined;
  if (own !== undefined) {
    if (typeof own !== 'object' || own === null || Array.isArray(own)) return reject('metadata-mismatch');
    const m = own as Record<string, unknown>;
    if (m.device !== device || (m.seq !== undefined && m.seq !== seq) || (m.stage !== undefined && m.stage !== r.stage)) return reject('metadata-mismatch');
  }
  let canonical: Uint8Array;
  let traceText: string;
  try {
    canonical = canonicalBytes(item);
    traceText = canonicalize(r.trace);
  } catch {
    return reject('not-canonicalizable');
  }
  if (canonical.byteLength > limits.recordBytes) return reject('too-large');
  return {
    id, device, seq, time: r.time, repository: r.repository, stage: r.stage,
    trace: r.trace as Record<string, unknown>, digest: sha256Digest(canonical), traceText,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-device sequence bookkeeping

/** What the collector keeps per device: every accepted record by seq and id, the highest seq, the gaps. */
export interface DeviceLedger {
  readonly high: number;
  /** Missing ranges below `high`, ascending, disjoint. */
  readonly gaps: readonly SeqRange[];
  /** seq (decimal string) -> record id. */
  readonly seqs: Readonly<Record<string, string>>;
  /** record id -> seq and receipt digest. */
  readonly ids: Readonly<Record<string, { readonly seq: number; readonly digest: string }>>;
}

export const EMPTY_DEVICE_LEDGER: DeviceLedger = { high: 0, gaps: [], seqs: {}, ids: {} };

export type Admission = { readonly status: 'duplicate' } | { readonly status: 'conflict' } | { readonly status: 'new' };

/** Whether a record is a replay of one already accepted, reuses another record's seq, or is new. */
export function admit(state: DeviceLedger, record: { readonly id: string; readonly seq: number }): Admission {
  if (Object.hasOwn(state.ids, record.id)) return { status: 'duplicate' };
  if (Object.hasOwn(state.seqs, String(record.seq))) return { status: 'conflict' };
  return { status: 'new' };
}

/** `state` after accepting `record`: the seq above `high` opens a gap, one below it fills one. */
export function accept(state: DeviceLedger, record: ReceiptAccepted): DeviceLedger {
  const seqs = { ...state.seqs, [String(record.seq)]: record.id };
  const ids = { ...state.ids, [record.id]: { seq: record.seq, digest: record.digest } };
  if (record.seq > state.high) {
    const gaps = record.seq > state.high + 1 ? [...state.gaps, { from: state.high + 1, to: record.seq - 1 }] : [...state.gaps];
    return { high: record.seq, gaps: boundGaps(gaps), seqs, ids };
  }
  return { high: state.high, gaps: fill(state.gaps, record.seq), seqs, ids };
}

function fill(gaps: readonly SeqRange[], seq: number): SeqRange[] {
  const out: SeqRange[] = [];
  for (const g of gaps) {
    if (seq < g.from || seq > g.to) out.push(g);
    else {
      if (g.from < seq) out.push({ from: g.from, to: seq - 1 });
      if (seq < g.to) out.push({ from: seq + 1, to: g.to });
    }
  }
  return out;
}

/** Keeps at most GAP_RANGES_MAX ranges: the oldest two are merged (a wider range, never a lost one). */
function boundGaps(gaps: SeqRange[]): SeqRange[] {
  while (gaps.length > GAP_RANGES_MAX) {
    const [a, b] = gaps as [SeqRange, SeqRange];
    gaps.splice(0, 2, { from: a.from, to: b.to });
  }
  return gaps;
}

// ---------------------------------------------------------------------------------------------
// Receipts

export interface ReceiptSignature { readonly alg: 'ed25519'; readonly kid: string; readonly value: string }

export interface UnsignedReceipt {
  readonly schema: typeof RECEIPT_SCHEMA;
  readonly collector: string;
  readonly installation: number;
  readonly device: string;
  readonly time: string;
  readonly batch: string;
  readonly accepted: readonly ReceiptAccepted[];
  readonly duplicates: readonly ReceiptDuplicate[];
  readonly rejected: readonly ReceiptRejected[];
  readonly gaps: readonly SeqRange[];
}

export interface Receipt extends UnsignedReceipt {
  readonly sig: ReceiptSignature;
}

/** The collector's Ed25519 key: a note signer key (PRIVATE+KEY+name+hash+base64), its kid and raw public key. */
export interface CollectorKey {
  readonly signer: NoteSigner;
  readonly keyId: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
}

/** A new collector key named `name` from a 32-byte seed; returns the signer key text to persist. */
export function generateCollectorKey(name: string, seed: Uint8Array): string {
  return generateNoteKey(name, seed).signerKey;
}

export function collectorKeyOf(signerKeyText: string): CollectorKey {
  const signer = parseSignerKey(signerKeyText);
  return { signer, keyId: keyId(signer), publicKey: Buffer.from(signer.publicKey).toString('base64') };
}

/** Sorts each list of the receipt by seq, then id, and signs the canonical JSON of the rest. */
export function signReceipt(unsigned: UnsignedReceipt, key: CollectorKey): Receipt {
  const bySeq = <T extends { seq: number; id: string }>(list: readonly T[]) => [...list].sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const body: UnsignedReceipt = { ...unsigned, accepted: bySeq(unsigned.accepted), duplicates: bySeq(unsigned.duplicates), rejected: bySeq(unsigned.rejected) };
  const value = Buffer.from(key.signer.sign(canonicalBytes(body))).toString('base64');
  return { ...body, sig: { alg: 'ed25519', kid: key.keyId, value } };
}

/** Whether `receipt` carries a valid Ed25519 signature by `publicKey` (base64 raw 32 bytes) over its canonical JSON without `sig`. */
export function verifyReceipt(receipt: unknown, publicKey: string): boolean {
  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) return false;
  const { sig, ...rest } = receipt as Record<string, unknown>;
  if (typeof sig !== 'object' || sig === null) return false;
  const { alg, kid, value } = sig as Record<string, unknown>;
  if (alg !== 'ed25519' || typeof kid !== 'string' || typeof value !== 'string') return false;
  const raw = Buffer.from(publicKey, 'base64');
  if (raw.byteLength !== 32) return false;
  try {
    return ed25519Verifier(kid, raw)(canonicalBytes(rest), Buffer.from(value, 'base64'));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Rate limits: two token buckets per upload token

export interface Bucket { readonly tokens: number; readonly at: number }
export interface Buckets { readonly batches: Bucket; readonly records: Bucket }

/** Full buckets at `now`. */
export function fullBuckets(limits: CollectorLimits, now: number): Buckets {
  return { batches: { tokens: limits.batchesPerMinute, at: now }, records: { tokens: limits.recordsPerHour, at: now } };
}

function refill(b: Bucket, capacity: number, perMs: number, now: number): Bucket {
  const elapsed = Math.max(0, now - b.at);
  return { tokens: Math.min(capacity, b.tokens + elapsed * perMs), at: Math.max(b.at, now) };
}

/**
 * Takes one batch and `records` records from the buckets at `now`. Refused: the buckets are left
 * as they were (refilled) and `retryAfter` says in whole seconds when both would have enough.
 */
export function takeTokens(state: Buckets, limits: CollectorLimits, now: number, records: number): { readonly ok: true; readonly state: Buckets } | { readonly ok: false; readonly state: Buckets; readonly retryAfter: number } {
  const batchRate = limits.batchesPerMinute / 60_000;
  const recordRate = limits.recordsPerHour / 3_600_000;
  const batches = refill(state.batches, limits.batchesPerMinute, batchRate, now);
  const recs = refill(state.records, limits.recordsPerHour, recordRate, now);
  const needRecords = Math.min(records, limits.recordsPerHour);
  if (batches.tokens >= 1 && recs.tokens >= needRecords) {
    return { ok: true, state: { batches: { tokens: batches.tokens - 1, at: batches.at }, records: { tokens: recs.tokens - needRecords, at: recs.at } } };
  }
  const waitBatches = batches.tokens >= 1 ? 0 : (1 - batches.tokens) / batchRate;
  const waitRecords = recs.tokens >= needRecords ? 0 : (needRecords - recs.tokens) / recordRate;
  return { ok: false, state: { batches, records: recs }, retryAfter: Math.max(1, Math.ceil(Math.max(waitBatches, waitRecords) / 1000)) };
}
