// The Action's report mode end to end: the committed dist/action, run from action.yml by the
// simulator's run-action.mjs, on `schedule` and `workflow_dispatch` events, against github-sim.
// The ledger branch is made as users get one (a first pull-request run), plus entries written
// four years ago through the real branch store, so the policy's retention has something to erase.
// Each run: the job summary holds the report (Mermaid charts), the weekly issue is created once
// and then updated (never duplicated), retention erases the old openings once and the branch
// still verifies; zero simulator violations.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isReportRun } from '../../action/event.js';
import { systemRandom } from '../../src/core/ports.js';
import { createGitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openLedger } from '../../src/ledger/log.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { ERASED, displaySubject } from '../../src/ledger/subjects.js';
import { isoWeekOf, lastCompleteWeek } from '../../src/report/week.js';
import { changeBody, fixedClock } from '../ledger/fixtures.js';
import { REPO_ROOT, installSim, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';

const skip = simUnavailable();
const ORIGIN = 'example.com/acme/widgets';
const KEY = generateNoteKey(ORIGIN, new Uint8Array(32).fill(9));
const POLICY = 'report: { destination: issue }\nretention: { subjects: 3y }\n';

interface ActionRun {
  readonly code: number;
  readonly transcript: string;
  readonly result: {
    readonly exitCode: number;
    readonly outputs: Record<string, string>;
    readonly summary: { readonly markdown: string };
    readonly annotations: readonly { readonly level: string; readonly message: string }[];
    readonly violations: readonly unknown[];
  };
}

async function runAction(sim: RunningSim, event: string, payload: unknown, options: { permissions: string; inputs?: readonly string[] }): Promise<ActionRun> {
  const out = mkdtempSync(join(tmpdir(), 'trailmark-report-run-'));
  const eventPath = join(out, 'payload.json');
  writeFileSync(eventPath, JSON.stringify(payload));
  const inputs = (options.inputs ?? []).flatMap((i) => ['--input', i]);
  const args = ['--action', join(REPO_ROOT, 'action.yml'), '--sim', sim.url, '--out-dir', out, '--event', event, '--event-path', eventPath, '--permissions', options.permissions, '--input', `signing-key=${KEY.signerKey}`, ...inputs];
  const r = await simScript('run-action.mjs', args, { timeoutMs: 240_000 });
  return { code: r.code, transcript: readFileSync(join(out, 'transcript.log'), 'utf8'), result: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as ActionRun['result'] };
}

async function prRun(sim: RunningSim): Promise<ActionRun> {
  const out = mkdtempSync(join(tmpdir(), 'trailmark-report-pr-'));
  const r = await simScript('run-action.mjs', ['--action', join(REPO_ROOT, 'action.yml'), '--sim', sim.url, '--out-dir', out, '--permissions', 'checks=write,contents=write,pull-requests=read', '--input', `signing-key=${KEY.signerKey}`], { timeoutMs: 240_000 });
  return { code: r.code, transcript: readFileSync(join(out, 'transcript.log'), 'utf8'), result: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as ActionRun['result'] };
}

async function branchStore(sim: RunningSim, permissions: Record<string, string>): Promise<LedgerBranchStore> {
  const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'actions', permissions })) as { token: string };
  return new LedgerBranchStore({ client: createGitHubClient({ token, baseUrl: sim.url }), owner: 'acme', repo: 'widgets', branch: 'trailmark-ledger', holder: 'test' });
}

interface SimIssue { number: number; title: string; body: string; state: string; labels: (string | { name: string })[] }

async function reportIssues(sim: RunningSim): Promise<SimIssue[]> {
  const issues = (await sim.state()).issues as SimIssue[];
  return issues.filter((i) => i.labels.some((l) => (typeof l === 'string' ? l : l.name) === 'trailmark-report'));
}

const SCHEDULE = { schedule: '0 6 * * 1' };
const DISPATCH = { inputs: {}, ref: 'refs/heads/main' };

describe('isReportRun', () => {
  test('schedule reports unless mode is analyze; workflow_dispatch reports without a base input or with mode report', () => {
    expect(isReportRun('schedule', SCHEDULE, 'auto')).toBe(true);
    expect(isReportRun('schedule', SCHEDULE, 'report')).toBe(true);
    expect(isReportRun('schedule', SCHEDULE, 'analyze')).toBe(false);
    expect(isReportRun('workflow_dispatch', DISPATCH, 'auto')).toBe(true);
    expect(isReportRun('workflow_dispatch', { inputs: { base: 'a'.repeat(40) } }, 'auto')).toBe(false);
    expect(isReportRun('workflow_dispatch', { inputs: { base: 'a'.repeat(40) } }, 'report')).toBe(true);
    expect(isReportRun('workflow_dispatch', DISPATCH, 'analyze')).toBe(false);
    expect(isReportRun('pull_request', {}, 'report')).toBe(false);
    expect(isReportRun('push', {}, 'auto')).toBe(false);
  });
});

describe.skipIf(skip !== undefined)('the Action on schedule and workflow_dispatch against the GitHub simulator', () => {
  describe('policy: weekly issue and retention', () => {
    let sim: RunningSim;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trailmark-report-scenario-'));
      const scenario = join(dir, 'report.json');
      writeFileSync(scenario, JSON.stringify({ extends: join(await installSim(), 'scenarios', 'basic.json'), repository: { files: { '.github/trailmark.yml': POLICY } } }));
      sim = await startSim({ scenario });
    });
    afterAll(async () => sim.stop());

    test('the report goes to the job summary and one issue (created, then updated); retention erases once; the branch verifies', async () => {
      // Four years ago: an analysis committing a login, through the real branch store and appender.
      const old = await openLedger({ store: await branchStore(sim, { contents: 'write' }), signer: parseSignerKey(KEY.signerKey), origin: ORIGIN, clock: fixedClock(Date.UTC(2022, 10, 1)), random: systemRandom });
      await old.append([{ kind: 'change.analyzed', policy: 'default-1', body: (ctx) => ({ ...changeBody(1), repository: 'acme/widgets', subjects: { 'pr.author': ctx.commit('former-dev') } }) }]);
      // Then the pull request run, as in a repository using the Action.
      const pr = await prRun(sim);
      expect(pr.code).toBe(0);
      expect(pr.result.violations).toEqual([]);

      const week = isoWeekOf(Date.now());
      const first = await runAction(sim, 'schedule', SCHEDULE, { permissions: 'contents=write,issues=write', inputs: [`report-week=${week}`] });
      expect(first.code).toBe(0);
      expect(first.result.violations).toEqual([]);
      const md = first.result.summary.markdown;
      expect(md).toContain(week);
      expect(md).toContain('```mermaid');
      expect(md).toMatch(/Report issue #\d+ created\./);
      expect(first.result.outputs['report-week']).toBe(week);
      const issues = await reportIssues(sim);
      expect(issues).toHaveLength(1);
      const issue = issues[0]!;
      expect(first.result.outputs['report-issue']).toBe(String(issue.number));
      expect(issue.title).toBe(`trailmark: attestation-gap report ${week}`);
      expect(issue.body).toContain(`<!-- trailmark:weekly-report repo=acme/widgets week=${week} -->`);
      expect(issue.body).toContain('```mermaid');
      // Retention: the 2022 opening is erased, recorded in one retention entry; the newer ones stay.
      expect(first.transcript).toMatch(/retention subjects \(keep 3y, older than [^)]+\): erased 1, recorded in entry \d+/);
      const reader = await branchStore(sim, { contents: 'read' });
      const verified = await verifyStore(reader, [parseVerifierKey(KEY.verifierKey)]);
      expect(verified.ok).toBe(true);
      const kinds: string[] = [];
      for await (const e of readEntries(reader)) kinds.push(e.entry.kind);
      expect(kinds.filter((k) => k === 'retention')).toHaveLength(1);
      const subjects = await reader.readSubjects();
      const index = new Map(subjects.map((s) => [s.commitment, s]));
      expect(subjects.filter((s) => s.seq === 0).map((s) => displaySubject(s.commitment, index))).toEqual([ERASED]);
      expect(subjects.filter((s) => s.seq > 0).every((s) => 'value' in s)).toBe(true);
      // The report lists what retention removed, as erased, with the reason.
      expect(md).toMatch(/\| \\?\[erased\\?\] \| pr\.author \| retention \| [^|]+ \| 0 \|/);

      // A manual run of the same week: the same issue, updated (or left as is), never a second one; retention appends nothing.
      const before = (await sim.requests()).length;
      const second = await runAction(sim, 'workflow_dispatch', DISPATCH, { permissions: 'contents=write,issues=write', inputs: [`report-week=${week}`] });
      expect(second.code).toBe(0);
      expect(second.result.violations).toEqual([]);
      expect(second.result.summary.markdown).toMatch(new RegExp(`Report issue #${issue.number} (updated|unchanged)\\.`));
      expect(second.result.outputs['report-issue']).toBe(String(issue.number));
      expect(await reportIssues(sim)).toHaveLength(1);
      const ops: Record<string, number> = {};
      for (const r of (await sim.requests()).slice(before)) ops[String(r.operationId)] = (ops[String(r.operationId)] ?? 0) + 1;
      // The cost of a report run with nothing to erase and an issue to update: the policy, the
      // branch (ref, files, the checkpoint history for verification: 3 checkpoints), the
      // calibration file (read to compare; unchanged, so not written), the issue.
      expect(ops).toEqual({ 'repos/get-content': 1, 'git/get-ref': 1, graphql: 5, 'git/get-tree': 1, 'issues/list-for-repo': 1, 'issues/update': 1 });
      expect(second.transcript).toMatch(/retention subjects \(keep 3y, older than [^)]+\): nothing past retention/);
      const after: string[] = [];
      for await (const e of readEntries(await branchStore(sim, { contents: 'read' }))) after.push(e.entry.kind);
      expect(after).toEqual(kinds);
      // No product violation. The one simulator gap: it does not implement creating a label
      // (501), which the issue upsert tolerates (GitHub then creates the label named on the issue).
      const flagged = (await sim.violations()) as unknown as readonly { operationId?: string; violations?: readonly { type: string }[] }[];
      const types = flagged.flatMap((r) => (r.violations ?? []).map((v) => `${r.operationId ?? '?'} ${v.type}`));
      expect(new Set(types)).toEqual(new Set(['issues/create-label unimplemented']));
    });
  });

  describe('a read-only token', () => {
    let sim: RunningSim;
    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trailmark-report-scenario-'));
      const scenario = join(dir, 'retention.json');
      writeFileSync(scenario, JSON.stringify({ extends: join(await installSim(), 'scenarios', 'basic.json'), repository: { files: { '.github/trailmark.yml': 'retention: { subjects: 3y }\n' } } }));
      sim = await startSim({ scenario });
    });
    afterAll(async () => sim.stop());

    test('defaults to the last complete week; without issues: write and contents: write the issue and retention are warnings, the summary still has the report', async () => {
      const old = await openLedger({ store: await branchStore(sim, { contents: 'write' }), signer: parseSignerKey(KEY.signerKey), origin: ORIGIN, clock: fixedClock(Date.UTC(2022, 10, 1)), random: systemRandom });
      await old.append([{ kind: 'change.analyzed', policy: 'default-1', body: (ctx) => ({ ...changeBody(1), repository: 'acme/widgets', subjects: { 'pr.author': ctx.commit('former-dev') } }) }]);
      expect((await prRun(sim)).code).toBe(0);
      const run = await runAction(sim, 'schedule', SCHEDULE, { permissions: 'contents=read', inputs: ['report-issue=true'] });
      expect(run.code).toBe(0);
      expect(run.result.exitCode).toBe(0);
      expect(run.result.outputs['report-week']).toBe(lastCompleteWeek(Date.now()));
      expect(run.result.outputs['report-issue']).toBe('');
      expect(run.result.summary.markdown).toContain(lastCompleteWeek(Date.now()));
      expect(run.result.summary.markdown).toContain('The report issue could not be written');
      const warnings = run.result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
      expect(warnings).toEqual([
        expect.stringMatching(/retention not applied: the token cannot write the ledger branch trailmark-ledger .*403.*contents: write/),
        expect.stringMatching(/the weekly report issue was not written: .*403.*issues: write/),
      ]);
      expect(await reportIssues(sim)).toHaveLength(0);
      // Nothing erased: the old opening is still there, the branch still verifies.
      const reader = await branchStore(sim, { contents: 'read' });
      expect((await verifyStore(reader, [parseVerifierKey(KEY.verifierKey)])).ok).toBe(true);
      expect((await reader.readSubjects()).every((s) => 'value' in s)).toBe(true);
      // The only thing the simulator flags is the refused issue write itself.
      for (const v of run.result.violations as { type?: string }[]) expect(v.type).toBe('permission');
    });
  });
});
