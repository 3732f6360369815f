// The report job's retention decisions over real directory ledgers: applied on a verifying
// ledger with the key, skipped (and said why) without a key, on a ledger that does not verify,
// and when the adapter says the platform refused the write; the report is built every time.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { runReportJob } from '../../src/engine/report-job.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import type { LedgerStore } from '../../src/ledger/store.js';
import { ORIGIN, changeBody, fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';

const key = testKey();
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);
const POLICY = parsePolicy('retention: { subjects: 1y }\nsensitive-paths: ["src/**"]\n');

function draft(i: number, login: string): EntryDraft {
  return { kind: 'change.analyzed', policy: 'default-1', body: (ctx) => ({ ...changeBody(i), subjects: { 'pr.author': ctx.commit(login) } }) };
}

async function ledgerDir(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'trailmark-report-job-')), 'ledger');
  const clock = fixedClock(Date.UTC(2024, 0, 8));
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock, random: seededRandom() });
  await ledger.append([draft(0, 'old-login')]);
  clock.tick(Date.UTC(2026, 11, 1) - clock.now());
  await ledger.append([draft(1, 'new-login')]);
  return dir;
}

const base = { repository: 'octo/repo', clock: fixedClock(NOW), random: seededRandom('job') };

describe('runReportJob', () => {
  it('applies retention with the key, then reports the week (last complete week by default)', async () => {
    const dir = await ledgerDir();
    const out = await runReportJob({ ...base, policy: POLICY, store: openDirStore(dir), signer: key.signerKey });
    expect(out.week).toBe('2026-W48');
    expect(out.retention).toMatchObject({ applied: { rules: [{ rule: 'subjects', seqs: [0], appended: [2] }] } });
    expect(out.model.provenance.ledgers[0]).toMatchObject({ verified: true, size: 3 });
    expect(out.markdown).toContain('2026-W48');
    expect(readFileSync(join(dir, 'subjects.jsonl'), 'utf8')).not.toContain('old-login');
    const again = await runReportJob({ ...base, policy: POLICY, store: openDirStore(dir), signer: key.signerKey, week: '2026-W49' });
    expect(again.week).toBe('2026-W49');
    expect(again.retention).toMatchObject({ applied: { rules: [{ erased: [], appended: [] }] } });
    // The erasure happened in 2026-W49: that week's report lists it as retention.
    expect(again.model.erasures.map((e) => [e.seq, e.reason])).toEqual([[0, 'retention']]);
  });

  it('skips retention without a key, on a ledger that does not verify, and when the adapter reports a refusal', async () => {
    const dir = await ledgerDir();
    const noKey = await runReportJob({ ...base, policy: POLICY, store: openDirStore(dir) });
    expect(noKey.retention).toEqual({ skipped: 'the policy sets retention, but without the signing key no retention entry can be signed: nothing erased' });
    expect(noKey.notes).toContain('no signing key: the report cannot verify the ledger signatures and says so in its provenance');
    expect(noKey.model.provenance.ledgers[0]!.verified).toBe(false);

    const readOnly = await runReportJob({ ...base, policy: POLICY, store: openDirStore(dir), signer: key.signerKey, readOnly: 'ledger: none' });
    expect(readOnly.retention).toEqual({ skipped: 'ledger: none' });
    expect(readOnly.model.provenance.ledgers[0]!.verified).toBe(true);

    // A refused write (the Action: a token without contents: write) is a reason, not a crash.
    const store = openDirStore(dir);
    const refusing = new Proxy(store, {
      get: (target, name: keyof LedgerStore) => {
        if (name === 'lock') return () => Promise.reject(Object.assign(new Error('HTTP 403'), { status: 403 }));
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as LedgerStore;
    const refused = await runReportJob({ ...base, policy: POLICY, store: refusing, signer: key.signerKey, retentionRefused: (err) => ((err as { status?: number }).status === 403 ? 'refused: 403' : undefined) });
    expect(refused.retention).toEqual({ skipped: 'refused: 403', refused: true });
    expect(refused.model.provenance.ledgers[0]!.verified).toBe(true);
    await expect(runReportJob({ ...base, policy: POLICY, store: refusing, signer: key.signerKey })).rejects.toThrow('HTTP 403');
    expect(readFileSync(join(dir, 'subjects.jsonl'), 'utf8')).toContain('old-login');

    // Tampered: a flipped byte in an entry. Nothing is erased or signed on top of it.
    const entries = join(dir, 'entries.jsonl');
    writeFileSync(entries, readFileSync(entries, 'utf8').replace('src/file-0.ts', 'src/file-9.ts'));
    const tampered = await runReportJob({ ...base, policy: POLICY, store: openDirStore(dir), signer: key.signerKey });
    expect(tampered.retention).toMatchObject({ skipped: expect.stringMatching(/^the ledger does not verify \(.+\): nothing erased, nothing appended$/) });
    expect(tampered.model.provenance.ledgers[0]!.verified).toBe(false);
    expect(readFileSync(join(dir, 'subjects.jsonl'), 'utf8')).toContain('old-login');
  });

  it('refuses a week that does not exist', async () => {
    const dir = await ledgerDir();
    await expect(runReportJob({ ...base, policy: POLICY, store: openDirStore(dir), week: '2025-W53' })).rejects.toThrow(/ISO week 2025-W53 does not exist: 2025 has 52 ISO weeks/);
  });
});
