// The collector's pure rules (src/engine/collector.ts), the report's capture-gap bookkeeping
// (src/report/capture-gaps.ts), and the App's collector key and limits: table tests with real
// Ed25519 keys and real files.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { collectorKeyPath, loadCollectorKey } from '../../app/collector-key.js';
import { readCollectorLimits } from '../../app/collector-settings.js';
import { systemRandom } from '../../src/core/ports.js';
import {
  DEFAULT_COLLECTOR_LIMITS, EMPTY_DEVICE_LEDGER, GAP_RANGES_MAX, accept, admit, collectorKeyOf, fullBuckets, generateCollectorKey, isUploadToken, newUploadToken,
  parseBatch, parseDeviceRequest, signReceipt, takeTokens, uploadTokenHash, verifyReceipt, type DeviceLedger, type UnsignedReceipt,
} from '../../src/engine/collector.js';
import { canonicalize } from '../../src/ledger/canonical.js';
import { CaptureGapTracker } from '../../src/report/capture-gaps.js';

const DEVICE = 'd_abcdefghijklmnopqrstuvwxyz';
const trace = { version: '0.1.0', id: 't', timestamp: '2026-12-01T00:00:00Z', files: [] };
const rec = (seq: number, extra: Record<string, unknown> = {}) => ({ schema: 'trailmark.spool/v1', id: `id-${seq}`, device: DEVICE, seq, time: '2026-12-01T00:00:00Z', repository: 'acme/widgets', stage: 'commit', trace, ...extra });
const batch = (records: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ schema: 'trailmark.batch/v1', device: DEVICE, records, ...extra });

describe('parseBatch', () => {
  test.each([
    ['not JSON', '{', 'invalid'],
    ['duplicate keys', '{"schema":"trailmark.batch/v1","schema":"x","device":"d","records":[]}', 'invalid'],
    ['an array', '[]', 'invalid'],
    ['another schema', batch([], { schema: 'trailmark.batch/v2' }), 'invalid'],
    ["another device than the token's", batch([], { device: 'd_other' }), 'invalid'],
    ['records not an array', batch([], { records: {} }), 'invalid'],
    ['too many records', batch([rec(1), rec(2), rec(3)]), 'too-many'],
  ])('%s -> %s', (_name, text, status) => {
    expect(parseBatch(text, DEVICE, { ...DEFAULT_COLLECTOR_LIMITS, batchRecords: 2 }).status).toBe(status);
  });

  test.each([
    ['not an object', 'x', '', 0, 'not-an-object'],
    ['a bad id', rec(1, { id: '../x' }), '', 1, 'bad-id'],
    ['seq 0', rec(0), 'id-0', 0, 'bad-seq'],
    ['a fractional seq', rec(1.5), 'id-1.5', 0, 'bad-seq'],
    ['another schema', rec(1, { schema: 'x' }), 'id-1', 1, 'bad-schema'],
    ['another device', rec(1, { device: 'd_other' }), 'id-1', 1, 'device-mismatch'],
    ['a bad time', rec(1, { time: 'yesterday' }), 'id-1', 1, 'bad-time'],
    ['no repository', rec(1, { repository: undefined }), 'id-1', 1, 'no-repository'],
    ['a path as repository', rec(1, { repository: '../../etc' }), 'id-1', 1, 'no-repository'],
    ['another stage', rec(1, { stage: 'draft' }), 'id-1', 1, 'bad-stage'],
    ['a trace that is not an object', rec(1, { trace: [] }), 'id-1', 1, 'bad-trace'],
    ['a record over the limit', rec(1, { trace: { pad: 'x'.repeat(2000) } }), 'id-1', 1, 'too-large'],
    ['trace metadata naming another device', rec(1, { trace: { ...trace, metadata: { 'dev.trailmark': { device: 'd_other', stage: 'commit' } } } }), 'id-1', 1, 'metadata-mismatch'],
    ['trace metadata naming another seq', rec(1, { trace: { ...trace, metadata: { 'dev.trailmark': { device: DEVICE, seq: 2 } } } }), 'id-1', 1, 'metadata-mismatch'],
    ['trace metadata naming another stage', rec(1, { trace: { ...trace, metadata: { 'dev.trailmark': { device: DEVICE, stage: 'edit' } } } }), 'id-1', 1, 'metadata-mismatch'],
    ['trace metadata that is not an object', rec(1, { trace: { ...trace, metadata: { 'dev.trailmark': 'x' } } }), 'id-1', 1, 'metadata-mismatch'],
  ])('rejects a record with %s', (_name, record, id, seq, reason) => {
    const r = parseBatch(batch([record]), DEVICE, { ...DEFAULT_COLLECTOR_LIMITS, recordBytes: 1000 });
    expect(r).toMatchObject({ status: 'ok', valid: [], rejected: [{ id, seq, reason }] });
  });

  test('accepts trace metadata that agrees with the record, and a trace without it', () => {
    const agreeing = rec(1, { trace: { ...trace, metadata: { 'dev.trailmark': { device: DEVICE, seq: 1, stage: 'commit' }, other: 1 } } });
    expect(parseBatch(batch([agreeing, rec(2)]), DEVICE, DEFAULT_COLLECTOR_LIMITS)).toMatchObject({ status: 'ok', rejected: [], valid: [{ seq: 1 }, { seq: 2 }] });
  });

  test('keeps ascending records, rejects one out of order, and digests the canonical JSON', () => {
    const records = [rec(1), rec(3), rec(2), rec(4)];
    const r = parseBatch(batch(records), DEVICE, DEFAULT_COLLECTOR_LIMITS);
    if (r.status !== 'ok') throw new Error(r.status);
    expect(r.valid.map((v) => v.seq)).toEqual([1, 3, 4]);
    expect(r.rejected).toEqual([{ id: 'id-2', seq: 2, reason: 'seq-order' }]);
    expect(r.valid[0]!.traceText).toBe(canonicalize(trace));
    expect(r.valid[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.valid[0]!.digest).not.toBe(r.valid[1]!.digest);
  });
});

describe('device sequences', () => {
  const apply = (seqs: number[]): DeviceLedger => seqs.reduce((s, seq) => accept(s, { id: `id-${seq}`, seq, digest: 'sha256:x' }), EMPTY_DEVICE_LEDGER);

  test.each([
    [[1, 2, 3], 3, []],
    [[1, 5], 5, [{ from: 2, to: 4 }]],
    [[3], 3, [{ from: 1, to: 2 }]],
    [[1, 5, 3], 5, [{ from: 2, to: 2 }, { from: 4, to: 4 }]],
    [[1, 5, 2, 3, 4], 5, []],
    [[1, 4, 8, 6], 8, [{ from: 2, to: 3 }, { from: 5, to: 5 }, { from: 7, to: 7 }]],
  ])('accepting %j gives high %i and gaps %j', (seqs, high, gaps) => {
    expect(apply(seqs)).toMatchObject({ high, gaps });
  });

  test('a known id is a duplicate, a used seq under another id a conflict', () => {
    const s = apply([1, 2]);
    expect(admit(s, { id: 'id-1', seq: 1 })).toEqual({ status: 'duplicate' });
    expect(admit(s, { id: 'id-1', seq: 9 })).toEqual({ status: 'duplicate' });
    expect(admit(s, { id: 'other', seq: 2 })).toEqual({ status: 'conflict' });
    expect(admit(s, { id: 'other', seq: 3 })).toEqual({ status: 'new' });
    expect(admit(s, { id: '__proto__', seq: 4 })).toEqual({ status: 'new' });
  });

  test(`keeps at most ${GAP_RANGES_MAX} gap ranges by widening the oldest, never dropping one`, () => {
    const seqs = Array.from({ length: GAP_RANGES_MAX + 3 }, (_, i) => 2 * (i + 1));
    const s = apply(seqs);
    expect(s.gaps).toHaveLength(GAP_RANGES_MAX);
    expect(s.gaps[0]).toEqual({ from: 1, to: 7 });
    expect(s.gaps.at(-1)).toEqual({ from: seqs.at(-1)! - 1, to: seqs.at(-1)! - 1 });
  });
});

describe('receipts', () => {
  const key = collectorKeyOf(generateCollectorKey('trailmark-collector', randomBytes(32)));
  const other = collectorKeyOf(generateCollectorKey('trailmark-collector', randomBytes(32)));
  const unsigned: UnsignedReceipt = {
    schema: 'trailmark.receipt/v1', collector: 'https://c.example', installation: 7, device: DEVICE, time: '2026-12-01T00:00:00.000Z', batch: 'sha256:00',
    accepted: [{ id: 'b', seq: 2, digest: 'sha256:2' }, { id: 'a', seq: 1, digest: 'sha256:1' }], duplicates: [], rejected: [{ id: '', seq: 0, reason: 'not-an-object' }], gaps: [],
  };

  test('signs the canonical JSON without sig, lists sorted by seq; verifies only with the right key and untouched', () => {
    const r = signReceipt(unsigned, key);
    expect(r.accepted.map((a) => a.seq)).toEqual([1, 2]);
    expect(r.sig).toMatchObject({ alg: 'ed25519', kid: key.keyId });
    expect(verifyReceipt(r, key.publicKey)).toBe(true);
    expect(verifyReceipt(JSON.parse(JSON.stringify(r)), key.publicKey)).toBe(true);
    expect(verifyReceipt(r, other.publicKey)).toBe(false);
    expect(verifyReceipt({ ...r, installation: 8 }, key.publicKey)).toBe(false);
    expect(verifyReceipt({ ...r, sig: { ...r.sig, alg: 'rsa' } }, key.publicKey)).toBe(false);
    expect(verifyReceipt({ ...r, sig: undefined }, key.publicKey)).toBe(false);
    expect(verifyReceipt(r, 'AAAA')).toBe(false);
    expect(verifyReceipt(null, key.publicKey)).toBe(false);
  });

  test('the collector key is made once, kept with mode 0600, and read back the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trailmark-collector-key-'));
    const [a, b] = await Promise.all([loadCollectorKey(dir, systemRandom), loadCollectorKey(dir, systemRandom)]);
    const c = await loadCollectorKey(dir, systemRandom);
    expect(a.keyId).toBe(c.keyId);
    expect(b.keyId).toBe(c.keyId);
    expect(c.publicKey).toBe(a.publicKey);
    expect((await stat(collectorKeyPath(dir))).mode & 0o777).toBe(0o600);
    expect(await readFile(collectorKeyPath(dir), 'utf8')).toMatch(/^PRIVATE\+KEY\+trailmark-collector\+/);
  });
});

describe('upload tokens and registration bodies', () => {
  test('tokens are tmu_ + 43 base64url characters; only their hash is stored', () => {
    const t = newUploadToken(systemRandom);
    expect(isUploadToken(t)).toBe(true);
    expect(isUploadToken(`${t}x`)).toBe(false);
    expect(isUploadToken('ghu_abc')).toBe(false);
    expect(uploadTokenHash(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(newUploadToken(systemRandom)).not.toBe(t);
  });

  test.each([
    ['{', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['{"schema":"trailmark.device/v2","device":"d_x","repository":"a/b"}', 'schema'],
    ['{"schema":"trailmark.device/v1","device":"../x","repository":"a/b"}', 'device'],
    ['{"schema":"trailmark.device/v1","device":"d_x","repository":"a"}', 'repository'],
    ['{"schema":"trailmark.device/v1","device":"d_x","repository":"../.."}', 'repository'],
    ['{"schema":"trailmark.device/v1","device":"d_x","repository":"a/b","name":5}', 'name'],
  ])('refuses %s', (text, what) => {
    expect((parseDeviceRequest(text) as { problem: string }).problem).toContain(what);
  });

  test('accepts a valid body', () => {
    expect(parseDeviceRequest('{"schema":"trailmark.device/v1","device":"d_x","repository":"acme/widgets","name":"laptop"}')).toEqual({ device: 'd_x', owner: 'acme', repo: 'widgets', name: 'laptop' });
  });
});

describe('rate limits', () => {
  const limits = { ...DEFAULT_COLLECTOR_LIMITS, batchesPerMinute: 2, recordsPerHour: 100 };

  test('two batches a minute: the third waits 30 s; records per hour: a batch over what is left waits for it', () => {
    let s = fullBuckets(limits, 0);
    for (const at of [0, 0]) {
      const r = takeTokens(s, limits, at, 10);
      expect(r.ok).toBe(true);
      s = r.state;
    }
    const refused = takeTokens(s, limits, 0, 10);
    expect(refused).toMatchObject({ ok: false, retryAfter: 30 });
    expect(takeTokens(refused.state, limits, 30_000, 10).ok).toBe(true);
    // 80 records left; 90 more need 10 records' refill: 10 * 36 s.
    const records = takeTokens(fullBuckets(limits, 0), limits, 0, 20);
    expect(takeTokens(records.state, limits, 0, 90)).toMatchObject({ ok: false, retryAfter: 360 });
  });

  test('a clock going back does not add tokens', () => {
    const s = takeTokens(takeTokens(fullBuckets(limits, 60_000), limits, 60_000, 1).state, limits, 60_000, 1).state;
    expect(takeTokens(s, limits, 0, 1).ok).toBe(false);
  });

  test('limits from the environment: defaults when unset, refused with a hint when not a positive integer', () => {
    expect(readCollectorLimits({})).toBeUndefined();
    expect(readCollectorLimits({ TRAILMARK_COLLECTOR_BATCH_RECORDS: '50' })).toEqual({ ...DEFAULT_COLLECTOR_LIMITS, batchRecords: 50 });
    for (const bad of ['0', '-1', '1.5', 'many', '1000001']) {
      expect(() => readCollectorLimits({ TRAILMARK_COLLECTOR_BATCHES_PER_MINUTE: bad })).toThrow(/TRAILMARK_COLLECTOR_BATCHES_PER_MINUTE/);
    }
  });
});

describe('report capture gaps', () => {
  test.each([
    [[1, 2, 3], 0, []],
    [[3, 1], 1, [{ from: 2, to: 2 }]],
    [[1, 10, 5, 6, 4], 5, [{ from: 2, to: 3 }, { from: 7, to: 9 }]],
    [[5, 3, 1, 2, 4], 0, []],
    [[2, 2, 4], 2, [{ from: 1, to: 1 }, { from: 3, to: 3 }]],
  ])('seqs %j: %i missing, ranges %j', (seqs, missingCount, missing) => {
    const t = new CaptureGapTracker();
    for (const seq of seqs) t.add('L', { device: DEVICE, seq, repository: 'acme/widgets' });
    expect(t.rows(() => true)).toEqual([{ ledger: 'L', device: DEVICE, records: seqs.length, high: Math.max(...seqs), missingCount, missing }]);
  });

  test('entries without a valid device or seq are ignored; devices are kept per ledger; the repository filter applies', () => {
    const t = new CaptureGapTracker();
    t.add('L', { seq: 1 });
    t.add('L', { device: '../x', seq: 1 });
    t.add('L', { device: DEVICE, seq: 0 });
    expect(t.seen).toBe(false);
    t.add('A', { device: DEVICE, seq: 1, repository: 'acme/a' });
    t.add('B', { device: DEVICE, seq: 2, repository: 'acme/b' });
    expect(t.rows(() => true).map((r) => [r.ledger, r.missingCount])).toEqual([['B', 1], ['A', 0]]);
    expect(t.rows((r) => r === 'acme/a').map((r) => r.ledger)).toEqual(['A']);
  });
});
