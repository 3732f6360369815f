// Retention over real ledgers (directory store, Ed25519 keys) with entries written at different
// times: exactly the openings of old entries are erased, the ledger still verifies, a signed
// `retention` entry lists them, and a second run changes nothing.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseRetentionPeriod, retentionCutoff } from '../../src/core/policy.js';
import type { CaptureRecordStore, StoredCaptureRecord } from '../../src/core/ports.js';
import { eraseFromLedger } from '../../src/engine/ledger.js';
import { buildReport } from '../../src/engine/report.js';
import { applyRetention } from '../../src/engine/retention.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { RECORD_KIND, RECORD_SCHEMA } from '../../src/ledger/kinds/record.js';
import { RETENTION_KIND, RETENTION_SCHEMA, type RetentionBody } from '../../src/ledger/kinds/retention.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { displaySubject, ERASED } from '../../src/ledger/subjects.js';
import { ORIGIN, changeBody, fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { runCli } from '../cli-ledger/harness.js';

const key = testKey();
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

/** A change entry committing `subjects` (role -> value), written at `time`. */
function changeDraft(i: number, subjects: Record<string, string>): EntryDraft {
  return { kind: 'change.analyzed', policy: 'default-1', body: (ctx) => ({ ...changeBody(i), subjects: Object.fromEntries(Object.entries(subjects).map(([r, v]) => [r, ctx.commit(v)])) }) };
}

function recordDraft(text: string, repository = 'octo/repo'): EntryDraft {
  const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
  return { kind: RECORD_KIND, policy: 'default-1', body: { schema: RECORD_SCHEMA, repository, format: 'agent-trace', digest, bytes: Buffer.byteLength(text), ranges: 1, job: `record:${repository}:${digest}` } };
}

/** Appends each batch at its time, with the real appender. */
async function buildLedger(dir: string, batches: readonly { at: number; drafts: EntryDraft[] }[]): Promise<void> {
  const clock = fixedClock(batches[0]!.at);
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock, random: seededRandom() });
  for (const b of batches) {
    clock.tick(b.at - clock.now());
    await ledger.append(b.drafts);
  }
}

const HISTORY = [
  { at: Date.UTC(2019, 0, 10), drafts: [changeDraft(0, { 'pr.author': 'octocat', 'commit.author': 'Mona <mona@example.com>' })] }, // seq 0: past 3y
  { at: Date.UTC(2023, 5, 1), drafts: [changeDraft(1, { 'pr.author': 'hubot' })] }, // seq 1: past 3y (cutoff 2023-12-04)
  { at: Date.UTC(2024, 0, 10), drafts: [changeDraft(2, { 'pr.author': 'octocat' })] }, // seq 2: kept
  { at: Date.UTC(2026, 10, 30), drafts: [changeDraft(3, { 'pr.author': 'mona' })] }, // seq 3: kept
];

function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `trailmark-retention-${label}-`));
}

async function retentionEntries(dir: string) {
  const out = [];
  for await (const e of readEntries(openDirStore(dir))) if (e.entry.kind === RETENTION_KIND) out.push(e);
  return out;
}

describe('retention periods', () => {
  it('parses d, w, m, y and computes UTC calendar cutoffs', () => {
    expect(parseRetentionPeriod('7y')).toEqual({ amount: 7, unit: 'y', text: '7y' });
    expect(parseRetentionPeriod('30d')).toEqual({ amount: 30, unit: 'd', text: '30d' });
    expect(new Date(retentionCutoff(parseRetentionPeriod('3y')!, NOW)).toISOString()).toBe('2023-12-04T12:00:00.000Z');
    expect(new Date(retentionCutoff(parseRetentionPeriod('18m')!, NOW)).toISOString()).toBe('2025-06-04T12:00:00.000Z');
    expect(new Date(retentionCutoff(parseRetentionPeriod('2w')!, NOW)).toISOString()).toBe('2026-11-20T12:00:00.000Z');
    expect(new Date(retentionCutoff(parseRetentionPeriod('10d')!, NOW)).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    for (const bad of ['', '7', 'y', '0y', '-1y', '7h', '7 years', '1.5y', '007y', '123456y']) expect(parseRetentionPeriod(bad)).toBeUndefined();
  });

  it('reads retention from the policy file, merges over a base, and refuses bad durations', () => {
    const p = parsePolicy('retention: { subjects: 3y, records: 7y, prompts: 1y }\n');
    expect(p.retention).toEqual({ subjects: { amount: 3, unit: 'y', text: '3y' }, records: { amount: 7, unit: 'y', text: '7y' }, prompts: { amount: 1, unit: 'y', text: '1y' } });
    expect(parsePolicy('retention: { records: 30d }\n', { base: p }).retention).toEqual({ ...p.retention, records: { amount: 30, unit: 'd', text: '30d' } });
    expect(parsePolicy('fail-on: none\n').retention).toBeUndefined();
    expect(() => parsePolicy('retention: { records: 7 years }\n')).toThrow(/retention\.records: "7 years" is not a duration \(write a positive whole number and a unit: 30d, 12w, 18m, 7y/);
    expect(() => parsePolicy('retention: { subjects: 0d }\n')).toThrow(ConfigError);
    expect(() => parsePolicy('retention: { records: 7 }\n')).toThrow(/retention\.records: must be string/);
    expect(() => parsePolicy('retention: { record: 7y }\n')).toThrow(/unknown key "retention.record" \(did you mean "retention.records"\?\)/);
  });
});

describe('applyRetention', () => {
  it('erases exactly the openings of entries older than subjects:, appends one retention entry, verifies, and is idempotent', async () => {
    const dir = join(tempDir('subjects'), 'ledger');
    await buildLedger(dir, HISTORY);
    const store = openDirStore(dir);
    const before = await store.readSubjects();
    const old = before.filter((r) => r.seq <= 1).map((r) => r.commitment).sort();
    expect(old).toHaveLength(3);

    const policy = parsePolicy('retention: { subjects: 3y }\n').retention!;
    const dry = await applyRetention({ store, policy, clock: fixedClock(NOW), policyVersion: 'default-1', dryRun: true });
    expect(dry.rules).toEqual([{ rule: 'subjects', keep: '3y', olderThan: '2023-12-04T12:00:00.000Z', erased: old, seqs: [0, 1], appended: [] }]);
    expect(await store.readSubjects()).toEqual(before);
    expect(await retentionEntries(dir)).toHaveLength(0);

    const result = await applyRetention({ store, policy, clock: fixedClock(NOW), random: seededRandom('r'), signer: key.signer, policyVersion: 'acme-1' });
    expect(result.rules).toEqual([{ rule: 'subjects', keep: '3y', olderThan: '2023-12-04T12:00:00.000Z', erased: old, seqs: [0, 1], appended: [4] }]);
    expect(result.checkpoint).toMatch(/^example\.com\/trailmark-test\n5\n/);
    const after = new Map((await store.readSubjects()).map((r) => [r.commitment, r]));
    for (const r of before) expect(displaySubject(r.commitment, after)).toBe(r.seq <= 1 ? ERASED : 'value' in r ? r.value : '?');
    // The newer octocat commitment (seq 2) stays: retention goes by the committing entry's age, not by value.
    expect(readFileSync(join(dir, 'subjects.jsonl'), 'utf8')).toContain('"octocat"');
    expect(readFileSync(join(dir, 'subjects.jsonl'), 'utf8')).not.toContain('hubot');
    const [entry] = await retentionEntries(dir);
    expect(entry!.seq).toBe(4);
    expect(entry!.entry.policy).toBe('acme-1');
    expect(entry!.entry.time).toBe('2026-12-04T12:00:00.000Z');
    expect(entry!.entry.body).toEqual({ schema: RETENTION_SCHEMA, rule: 'subjects', keep: '3y', olderThan: '2023-12-04T12:00:00.000Z', erased: 3, commitments: old });
    const report = await verifyStore(store, [key.verifier]);
    expect(report.ok).toBe(true);
    expect(report.checkpoint?.size).toBe(5);
    expect(report.kinds).toEqual({ 'change.analyzed': 4, retention: 1 });

    // The report of the week lists them as erased by retention; an erasure on request stays `erasure`.
    await eraseFromLedger(store, 'mona', fixedClock(NOW + 60_000));
    const model = await buildReport([{ store, keys: [key.verifier] }], { since: '2026-11-30T00:00:00Z', until: '2026-12-07T00:00:00Z', clock: fixedClock(NOW) });
    expect(model.provenance.ledgers[0]!.verified).toBe(true);
    expect(model.erasures.map((e) => `${e.seq} ${e.role} ${e.reason}`).sort()).toEqual(['0 commit.author retention', '0 pr.author retention', '1 pr.author retention', '3 pr.author erasure']);
    expect(model.erasures.filter((e) => e.reason === 'retention').map((e) => e.commitment).sort()).toEqual(old);
    expect(JSON.stringify(model)).not.toMatch(/octocat|hubot|mona/);

    const bytes = { entries: readFileSync(join(dir, 'entries.jsonl')), subjects: readFileSync(join(dir, 'subjects.jsonl')) };
    const again = await applyRetention({ store, policy, clock: fixedClock(NOW), random: seededRandom('r2'), signer: key.signer, policyVersion: 'acme-1' });
    expect(again.rules[0]!.erased).toEqual([]);
    expect(again.rules[0]!.appended).toEqual([]);
    expect(again.checkpoint).toBeUndefined();
    expect(readFileSync(join(dir, 'entries.jsonl'))).toEqual(bytes.entries);
    expect(readFileSync(join(dir, 'subjects.jsonl'))).toEqual(bytes.subjects);
  });

  it('deletes capture records past records:, dated by their record entry; a crash before deleting does not list them twice', async () => {
    const dir = join(tempDir('records'), 'ledger');
    await buildLedger(dir, [
      { at: Date.UTC(2018, 3, 1), drafts: [recordDraft('old record'), recordDraft('old record', 'other/repo')] },
      { at: Date.UTC(2025, 3, 1), drafts: [recordDraft('new record')] },
    ]);
    const digest = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
    const held: StoredCaptureRecord[] = [
      { digest: digest('old record'), repository: 'octo/repo', storedAt: NOW },
      // The same bytes posted for another repository: dated by that repository's own record entry.
      { digest: digest('old record'), repository: 'other/repo', storedAt: NOW },
      { digest: digest('new record'), repository: 'octo/repo', storedAt: Date.UTC(2010, 0, 1) },
      // No record entry (written before the collector appended entries): its storage time decides.
      { digest: digest('orphan old'), repository: 'octo/repo', storedAt: Date.UTC(2012, 0, 1) },
      { digest: digest('orphan new'), repository: 'octo/repo', storedAt: Date.UTC(2026, 0, 1) },
    ];
    let failRemove = true;
    const records: CaptureRecordStore = {
      location: 'memory',
      list: () => Promise.resolve([...held]),
      remove: (rs) => {
        if (failRemove) return Promise.reject(new Error('disk unplugged'));
        let n = 0;
        for (const r of rs) {
          const i = held.findIndex((h) => h.digest === r.digest && h.repository === r.repository);
          if (i >= 0) {
            held.splice(i, 1);
            n++;
          }
        }
        return Promise.resolve(n);
      },
    };
    const policy = parsePolicy('retention: { records: 7y, prompts: 1y }\n').retention!;
    const store = openDirStore(dir);
    const opts = { store, policy, records, clock: fixedClock(NOW), random: seededRandom(), signer: key.signer, policyVersion: 'default-1' };
    await expect(applyRetention(opts)).rejects.toThrow('disk unplugged');
    // The entry (commit point) is there, the records are not deleted yet.
    const listed = [digest('old record'), digest('orphan old')].sort();
    expect((await retentionEntries(dir)).map((e) => e.entry.body)).toEqual([{ schema: RETENTION_SCHEMA, rule: 'records', keep: '7y', olderThan: '2019-12-04T12:00:00.000Z', erased: 2, commitments: listed }]);
    expect(held).toHaveLength(5);
    failRemove = false;
    const second = await applyRetention(opts);
    expect(second.rules).toEqual([
      { rule: 'records', keep: '7y', olderThan: '2019-12-04T12:00:00.000Z', erased: listed, seqs: [], appended: [] },
      { rule: 'prompts', keep: '1y', olderThan: '2025-12-04T12:00:00.000Z', erased: [], seqs: [], appended: [], skipped: 'detailed capture records (prompts) are not collected yet; the rule applies once capture lands' },
    ]);
    expect(held.map((h) => `${h.repository} ${h.digest}`).sort()).toEqual([`octo/repo ${digest('new record')}`, `octo/repo ${digest('orphan new')}`].sort());
    expect(await retentionEntries(dir)).toHaveLength(1);
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
    const third = await applyRetention(opts);
    expect(third.rules[0]!.erased).toEqual([]);
    expect(await retentionEntries(dir)).toHaveLength(1);
  });

  it('lists thousands of commitments in several entries of one append (each within the line limit)', async () => {
    const dir = join(tempDir('chunks'), 'ledger');
    // 65 entries of 64 committed logins: 4,160 openings, all past retention.
    const drafts = Array.from({ length: 65 }, (_, i) => changeDraft(i, Object.fromEntries(Array.from({ length: 64 }, (_, j) => [`role-${j}`, `user-${i}-${j}`]))));
    await buildLedger(dir, [{ at: Date.UTC(2020, 0, 1), drafts }]);
    const store = openDirStore(dir);
    const result = await applyRetention({ store, policy: { subjects: parseRetentionPeriod('1y')! }, clock: fixedClock(NOW), random: seededRandom(), signer: key.signer, policyVersion: 'v' });
    expect(result.rules[0]!.erased).toHaveLength(4160);
    expect(result.rules[0]!.appended).toEqual([65, 66, 67, 68, 69, 70]);
    const entries = await retentionEntries(dir);
    expect(entries.map((e) => (e.entry.body as unknown as RetentionBody).erased)).toEqual([800, 800, 800, 800, 800, 160]);
    expect(entries.flatMap((e) => (e.entry.body as unknown as RetentionBody).commitments)).toEqual(result.rules[0]!.erased);
    expect((await store.readSubjects()).every((r) => !('value' in r))).toBe(true);
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
  });

  it('refuses to write without a signer, and does nothing without rules', async () => {
    const dir = join(tempDir('nokey'), 'ledger');
    await buildLedger(dir, HISTORY);
    const store = openDirStore(dir);
    await expect(applyRetention({ store, policy: { subjects: parseRetentionPeriod('1y')! }, clock: fixedClock(NOW), policyVersion: 'x' })).rejects.toThrow(/needs the ledger signing key/);
    expect(await applyRetention({ store, policy: {}, clock: fixedClock(NOW), policyVersion: 'x' })).toEqual({ location: store.location, dryRun: false, rules: [] });
  });
});

describe('trailmark erase --expired', () => {
  /** The App's data directory: installation 7 with its ledger and collector records. */
  async function appData(): Promise<{ root: string; ledger: string; records: string; old: string; fresh: string }> {
    const root = tempDir('app');
    const inst = join(root, 'data', 'installations', '7');
    const ledger = join(inst, 'ledger');
    const day = 86_400_000;
    // Relative to the real clock (the CLI's): years apart, so the test does not depend on the day it runs.
    const now = Date.now();
    await buildLedger(ledger, [
      { at: now - 3000 * day, drafts: [changeDraft(0, { 'pr.author': 'octocat' }), recordDraft('old trace')] },
      { at: now - 10 * day, drafts: [changeDraft(1, { 'pr.author': 'octocat' }), recordDraft('fresh trace')] },
    ]);
    const records = join(inst, 'records', 'octo', 'repo');
    mkdirSync(records, { recursive: true });
    const hex = (t: string) => createHash('sha256').update(t).digest('hex');
    writeFileSync(join(records, `${hex('old trace')}.jsonl`), 'old trace');
    writeFileSync(join(records, `${hex('fresh trace')}.jsonl`), 'fresh trace');
    // Its file time is recent; its record entry (3000 days old) dates it.
    utimesSync(join(records, `${hex('old trace')}.jsonl`), new Date(now), new Date(now));
    writeFileSync(join(root, 'trailmark.yml'), 'retention:\n  subjects: 3y\n  records: 5y\n');
    return { root, ledger, records, old: `${hex('old trace')}.jsonl`, fresh: `${hex('fresh trace')}.jsonl` };
  }

  it('applies the policy to every installation: subjects and records, text and json, then a no-op', async () => {
    const f = await appData();
    const env = { TRAILMARK_SIGNING_KEY: key.signerKey };
    const dry = await runCli(['erase', '--expired', '--app-data', 'data', '--config', 'trailmark.yml', '--dry-run', '--json'], { cwd: f.root, env: {} });
    expect(dry.code).toBe(0);
    const dryDoc = JSON.parse(dry.stdout) as { schema: string; dryRun: boolean; ledgers: { rules: { rule: string; erased: string[]; seqs: number[] }[] }[] };
    expect(dryDoc.schema).toBe('trailmark.erase-expired/v1');
    expect(dryDoc.ledgers[0]!.rules.map((r) => [r.rule, r.erased.length, r.seqs])).toEqual([['subjects', 1, [0]], ['records', 1, []]]);
    expect(readdirSync(f.records).sort()).toEqual([f.old, f.fresh].sort());

    const r = await runCli(['erase', '--expired', '--app-data', 'data', '--config', 'trailmark.yml'], { cwd: f.root, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/subjects \(keep 3y, older than \S+\): erased 1 subject opening\(s\) committed by entries 0; recorded in retention entry 4\n/);
    expect(r.stdout).toMatch(/records \(keep 5y, older than \S+\): erased 1 capture record\(s\); recorded in retention entry 5\n/);
    expect(r.stdout + r.stderr).not.toContain('octocat');
    expect(readdirSync(f.records)).toEqual([f.fresh]);
    expect((await runCli(['verify', '--ledger', f.ledger, '--key', key.verifierKey], { cwd: f.root })).code).toBe(0);

    const again = await runCli(['erase', '--expired', '--app-data', 'data', '--config', 'trailmark.yml', '--json'], { cwd: f.root, env });
    expect(again.code).toBe(0);
    const doc = JSON.parse(again.stdout) as { ledgers: { rules: { erased: string[]; appended: number[] }[]; checkpoint?: string }[] };
    expect(doc.ledgers[0]!.rules.every((x) => x.erased.length === 0 && x.appended.length === 0)).toBe(true);
    expect(doc.ledgers[0]!.checkpoint).toBeUndefined();
  });

  it('rejects bad durations, missing keys and bad combinations with exit 2 and a hint', async () => {
    const f = await appData();
    writeFileSync(join(f.root, 'bad.yml'), 'retention: { subjects: 3 years }\n');
    const bad = await runCli(['erase', '--expired', '--ledger', f.ledger, '--config', 'bad.yml'], { cwd: f.root, env: { TRAILMARK_SIGNING_KEY: key.signerKey } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/retention\.subjects: "3 years" is not a duration[\s\S]*\nhint: /);
    const noKey = await runCli(['erase', '--expired', '--ledger', f.ledger, '--config', 'trailmark.yml'], { cwd: f.root, env: {} });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no ledger signing key[\s\S]*hint: /);
    const noConfig = await runCli(['erase', '--expired', '--ledger', f.ledger], { cwd: f.root, env: {} });
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/cannot read the policy file[\s\S]*hint: run from the repository root/);
    expect((await runCli(['erase', '--expired', '--subject', 'x'], { cwd: f.root })).code).toBe(2);
    expect((await runCli(['erase', '--dry-run', '--subject', 'x'], { cwd: f.root })).code).toBe(2);
    expect((await runCli(['erase'], { cwd: f.root })).code).toBe(2);
    // Nothing was touched by the refused runs.
    expect(readdirSync(f.records).sort()).toEqual([f.old, f.fresh].sort());
  });
});
