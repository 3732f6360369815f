// The outcome use case with in-memory ports: approvals, merges and approval drift, late
// declarations and collector records. The ledger is real (MemoryStore, real Ed25519, verified
// after the appends) and idempotent through the engine's own appendOnceIndexed with an
// in-memory index, so re-runs are exercised end to end.
import { describe, expect, test } from 'vitest';
import type { CheckOutput } from '../../src/core/ports.js';
import { agentTraceRecord } from '../../cli/demo/scenario.js';
import { approvalDigest, type DiffFileEntry } from '../../src/engine/approval-digest.js';
import { parseCommand, type Command } from '../../src/engine/command.js';
import { appendOnceIndexed, openSignedLedger, type JobIndexDocument } from '../../src/engine/job-ledger.js';
import {
  APP_POLICY, analysisFailureCheck, appAnalysisScope, recordApproval, recordCaptured, recordMerge, recordRemediation, withApproval, withRemediation,
  type Approval, type OutcomeLedger, type Permission,
} from '../../src/engine/outcome.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { readEntries, type StoredEntry } from '../../src/ledger/read.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';

const HEAD = 'a'.repeat(40);
const MERGE = 'm'.repeat(40);
const subject = (key: string) => ({ repository: 'acme/widgets', pullRequest: 7, key, policy: 'p-3' });
const FILES: DiffFileEntry[] = [{ filename: 'src/a.ts', status: 'modified', sha: '1'.repeat(40), patch: '@@ -1 +1 @@\n-a\n+b' }];
const PUSHED: DiffFileEntry[] = [...FILES, { filename: 'src/b.ts', status: 'added', sha: '2'.repeat(40), patch: '@@ -0,0 +1 @@\n+c' }];

/** A real signed ledger on a MemoryStore behind the engine's idempotent append, with an in-memory job index. */
async function memoryLedger(): Promise<OutcomeLedger & { store: MemoryStore; index: { doc: JobIndexDocument }; entries(): Promise<StoredEntry[]>; verify(): Promise<void> }> {
  const store = new MemoryStore();
  const key = testKey();
  const ledger = await openSignedLedger(store, key.signer, fixedClock(), seededRandom());
  const index = { doc: { size: 0, jobs: {} } as JobIndexDocument };
  return {
    store, index, location: 'memory', origin: key.signer.name,
    appendOnce: (k, drafts) => appendOnceIndexed(ledger, {
      read: () => Promise.resolve(index.doc),
      remember: (size, jobs) => {
        index.doc = { size, jobs: { ...(index.doc.size > size ? {} : index.doc.jobs), ...jobs } };
        return Promise.resolve();
      },
    }, k, drafts),
    entries: async () => {
      const out: StoredEntry[] = [];
      for await (const e of readEntries(store)) out.push(e);
      return out;
    },
    verify: async () => {
      const report = await verifyStore(store, [key.verifier]);
      expect(report.ok, JSON.stringify(report)).toBe(true);
    },
  };
}

function recordingChecks() {
  const published: CheckOutput[] = [];
  return { published, publish: (c: CheckOutput) => { published.push(c); return Promise.resolve({ published: true as const, url: 'u', requests: 1 }); } };
}

describe('approvals', () => {
  test('records the diff digest and a review.approved entry with the reviewer as a commitment, once per job key', async () => {
    const ledger = await memoryLedger();
    const req = { ...subject('review-approved:d1'), review: 11, head: HEAD, reviewer: 'octocat', files: FILES };
    const approval = await recordApproval({ ledger }, req);
    expect(approval).toEqual({ review: 11, head: HEAD, digest: approvalDigest(FILES) });
    expect(await recordApproval({ ledger }, req)).toEqual(approval);
    const entries = await ledger.entries();
    expect(entries.map((e) => e.entry.kind)).toEqual(['review.approved']);
    const body = entries[0]!.entry.body as Record<string, unknown>;
    expect(entries[0]!.entry.policy).toBe('p-3');
    expect(body).toMatchObject({ schema: 'trailmark.review-approved/v1', repository: 'acme/widgets', pullRequest: 7, review: 11, head: HEAD, diffDigest: approval.digest, job: 'review-approved:d1' });
    expect((body.subjects as { reviewer: string }).reviewer).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(body)).not.toContain('octocat');
    await ledger.verify();
  });

  test('without a ledger the digest is still decided', async () => {
    expect((await recordApproval({}, { ...subject('k'), review: 1, head: HEAD, reviewer: 'r', files: PUSHED })).digest).toBe(approvalDigest(PUSHED));
  });

  test('withApproval keeps one approval per review and head', () => {
    const a: Approval = { review: 1, head: HEAD, digest: 'd' };
    expect(withApproval(withApproval([], a), { ...a })).toEqual([a]);
    expect(withApproval([a], { ...a, head: 'b'.repeat(40) })).toHaveLength(2);
  });
});

describe('merges and approval drift', () => {
  const merge = (key: string, files: DiffFileEntry[], approvals: Approval[], parents?: string[]) => ({
    ...subject(key), head: HEAD, mergeCommit: parents === undefined ? null : MERGE, mergedBy: 'maintainer', files, approvals,
    ...(parents === undefined ? {} : { mergeCommitParents: parents }),
  });

  test('merged as approved: a merge entry with both digests, no finding, no check run', async () => {
    const ledger = await memoryLedger();
    const checks = recordingChecks();
    const approved = { review: 3, head: HEAD, digest: approvalDigest(FILES) };
    const out = await recordMerge({ ledger, checks }, merge('merged:d2', FILES, [approved], ['p1', 'p2']));
    expect(out).toMatchObject({ digest: approved.digest, method: 'merge', message: '' });
    expect(out.drift).toBeUndefined();
    expect(checks.published).toEqual([]);
    const [entry, ...rest] = await ledger.entries();
    expect(rest).toEqual([]);
    expect(entry!.entry.kind).toBe('merge');
    expect(entry!.entry.body).toMatchObject({ mergeCommit: MERGE, method: 'merge', head: HEAD, diffDigest: approved.digest, approvedDigest: approved.digest, job: 'merged:d2' });
  });

  test.each([
    [undefined, 'unknown'],
    [['p1'], 'squash-or-rebase'],
    [['p1', 'p2'], 'merge'],
  ] as const)('merge commit parents %j: method %s; never approved: approvedDigest null, no drift', async (parents, method) => {
    const ledger = await memoryLedger();
    const out = await recordMerge({ ledger }, merge('merged:m', FILES, [], parents === undefined ? undefined : [...parents]));
    expect(out.method).toBe(method);
    expect(out.drift).toBeUndefined();
    expect((await ledger.entries())[0]!.entry.body).toMatchObject({ method, approvedDigest: null });
  });

  test('pushed after the last approval: the merge and its approval-drift finding in one append, then a neutral check on the merge commit; a re-run appends nothing', async () => {
    const ledger = await memoryLedger();
    const checks = recordingChecks();
    const old = { review: 1, head: 'c'.repeat(40), digest: approvalDigest([]) };
    const last = { review: 2, head: 'd'.repeat(40), digest: approvalDigest(FILES) };
    const req = merge('merged:d3', PUSHED, [old, last], ['p1']);
    const out = await recordMerge({ ledger, checks }, req);
    expect(out.drift).toEqual(last);
    expect(out.message).toBe(`merged content differs from what was last approved (review 2 on ${'d'.repeat(12)}; merged head ${'a'.repeat(12)}): commits were pushed after the approval`);
    const entries = await ledger.entries();
    expect(entries.map((e) => e.entry.kind)).toEqual(['merge', 'finding']);
    expect(entries[0]!.entry.body).toMatchObject({ diffDigest: approvalDigest(PUSHED), approvedDigest: last.digest, method: 'squash-or-rebase' });
    expect(entries[1]!.entry.body).toEqual({
      schema: 'trailmark.finding/v1', change: { seq: entries[0]!.seq, hash: entries[1]!.entry.prev }, finding: 'approval-drift',
      path: '', startLine: 0, endLine: 0, level: 'warning', score: null, message: out.message,
    });
    expect(checks.published).toHaveLength(1);
    expect(checks.published[0]).toMatchObject({ name: 'trailmark', headSha: MERGE, conclusion: 'neutral', title: 'Approval drift: merged content differs from the approved content', annotations: [] });
    expect(checks.published[0]!.summary).toContain(`Approved digest \`${last.digest}\`, merged digest \`${approvalDigest(PUSHED)}\``);

    await recordMerge({ ledger, checks }, req);
    expect(await ledger.entries()).toHaveLength(2);
    await ledger.verify();
  });

  test('drift without a merge commit: the check goes on the merged head', async () => {
    const checks = recordingChecks();
    await recordMerge({ checks }, merge('merged:d4', PUSHED, [{ review: 1, head: HEAD, digest: approvalDigest(FILES) }]));
    expect(checks.published.map((c) => c.headSha)).toEqual([HEAD]);
  });
});

describe('late declarations (/trailmark attest)', () => {
  function ports(permission: Permission, ledger?: OutcomeLedger) {
    const replies: string[] = [];
    const asked: string[] = [];
    return {
      replies, asked,
      ports: {
        ...(ledger === undefined ? {} : { ledger }),
        reply: (t: string) => { replies.push(t); return Promise.resolve(); },
        permission: () => { asked.push('permission'); return Promise.resolve(permission); },
        headNow: () => { asked.push('head'); return Promise.resolve('e'.repeat(40)); },
        clock: fixedClock(),
      },
    };
  }
  const attest = (body: string) => parseCommand(body) as Exclude<Command, { kind: 'recheck' }>;

  test('write access: recorded on the head the user saw, one remediation entry per job key', async () => {
    const ledger = await memoryLedger();
    const p = ports('write', ledger);
    const req = { ...subject('command:d5'), command: attest('/trailmark attest Assisted-by: Claude:claude-opus-4-5'), user: 'dev', head: HEAD };
    const out = await recordRemediation(p.ports, req);
    expect(out).toEqual({ status: 'recorded', remediation: { user: 'dev', declaration: 'Assisted-by: Claude:claude-opus-4-5', headSha: HEAD, paths: [], time: '2026-01-02T03:04:05.000Z' } });
    await recordRemediation(p.ports, req);
    expect(p.asked).toEqual(['permission', 'permission']);
    expect(p.replies).toEqual([]);
    const entries = await ledger.entries();
    expect(entries.map((e) => e.entry.kind)).toEqual(['remediation']);
    expect(entries[0]!.entry.body).toMatchObject({ schema: 'trailmark.remediation/v1', repository: 'acme/widgets', pullRequest: 7, head: HEAD, declaration: 'Assisted-by: Claude:claude-opus-4-5', paths: [], job: 'command:d5' });
    expect(JSON.stringify(entries[0]!.entry.body)).not.toContain('"dev"');
    await ledger.verify();
  });

  test('no head named: the head now', async () => {
    const p = ports('admin');
    const out = await recordRemediation(p.ports, { ...subject('k'), command: attest('/trailmark attest AI-Assisted: yes'), user: 'dev' });
    expect(out.status === 'recorded' && out.remediation.headSha).toBe('e'.repeat(40));
    expect(p.asked).toEqual(['permission', 'head']);
  });

  test.each(['read', 'none'] as const)('%s access: refused with a reply naming the access, nothing recorded', async (permission) => {
    const ledger = await memoryLedger();
    const p = ports(permission, ledger);
    const out = await recordRemediation(p.ports, { ...subject('k'), command: attest('/trailmark attest Assisted-by: `x`:y'), user: 'drive-by', head: HEAD });
    expect(out).toEqual({ status: 'refused' });
    expect(p.replies).toEqual([`trailmark: the declaration was not recorded. Only users with write access to acme/widgets can declare AI assistance on a pull request, and @drive-by has \`${permission}\` access. Ask a maintainer to comment \`/trailmark attest Assisted-by: 'x':y\`, or add the trailer to the commits.`]);
    expect(await ledger.entries()).toEqual([]);
  });

  test('an invalid command is answered without asking GitHub anything', async () => {
    const p = ports('write');
    expect(await recordRemediation(p.ports, { ...subject('k'), command: attest('/trailmark frobnicate'), user: 'dev' })).toEqual({ status: 'invalid' });
    expect(p.asked).toEqual([]);
    expect(p.replies[0]).toMatch(/^trailmark: unknown command "frobnicate"/);
  });

  test('a trailer that is not a declaration is refused', async () => {
    const ledger = await memoryLedger();
    const p = ports('write', ledger);
    expect(await recordRemediation(p.ports, { ...subject('k'), command: { kind: 'attest', declaration: 'Reviewed-by: someone' }, user: 'dev', head: HEAD })).toEqual({ status: 'unrecognised' });
    expect(p.replies).toEqual(['trailmark: the declaration was not recognised; write it as a trailer such as `Assisted-by: AGENT:MODEL` or `AI-Assisted: yes`.']);
    expect(await ledger.entries()).toEqual([]);
  });

  test("a declaration changes the App's analysis key: the same head is analyzed again with it", () => {
    const r = { user: 'dev', declaration: 'AI-Assisted: yes', headSha: HEAD, paths: [], time: 't1' };
    expect(appAnalysisScope('acme/widgets', 7, [])).toBe('app:acme/widgets#7');
    const one = appAnalysisScope('acme/widgets', 7, [r]);
    expect(one).toMatch(/^app:acme\/widgets#7\+sha256:[0-9a-f]{16}$/);
    expect(appAnalysisScope('acme/widgets', 7, [{ ...r }])).toBe(one);
    expect(appAnalysisScope('acme/widgets', 7, [r, { ...r, user: 'other' }])).not.toBe(one);
  });

  test('withRemediation keeps the first declaration of the same user, text and head', () => {
    const r = { user: 'dev', declaration: 'AI-Assisted: yes', headSha: HEAD, paths: [], time: 't1' };
    expect(withRemediation([r], { ...r, time: 't2' })).toEqual([r]);
    expect(withRemediation([r], { ...r, headSha: 'b'.repeat(40) })).toHaveLength(2);
  });
});

describe('collector records', () => {
  function store(limit = 10) {
    const kept = new Map<string, string>();
    let calls = 0;
    return {
      kept, calls: () => calls,
      put: (text: string) => {
        calls++;
        const digest = `sha256:${approvalDigest([{ filename: text, status: 'x' }]).slice(7)}`;
        if (kept.has(digest)) return Promise.resolve({ digest, stored: false });
        if (kept.size >= limit) return Promise.resolve(null);
        kept.set(digest, text);
        return Promise.resolve({ digest, stored: true });
      },
    };
  }

  test('a valid record is stored and recorded once, also when it is posted again', async () => {
    const ledger = await memoryLedger();
    const s = store();
    const text = agentTraceRecord(HEAD);
    const first = await recordCaptured({ ledger, store: s }, { repository: 'acme/widgets', text });
    expect(first).toMatchObject({ status: 'stored', stored: true, ranges: 1 });
    const again = await recordCaptured({ ledger, store: s }, { repository: 'acme/widgets', text });
    expect(again).toMatchObject({ status: 'stored', stored: false });
    const entries = await ledger.entries();
    expect(entries.map((e) => [e.entry.kind, e.entry.policy])).toEqual([['record', APP_POLICY]]);
    const digest = first.status === 'stored' ? first.digest : '';
    expect(entries[0]!.entry.body).toEqual({ schema: 'trailmark.record/v1', repository: 'acme/widgets', format: 'agent-trace', digest, bytes: Buffer.byteLength(text), ranges: 1, job: `record:acme/widgets:${digest}` });
    await ledger.verify();
  });

  test('an invalid record is refused before it is stored; a full repository stores and records nothing', async () => {
    const ledger = await memoryLedger();
    const s = store(0);
    const invalid = await recordCaptured({ ledger, store: s }, { repository: 'acme/widgets', text: '{"version":"0.1.0","files":"nope"}' });
    expect(invalid.status).toBe('invalid');
    expect(invalid.status === 'invalid' && invalid.problems.length).toBeGreaterThan(0);
    expect(s.calls()).toBe(0);
    expect(await recordCaptured({ ledger, store: s }, { repository: 'acme/widgets', text: agentTraceRecord(HEAD) })).toEqual({ status: 'full' });
    expect(await ledger.entries()).toEqual([]);
  });
});

describe('job ledger index', () => {
  test('a lost index (size 0) or one ahead of the ledger is rebuilt from the ledger: the job is found, nothing appended', async () => {
    const ledger = await memoryLedger();
    await recordApproval({ ledger }, { ...subject('job-1'), review: 1, head: HEAD, reviewer: 'r', files: FILES });
    expect(ledger.index.doc).toEqual({ size: 1, jobs: { 'job-1': 0 } });
    ledger.index.doc = { size: 0, jobs: {} };
    await recordApproval({ ledger }, { ...subject('job-1'), review: 1, head: HEAD, reviewer: 'r', files: FILES });
    expect(ledger.index.doc).toEqual({ size: 1, jobs: { 'job-1': 0 } });
    ledger.index.doc = { size: 5, jobs: { 'job-2': 3 } };
    await recordApproval({ ledger }, { ...subject('job-2'), review: 2, head: HEAD, reviewer: 'r', files: FILES });
    expect((await ledger.entries()).map((e) => (e.entry.body as { job?: unknown }).job)).toEqual(['job-1', 'job-2']);
  });

  test('analysis failure check: neutral, fenced message, names the remedy', () => {
    const check = analysisFailureCheck(HEAD, new Error('boom ```'), 'gave-up');
    expect(check).toMatchObject({ name: 'trailmark', headSha: HEAD, conclusion: 'neutral', annotations: [], findings: [] });
    expect(check.summary).toContain('GitHub kept failing after several attempts:');
    expect(check.summary).toContain('Comment `/trailmark recheck` to try again.');
    expect(check.summary).toMatch(/````+\n[^\n]*boom ```/);
  });
});
