// The App end to end: webhook -> durable queue -> engine -> ledger -> check run, over a mocked
// GitHub (every request expected, consumed and checked against the OpenAPI description).
import { afterEach, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approvalDigest } from '../../src/engine/approval-digest.js';
import { readEntries } from '../../src/ledger/read.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { runCli } from '../cli-ledger/harness.js';
import { NockGitHub, type Expectation } from '../github/expectations.js';
import {
  AI_FILE, INSTALLATION, capturingLog, OWNER, REPO, addedFile, config, createCheck, getPull, ledgerKey, noConfig, prCommits, prFiles, recorded, repo, restCommit, startApp, mockToken, updateCheck, type FileSpec,
} from './harness.js';

interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: { number: number; draft: boolean; merged: boolean; merge_commit_sha: string | null; head: { sha: string; repo: { full_name: string } }; base: { sha: string }; merged_by: { login: string } | null };
}
interface CheckBody {
  name: string;
  head_sha: string;
  conclusion: string;
  output: { title: string; summary: string; annotations?: { path: string; annotation_level: string; message: string }[] };
}

const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const HEAD2 = '1111111111111111111111111111111111111111';

let gh: NockGitHub | undefined;
afterEach(() => {
  gh = undefined;
});

/** GitHub with the installation token and `expectations`; `verify` checks both were consumed. */
function github(...expectations: (Expectation | Expectation[])[]): { verify(): void } {
  return githubFor(1, ...expectations);
}

/** Like `github`, for `processes` App processes in turn: each requests its own installation token. */
function githubFor(processes: number, ...expectations: (Expectation | Expectation[])[]): { verify(): void } {
  gh = new NockGitHub();
  const tokenScopes = Array.from({ length: processes }, () => mockToken());
  gh.expect(...expectations.flat());
  const mock = gh;
  return {
    verify: () => {
      const tokenPending = tokenScopes.flatMap((t) => t.pendingMocks());
      mock.verify();
      expect(tokenPending).toEqual([]);
    },
  };
}

/** Requests an expectation list stands for (each `times` counted). */
function requestCount(expectations: readonly (Expectation | Expectation[])[]): number {
  return expectations.flat().reduce((n, e) => n + (e.times ?? 1), 0);
}

function pullRequestEvent(action: string, head = HEAD): PullRequestPayload {
  const p = recorded<PullRequestPayload>('pull_request', action);
  p.pull_request.head.sha = head;
  p.pull_request.base.sha = BASE;
  p.pull_request.draft = false;
  return p;
}

async function ledgerEntries(dataDir: string) {
  const dir = join(dataDir, 'installations', String(INSTALLATION), 'ledger');
  if (!existsSync(dir)) return { report: { ok: true }, entries: [] };
  const store = openDirStore(join(dataDir, 'installations', String(INSTALLATION), 'ledger'));
  const report = await verifyStore(store, [ledgerKey.verifier]);
  const entries = [];
  for await (const e of readEntries(store)) entries.push(e.entry);
  return { report, entries };
}

/** The "Declare AI use" button added to a check run with findings. */
const attestButton = (): Expectation => ({
  method: 'PATCH', route: '/repos/{owner}/{repo}/check-runs/{check_run_id}', params: { ...repo, check_run_id: 7 },
  reply: { status: 200, body: { id: 7 } },
  body: (b) => expect(b).toEqual({ actions: [{ label: 'Declare AI use', identifier: 'attest', description: 'I declare this change AI-assisted' }] }),
});

/** The expectations of one analysis of PR #2 at `head`. */
function analysis(head: string, files: readonly FileSpec[], capture: (b: unknown) => void, extra: { commits?: unknown[]; pull?: Partial<Parameters<typeof getPull>[0]> } = {}): Expectation[] {
  return [
    getPull({ number: 2, base: BASE, head, ...extra.pull }),
    ...noConfig(),
    ...prFiles(2, files),
    ...prCommits(2, extra.commits ?? [restCommit(head, BASE)]),
    ...createCheck(capture, head),
  ];
}

test('pull request opened: analysis of the newest head, neutral check with annotations and the checkpoint, signed ledger entries', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const expectations = [analysis(HEAD, [addedFile('src/auth/session.ts', AI_FILE)], (b) => checks.push(b as CheckBody)), attestButton()];
  const mock = github(...expectations);
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks).toHaveLength(1);
  const check = checks[0]!;
  expect(check).toMatchObject({ name: 'trailmark', head_sha: HEAD, conclusion: 'neutral' });
  expect(check.output.annotations!.length).toBeGreaterThan(0);
  expect(check.output.annotations!.every((a) => a.path === 'src/auth/session.ts')).toBe(true);
  const { report, entries } = await ledgerEntries(h.dataDir);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => e.kind)).toContain('change.analyzed');
  expect(entries[0]!.body).toMatchObject({ repository: `${OWNER}/${REPO}`, pullRequest: 2, head: HEAD });
  // The check-run summary carries the signed checkpoint of the ledger it just wrote.
  expect(check.output.summary).toContain('example.com/trailmark-app');
  expect(check.output.summary).toContain(`\n${entries.length}\n`);
  // Plus the installation token, which Probot caches for an hour; the check-run list (publishing once) included.
  expect(requestCount(expectations)).toBe(9);
});

test('synchronize: the new head is analyzed and appended after the earlier analysis', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mock = github(analysis(HEAD, files, (b) => checks.push(b as CheckBody)), analysis(HEAD2, files, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  await h.receive('pull_request', pullRequestEvent('synchronize', HEAD2));
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => [c.head_sha, c.conclusion])).toEqual([[HEAD, 'success'], [HEAD2, 'success']]);
  const { report, entries } = await ledgerEntries(h.dataDir);
  expect(report.ok).toBe(true);
  expect(entries.filter((e) => e.kind === 'change.analyzed').map((e) => (e.body as unknown as { head: string }).head)).toEqual([HEAD, HEAD2]);
});

test('redelivery of the same X-GitHub-Delivery never analyzes or appends twice', async () => {
  const h = await startApp();
  const mock = github(analysis(HEAD, [addedFile('src/lib/a.ts', 'export const a = 1;\n')], () => undefined));
  const payload = pullRequestEvent('opened');
  await h.receive('pull_request', payload, 'same-delivery');
  await h.app.drain();
  await h.receive('pull_request', payload, 'same-delivery');
  await h.app.drain();
  mock.verify();
  const { entries } = await ledgerEntries(h.dataDir);
  expect(entries.filter((e) => e.kind === 'change.analyzed')).toHaveLength(1);
  // A restarted process remembers it too.
  const again = await startApp({ dataDir: h.dataDir });
  await again.receive('pull_request', payload, 'same-delivery');
  await again.app.drain();
  expect((await ledgerEntries(h.dataDir)).entries.filter((e) => e.kind === 'change.analyzed')).toHaveLength(1);
});

test('restart with queued work: a burst of pushes is coalesced and only the newest head is analyzed after the restart', async () => {
  const paused = await startApp({ concurrency: 0 });
  await paused.receive('pull_request', pullRequestEvent('opened'));
  await paused.receive('pull_request', pullRequestEvent('synchronize', HEAD2));
  // Nothing ran: no GitHub request was made (net connect is disabled, no mock is set up).
  const checks: CheckBody[] = [];
  const mock = github(analysis(HEAD2, [addedFile('src/lib/a.ts', 'export const a = 1;\n')], (b) => checks.push(b as CheckBody)));
  const restarted = await startApp({ dataDir: paused.dataDir });
  await restarted.app.drain();
  mock.verify();
  expect(checks.map((c) => c.head_sha)).toEqual([HEAD2]);
});

test('250+ commits: commits paginated up to the REST limit, the rest named in the summary', async () => {
  const h = await startApp();
  const commits = Array.from({ length: 250 }, (_, i) => restCommit(i.toString(16).padStart(40, '0'), BASE));
  const checks: CheckBody[] = [];
  const mock = github(analysis(HEAD, [addedFile('src/lib/a.ts', 'export const a = 1;\n')], (b) => checks.push(b as CheckBody), { commits, pull: { commits: 262 } }));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks[0]!.output.summary).toContain('trailers of 12 later commits were not read');
});

test('fork pull request: the App token can write checks and the ledger, so both happen', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const payload = pullRequestEvent('opened');
  payload.pull_request.head.repo.full_name = `mallory/${REPO}`;
  const mock = github(analysis(HEAD, [addedFile('src/lib/a.ts', 'export const a = 1;\n')], (b) => checks.push(b as CheckBody), { pull: { fork: true } }));
  await h.receive('pull_request', payload);
  await h.app.drain();
  mock.verify();
  expect(checks[0]).toMatchObject({ head_sha: HEAD, conclusion: 'success' });
  expect((await ledgerEntries(h.dataDir)).entries.map((e) => e.kind)).toEqual(['change.analyzed']);
});

test('502 and a secondary rate limit are retried with the injected sleep', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const [listFiles, ...contents] = prFiles(2, files);
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD }), ...noConfig(),
    { ...listFiles!, reply: { status: 502, body: { message: 'Server Error' } } },
    { ...listFiles!, reply: { status: 429, body: { message: 'You have exceeded a secondary rate limit' }, headers: { 'retry-after': '3' } } },
    listFiles!, ...contents, ...prCommits(2, [restCommit(HEAD, BASE)]), createCheck((b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(h.sleeps).toEqual([1000, 3000]);
  expect(checks[0]!.conclusion).toBe('success');
});

test('invalid config: a neutral check explains the error; nothing is analyzed or appended', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD }), config('thresholds:\n  low: 2\n'), createCheck((b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks[0]).toMatchObject({ head_sha: HEAD, conclusion: 'neutral', output: { title: 'Invalid trailmark configuration' } });
  expect(checks[0]!.output.summary).toContain('.github/trailmark.yml@');
  expect(checks[0]!.output.summary).toContain('thresholds');
  expect((await ledgerEntries(h.dataDir)).entries).toEqual([]);
});

test('120 annotations are sent 50 per request', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const files = Array.from({ length: 120 }, (_, i) => addedFile(`src/auth/s${String(i).padStart(3, '0')}.ts`, AI_FILE));
  const capture = (b: unknown) => checks.push(b as CheckBody);
  const expectations = [getPull({ number: 2, base: BASE, head: HEAD, changedFiles: 120 }), ...noConfig(), ...prFiles(2, files), ...prCommits(2, [restCommit(HEAD, BASE)]), createCheck(capture)];
  const findings = 120;
  const mock = github(...expectations, updateCheck(Math.ceil(findings / 50) - 1, capture), attestButton());
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => c.output.annotations?.length ?? 0)).toEqual([50, 50, 20]);
});

function reviewEvent(head: string) {
  const r = recorded<{ review: { state: string; commit_id: string; id: number; user: { login: string } }; pull_request: { number: number } }>('pull_request_review', 'submitted');
  r.review.state = 'approved';
  r.review.commit_id = head;
  r.pull_request.number = 2;
  r.review.user.login = 'reviewer-jane';
  return r;
}

function mergedEvent(head: string, mergeCommit: string) {
  const p = pullRequestEvent('closed', head);
  p.pull_request.merged = true;
  p.pull_request.merge_commit_sha = mergeCommit;
  p.pull_request.merged_by = { login: 'octocat' };
  return p;
}

const mergeCommitOf = (sha: string, parents: number): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/git/commits/{commit_sha}', params: { ...repo, commit_sha: sha },
  reply: { status: 200, body: { sha, parents: Array.from({ length: parents }, (_, i) => ({ sha: String(i).repeat(40) })), message: 'Merge' } },
});

test('review approved, then a new push, then merge: approval-drift in the ledger and a neutral check on the merge commit', async () => {
  const h = await startApp();
  const approvedFiles = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mergedFiles = [addedFile('src/lib/a.ts', 'export const a = 2;\n')];
  const checks: CheckBody[] = [];
  const mock = github(
    getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, approvedFiles, { contents: false }),
    ...prFiles(2, mergedFiles, { contents: false }), mergeCommitOf('c'.repeat(40), 2), createCheck((b) => checks.push(b as CheckBody), 'c'.repeat(40)));
  await h.receive('pull_request_review', reviewEvent(HEAD));
  await h.app.drain();
  await h.receive('pull_request', mergedEvent(HEAD2, 'c'.repeat(40)));
  await h.app.drain();
  mock.verify();
  const { report, entries } = await ledgerEntries(h.dataDir);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => e.kind)).toEqual(['review.approved', 'merge', 'finding']);
  const approval = entries[0]!.body as unknown as { head: string; diffDigest: string; subjects: { reviewer: string } };
  expect(approval.head).toBe(HEAD);
  // The approver is a salted commitment, never the login.
  expect(approval.subjects.reviewer).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(JSON.stringify(entries)).not.toContain('reviewer-jane');
  expect(entries[1]!.body).toMatchObject({ method: 'merge', mergeCommit: 'c'.repeat(40), head: HEAD2, approvedDigest: approval.diffDigest });
  expect((entries[1]!.body as unknown as { diffDigest: string }).diffDigest).not.toBe(approval.diffDigest);
  expect(entries[2]!.body).toMatchObject({ finding: 'approval-drift', level: 'warning', change: { seq: 1 } });
  expect(checks[0]).toMatchObject({ head_sha: 'c'.repeat(40), conclusion: 'neutral' });
  expect(checks[0]!.output.title).toContain('Approval drift');
});

test('an approval of a head that was pushed over since: the digest is of base...approved head (compare API), not of the newer head', async () => {
  const h = await startApp();
  const approved = [{ sha: 'b'.repeat(40), filename: 'src/lib/a.ts', status: 'added', additions: 1, deletions: 0, changes: 1, blob_url: '', raw_url: '', contents_url: '', patch: '@@ -0,0 +1 @@\n+export const a = 1;' }];
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD2 }), {
    method: 'GET', route: '/repos/{owner}/{repo}/compare/{basehead}', params: { ...repo, basehead: `${BASE}...${HEAD}` },
    reply: { status: 200, body: { status: 'ahead', ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: approved } },
  });
  await h.receive('pull_request_review', reviewEvent(HEAD));
  await h.app.drain();
  mock.verify();
  const { entries } = await ledgerEntries(h.dataDir);
  expect(entries.map((e) => e.kind)).toEqual(['review.approved']);
  expect(entries[0]!.body).toMatchObject({ head: HEAD, diffDigest: approvalDigest([{ filename: 'src/lib/a.ts', status: 'added', sha: 'b'.repeat(40), patch: approved[0]!.patch }]) });
});

test('a rebase with identical content keeps the digest: merged without approval-drift', async () => {
  const h = await startApp();
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }), ...prFiles(2, files, { contents: false }), mergeCommitOf('d'.repeat(40), 1));
  await h.receive('pull_request_review', reviewEvent(HEAD));
  await h.app.drain();
  await h.receive('pull_request', mergedEvent(HEAD2, 'd'.repeat(40)));
  await h.app.drain();
  mock.verify();
  const { entries } = await ledgerEntries(h.dataDir);
  expect(entries.map((e) => e.kind)).toEqual(['review.approved', 'merge']);
  expect(entries[1]!.body).toMatchObject({ method: 'squash-or-rebase' });
});

function commentEvent(body: string, login: string) {
  const c = recorded<{ issue: { number: number; pull_request?: object }; comment: { body: string; user: { login: string; type: string } } }>('issue_comment', 'created');
  c.issue.number = 2;
  c.issue.pull_request = { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/2` };
  c.comment.body = body;
  c.comment.user.login = login;
  return c;
}

const permission = (username: string, level: string): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/collaborators/{username}/permission', params: { ...repo, username },
  reply: { status: 200, body: { permission: level, role_name: level, user: { login: username } } },
});

test('remediation by a user without write access is refused and explained; nothing is appended', async () => {
  const h = await startApp();
  const comments: string[] = [];
  const mock = github(permission('mallory', 'read'), {
    method: 'POST', route: '/repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...repo, issue_number: 2 },
    reply: { status: 201, body: { id: 1 } }, body: (b) => comments.push((b as { body: string }).body),
  });
  await h.receive('issue_comment', commentEvent('/trailmark attest Assisted-by: Claude:claude-opus-4-5', 'mallory'));
  await h.app.drain();
  mock.verify();
  expect(comments).toHaveLength(1);
  expect(comments[0]).toContain('Only users with write access');
  expect(comments[0]).toContain('`read`');
  expect((await ledgerEntries(h.dataDir)).entries).toEqual([]);
});

test('remediation by a maintainer: recorded as a commitment, the hunks become attested (declared, remediation) and the check is updated', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const files = [addedFile('src/auth/session.ts', AI_FILE)];
  const mock = github(analysis(HEAD, files, (b) => checks.push(b as CheckBody)), attestButton(),
    permission('octocat', 'write'), getPull({ number: 2, base: BASE, head: HEAD }), analysis(HEAD, files, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  await h.receive('issue_comment', commentEvent('Thanks!\n/trailmark attest Assisted-by: Claude:claude-opus-4-5\n', 'octocat'));
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => c.conclusion)).toEqual(['neutral', 'success']);
  const { report, entries } = await ledgerEntries(h.dataDir);
  expect(report.ok).toBe(true);
  const remediation = entries.find((e) => e.kind === 'remediation')!;
  expect(remediation.body).toMatchObject({ declaration: 'Assisted-by: Claude:claude-opus-4-5', head: HEAD, pullRequest: 2 });
  expect(JSON.stringify(remediation.body)).not.toContain('octocat');
  const last = entries.filter((e) => e.kind === 'change.analyzed').at(-1)!.body as unknown as { hunks: { verdict: string; evidence: string[] }[] };
  expect(last.hunks.length).toBeGreaterThan(0);
  expect(last.hunks.every((x) => x.verdict === 'attested' && x.evidence.includes('declared'))).toBe(true);
});

test('check_run rerequested re-runs the analysis', async () => {
  const h = await startApp();
  const payload = recorded<{ check_run: { name: string; pull_requests: { number: number }[] } }>('check_run', 'rerequested');
  payload.check_run.name = 'trailmark';
  payload.check_run.pull_requests = [{ number: 2 }];
  const checks: CheckBody[] = [];
  const mock = github(analysis(HEAD, [addedFile('src/lib/a.ts', 'export const a = 1;\n')], (b) => checks.push(b as CheckBody)));
  await h.receive('check_run', payload);
  await h.app.drain();
  mock.verify();
  expect(checks).toHaveLength(1);
});

test('the check-run button: a maintainer clicking "Declare AI use" records AI-Assisted: yes and the check turns success', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const files = [addedFile('src/auth/session.ts', AI_FILE)];
  const payload = recorded<{ check_run: { name: string; head_sha: string; pull_requests: { number: number }[] }; requested_action?: { identifier: string }; sender: { login: string } }>('check_run', 'requested_action');
  payload.check_run.name = 'trailmark';
  // The button declares the head of the check run the user clicked on: no pull request read.
  payload.check_run.head_sha = HEAD;
  payload.check_run.pull_requests = [{ number: 2 }];
  payload.requested_action = { identifier: 'attest' };
  payload.sender.login = 'octocat';
  const mock = github(analysis(HEAD, files, (b) => checks.push(b as CheckBody)), attestButton(),
    permission('octocat', 'admin'), analysis(HEAD, files, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  await h.receive('check_run', payload);
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => c.conclusion)).toEqual(['neutral', 'success']);
  const { entries } = await ledgerEntries(h.dataDir);
  expect(entries.find((e) => e.kind === 'remediation')!.body).toMatchObject({ declaration: 'AI-Assisted: yes', head: HEAD });
});

test('installation deleted: its queued work and pull request state are dropped, other installations keep theirs', async () => {
  const paused = await startApp({ concurrency: 0 });
  await paused.receive('pull_request', pullRequestEvent('opened'));
  const other = pullRequestEvent('opened');
  (other as unknown as { installation: { id: number } }).installation = { id: 99 };
  await paused.receive('pull_request', other);
  const { readFileSync } = await import('node:fs');
  const queued = () => Object.values(JSON.parse(readFileSync(join(paused.dataDir, 'queue.json'), 'utf8')) as Record<string, { job: { installationId: number } }>).map((s) => s.job.installationId).sort((a, b) => a - b);
  expect(queued()).toEqual([1, 99]);
  const deleted = recorded<{ installation: { id: number } }>('installation', 'deleted');
  deleted.installation.id = INSTALLATION;
  await paused.receive('installation', deleted);
  expect(queued()).toEqual([99]);
});

test('without a repository config the organization .github config applies (here: fail-on unattested makes the check fail)', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const orgText = 'fail-on: unattested\n';
  const [repoMissing] = noConfig();
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD }), repoMissing!,
    { ...config(orgText), params: { owner: OWNER, repo: '.github', path: '.github/trailmark.yml' } },
    ...prFiles(2, [addedFile('src/auth/session.ts', AI_FILE)]), ...prCommits(2, [restCommit(HEAD, BASE)]), createCheck((b) => checks.push(b as CheckBody)), attestButton());
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks[0]).toMatchObject({ conclusion: 'failure' });
  expect(checks[0]!.output.summary).toContain(`Policy: \`${OWNER}/.github:.github/trailmark.yml\``);
});

// ---- crash between a ledger append and the removal of its job ------------------------------

/**
 * Runs `deliver` on a paused App (the job is only queued), keeps the queue file, runs the job on
 * a second process, then puts the queue file back: the data directory is exactly what a crash
 * after the append and before the job was cleared leaves (optionally also before the
 * appended-jobs index was written). A third process then resumes the job.
 */
async function crashAfterAppend(deliver: (h: Awaited<ReturnType<typeof startApp>>) => Promise<void>, beforeIndexWrite: boolean): Promise<string> {
  const { copyFileSync, rmSync } = await import('node:fs');
  const paused = await startApp({ concurrency: 0 });
  await deliver(paused);
  const queueFile = join(paused.dataDir, 'queue.json');
  copyFileSync(queueFile, `${queueFile}.crash`);
  const first = await startApp({ dataDir: paused.dataDir });
  await first.app.drain();
  copyFileSync(`${queueFile}.crash`, queueFile);
  if (beforeIndexWrite) rmSync(join(paused.dataDir, 'installations', String(INSTALLATION), 'appended-jobs.json'));
  return paused.dataDir;
}

test.each([false, true])('crash after the review.approved append (appended-jobs index lost too: %s): the resumed job appends nothing', async (beforeIndexWrite) => {
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  // The job runs twice (before and after the crash); both runs read GitHub.
  const mock = githubFor(2, getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }), getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }));
  const dataDir = await crashAfterAppend((h) => h.receive('pull_request_review', reviewEvent(HEAD), 'review-delivery'), beforeIndexWrite);
  const { readFileSync } = await import('node:fs');
  expect(Object.keys(JSON.parse(readFileSync(join(dataDir, 'queue.json'), 'utf8')) as object)).toEqual(['review-approved:review-delivery']);
  const restarted = await startApp({ dataDir });
  await restarted.app.drain();
  mock.verify();
  const { report, entries } = await ledgerEntries(dataDir);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => e.kind)).toEqual(['review.approved']);
  expect(entries[0]!.body).toMatchObject({ job: 'review-approved:review-delivery', head: HEAD });
  // The queue is empty and the approval is remembered once.
  expect(JSON.parse(readFileSync(join(dataDir, 'queue.json'), 'utf8'))).toEqual({});
  const pulls = JSON.parse(readFileSync(join(dataDir, 'installations', String(INSTALLATION), 'pulls.json'), 'utf8')) as Record<string, { approvals: unknown[] }>;
  expect(pulls[`${OWNER}/${REPO}#2`]!.approvals).toHaveLength(1);
});

test('crash after the merge append, before the index write: one merge and one approval-drift finding after the restart', async () => {
  const approvedFiles = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mergedFiles = [addedFile('src/lib/a.ts', 'export const a = 2;\n')];
  const mergeRun = () => [...prFiles(2, mergedFiles, { contents: false }), mergeCommitOf('c'.repeat(40), 2), ...createCheck(() => undefined, 'c'.repeat(40))];
  const mock = githubFor(3, getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, approvedFiles, { contents: false }), ...mergeRun(), ...mergeRun());
  const dataDir = await crashAfterAppend(async (h) => {
    // The approval runs to completion first (a paused App only queues: run it on its own).
    const live = await startApp({ dataDir: h.dataDir });
    await live.receive('pull_request_review', reviewEvent(HEAD));
    await live.app.drain();
    await h.receive('pull_request', mergedEvent(HEAD2, 'c'.repeat(40)), 'merge-delivery');
  }, true);
  const restarted = await startApp({ dataDir });
  await restarted.app.drain();
  mock.verify();
  const { report, entries } = await ledgerEntries(dataDir);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => e.kind)).toEqual(['review.approved', 'merge', 'finding']);
  expect(entries[1]!.body).toMatchObject({ job: 'merged:merge-delivery' });
});

test('crash after the remediation append: the resumed command appends no second remediation and keeps one declaration', async () => {
  const files = [addedFile('src/auth/session.ts', AI_FILE)];
  const checks: CheckBody[] = [];
  const commandRun = () => [permission('octocat', 'write'), getPull({ number: 2, base: BASE, head: HEAD }), analysis(HEAD, files, (b) => checks.push(b as CheckBody))];
  const mock = githubFor(2, ...commandRun(), ...commandRun());
  const dataDir = await crashAfterAppend((h) => h.receive('issue_comment', commentEvent('/trailmark attest Assisted-by: Claude:claude-opus-4-5', 'octocat'), 'attest-delivery'), false);
  const restarted = await startApp({ dataDir });
  await restarted.app.drain();
  mock.verify();
  const { report, entries } = await ledgerEntries(dataDir);
  expect(report.ok).toBe(true);
  expect(entries.filter((e) => e.kind === 'remediation')).toHaveLength(1);
  // The analysis after it re-runs for the same head, base, policy and declarations: the same
  // analysis key, so it is appended once (engine/review.ts); the check run is published again.
  expect(entries.filter((e) => e.kind === 'change.analyzed').map((e) => (e.body as unknown as { head: string }).head)).toEqual([HEAD]);
  expect(checks.map((c) => c.conclusion)).toEqual(['success', 'success']);
  const { readFileSync } = await import('node:fs');
  const pulls = JSON.parse(readFileSync(join(dataDir, 'installations', String(INSTALLATION), 'pulls.json'), 'utf8')) as Record<string, { remediations: unknown[] }>;
  expect(pulls[`${OWNER}/${REPO}#2`]!.remediations).toHaveLength(1);
});

test('a redelivered approval whose first delivery was forgotten (queued again under the same delivery id) appends once', async () => {
  const h = await startApp();
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mock = githubFor(2, getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }), getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }));
  await h.receive('pull_request_review', reviewEvent(HEAD), 'lost-delivery');
  await h.app.drain();
  // A crash after the job was queued and before the delivery id was remembered.
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(h.dataDir, 'deliveries.json'), '[]');
  const again = await startApp({ dataDir: h.dataDir });
  await again.receive('pull_request_review', reviewEvent(HEAD), 'lost-delivery');
  await again.app.drain();
  mock.verify();
  expect((await ledgerEntries(h.dataDir)).entries.map((e) => e.kind)).toEqual(['review.approved']);
});

test('check_suite rerequested ("Re-run all checks") re-analyzes each pull request of the suite at its newest head', async () => {
  const h = await startApp();
  const payload = recorded<{ check_suite: { head_sha: string; pull_requests: { number: number }[] } }>('check_suite', 'rerequested');
  expect(payload.check_suite.pull_requests.map((p) => p.number)).toEqual([2]);
  const checks: CheckBody[] = [];
  const mock = github(analysis(HEAD, [addedFile('src/lib/a.ts', 'export const a = 1;\n')], (b) => checks.push(b as CheckBody)));
  await h.receive('check_suite', payload);
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => [c.head_sha, c.conclusion])).toEqual([[HEAD, 'success']]);
  expect((await ledgerEntries(h.dataDir)).entries.map((e) => e.kind)).toEqual(['change.analyzed']);
});

test('approval and merge entries carry the policy version of the pull request\'s last analysis', async () => {
  const h = await startApp();
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD }), config('policy-version: "acme-7"\n'), ...prFiles(2, files), ...prCommits(2, [restCommit(HEAD, BASE)]), createCheck(() => undefined),
    getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }),
    ...prFiles(2, files, { contents: false }), mergeCommitOf('d'.repeat(40), 1));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  await h.receive('pull_request_review', reviewEvent(HEAD));
  await h.app.drain();
  await h.receive('pull_request', mergedEvent(HEAD, 'd'.repeat(40)));
  await h.app.drain();
  mock.verify();
  const { report, entries } = await ledgerEntries(h.dataDir);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => [e.kind, e.policy])).toEqual([['change.analyzed', 'acme-7'], ['review.approved', 'acme-7'], ['merge', 'acme-7']]);
});

test('without an earlier analysis the App\'s entries say policy "app"', async () => {
  const h = await startApp();
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const mock = github(getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, files, { contents: false }));
  await h.receive('pull_request_review', reviewEvent(HEAD));
  await h.app.drain();
  mock.verify();
  expect((await ledgerEntries(h.dataDir)).entries.map((e) => e.policy)).toEqual(['app']);
});

// ---- reliability: retried jobs, final failures, redeliveries, corrupt state -----------------

const badGateway = (route: string, params: Record<string, string | number>, times: number): Expectation => ({
  method: 'GET', route, params: { ...repo, ...params }, times, reply: { status: 502, body: { message: 'Bad Gateway' } },
});
const pullsGet502 = (times: number) => badGateway('/repos/{owner}/{repo}/pulls/{pull_number}', { pull_number: 2 }, times);
/** Request attempts per request (github/retry.ts DEFAULT_RETRY_POLICY: 4 retries). */
const ATTEMPTS_PER_REQUEST = 5;

async function failedJobs(dataDir: string): Promise<Record<string, { attempts: number; error: string }>> {
  const path = join(dataDir, 'failed.json');
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Record<string, { attempts: number; error: string }>) : {};
}

const SMALL = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];

test('five 502s on pulls/get: the job is attempted again after a backoff and its check run appears on the head', async () => {
  const h = await startApp();
  const checks: CheckBody[] = [];
  const mock = github(pullsGet502(ATTEMPTS_PER_REQUEST), analysis(HEAD, SMALL, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => [c.head_sha, c.conclusion])).toEqual([[HEAD, 'success']]);
  // Four request retries (1, 2, 4, 8 s), then the job's first backoff: 30 s, half of it jitter.
  expect(h.sleeps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
  expect(h.sleeps[4]).toBeGreaterThanOrEqual(15_000);
  expect(h.sleeps[4]).toBeLessThanOrEqual(30_000);
  expect(await failedJobs(h.dataDir)).toEqual({});
});

test('an analysis that fails for good leaves a neutral check run saying why on the webhook\'s head, is kept as failed, and /trailmark recheck runs it', async () => {
  const h = await startApp({ backoff: { maxAttempts: 2, baseDelayMs: 1000, maxDelayMs: 1000 } });
  const checks: CheckBody[] = [];
  // Two attempts, then the report's own read of the pull request: every one answered 502.
  const mock = github(pullsGet502(3 * ATTEMPTS_PER_REQUEST), createCheck((b) => checks.push(b as CheckBody)), analysis(HEAD, SMALL, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  expect(checks).toHaveLength(1);
  expect(checks[0]).toMatchObject({ head_sha: HEAD, conclusion: 'neutral', output: { title: 'trailmark could not analyze this change' } });
  expect(checks[0]!.output.summary).toContain('status 502');
  expect(checks[0]!.output.summary).toContain('/trailmark recheck');
  const failed = await failedJobs(h.dataDir);
  expect(Object.keys(failed)).toEqual([`analyze:${INSTALLATION}/${OWNER}/${REPO}#2`]);
  expect(failed[`analyze:${INSTALLATION}/${OWNER}/${REPO}#2`]!.attempts).toBe(2);

  await h.receive('issue_comment', commentEvent('/trailmark recheck', 'octocat'));
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => c.conclusion)).toEqual(['neutral', 'success']);
  expect(await failedJobs(h.dataDir)).toEqual({});
});

test('an approval that fails for good is kept; a redelivery of its delivery queues it again and it is appended once', async () => {
  const h = await startApp({ backoff: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 } });
  const mock = github(pullsGet502(ATTEMPTS_PER_REQUEST), getPull({ number: 2, base: BASE, head: HEAD }), ...prFiles(2, SMALL, { contents: false }));
  await h.receive('pull_request_review', reviewEvent(HEAD), 'approval-1');
  await h.app.drain();
  expect(Object.keys(await failedJobs(h.dataDir))).toEqual(['review-approved:approval-1']);
  expect((await ledgerEntries(h.dataDir)).entries).toEqual([]);
  await h.receive('pull_request_review', reviewEvent(HEAD), 'approval-1');
  await h.app.drain();
  // Handled now: a third delivery of the same id is a no-op (no request is left to answer it).
  await h.receive('pull_request_review', reviewEvent(HEAD), 'approval-1');
  await h.app.drain();
  mock.verify();
  const { report, entries } = await ledgerEntries(h.dataDir);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => e.kind)).toEqual(['review.approved']);
  expect(await failedJobs(h.dataDir)).toEqual({});
});

test('a /trailmark attest that fails for good gets a reply that says why', async () => {
  const h = await startApp({ backoff: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 } });
  const comments: string[] = [];
  const mock = github(badGateway('/repos/{owner}/{repo}/collaborators/{username}/permission', { username: 'dave' }, ATTEMPTS_PER_REQUEST), {
    method: 'POST', route: '/repos/{owner}/{repo}/issues/{issue_number}/comments', params: { ...repo, issue_number: 2 },
    reply: { status: 201, body: { id: 1 } }, body: (b) => comments.push((b as { body: string }).body),
  });
  await h.receive('issue_comment', commentEvent('/trailmark attest Assisted-by: Claude:claude-opus-4-5', 'dave'));
  await h.app.drain();
  mock.verify();
  expect(comments).toHaveLength(1);
  expect(comments[0]).toContain('could not be completed');
  expect(comments[0]).toContain('status 502');
  expect((await ledgerEntries(h.dataDir)).entries).toEqual([]);
  expect(Object.keys(await failedJobs(h.dataDir))).toHaveLength(1);
});

test('corrupt queue.json and deliveries.json are quarantined with an error line, and the App keeps serving', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-app-'));
  writeFileSync(join(dataDir, 'queue.json'), '{"analyze:1/o/r#1": {"job": ');
  writeFileSync(join(dataDir, 'deliveries.json'), '{"not": "a list"}');
  const { log, lines } = capturingLog();
  const h = await startApp({ dataDir, log });
  const checks: CheckBody[] = [];
  const mock = github(analysis(HEAD, SMALL, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  mock.verify();
  expect(checks).toHaveLength(1);
  const names = readdirSync(dataDir);
  expect(names.filter((n) => n.startsWith('queue.json.corrupt-'))).toHaveLength(1);
  expect(names.filter((n) => n.startsWith('deliveries.json.corrupt-'))).toHaveLength(1);
  const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50).map((l) => l.msg);
  expect(errors.some((m) => m.includes('queue.json is corrupt'))).toBe(true);
  expect(errors.some((m) => m.includes('deliveries.json is corrupt') && m.includes('not an array'))).toBe(true);
  // The delivery was remembered in a fresh file.
  expect(JSON.parse(readFileSync(join(dataDir, 'deliveries.json'), 'utf8'))).toHaveLength(1);
});

test('trailmark erase --app-data removes a login from every installation ledger and from the App\'s state files; the ledger still verifies', async () => {
  const h = await startApp({ backoff: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 } });
  const files = [addedFile('src/auth/session.ts', AI_FILE)];
  const mock = github(analysis(HEAD, files, () => undefined), attestButton(),
    permission('octocat', 'write'), getPull({ number: 2, base: BASE, head: HEAD }), analysis(HEAD, files, () => undefined),
    pullsGet502(ATTEMPTS_PER_REQUEST));
  await h.receive('pull_request', pullRequestEvent('opened'));
  await h.app.drain();
  await h.receive('issue_comment', commentEvent('/trailmark attest Assisted-by: Claude:claude-opus-4-5', 'octocat'));
  await h.app.drain();
  // An approval that fails for good: its job, with the reviewer's login, stays in failed.json.
  await h.receive('pull_request_review', reviewEvent(HEAD));
  await h.app.drain();
  mock.verify();
  const pulls = join(h.dataDir, 'installations', String(INSTALLATION), 'pulls.json');
  expect(readFileSync(pulls, 'utf8')).toContain('"octocat"');
  expect(readFileSync(join(h.dataDir, 'failed.json'), 'utf8')).toContain('"reviewer-jane"');

  const octocat = await runCli(['erase', '--app-data', h.dataDir, '--subject', 'octocat'], { cwd: h.dataDir });
  expect(octocat.code).toBe(0);
  expect(octocat.stdout).toMatch(/^erased [1-9]\d* record\(s\) referenced by entries /);
  expect(octocat.stdout).toContain("erased 1 login(s) from the App's state files");
  const jane = await runCli(['erase', '--app-data', h.dataDir, '--subject', 'reviewer-jane', '--json'], { cwd: h.dataDir });
  expect(JSON.parse(jane.stdout)).toMatchObject({ appState: 1 });
  expect(readFileSync(pulls, 'utf8')).not.toContain('octocat');
  expect(readFileSync(pulls, 'utf8')).toContain('"user":"[erased]"');
  expect(readFileSync(join(h.dataDir, 'failed.json'), 'utf8')).not.toContain('reviewer-jane');
  // The remediation still counts (only its author is gone), and the ledger verifies.
  expect(JSON.parse(readFileSync(pulls, 'utf8'))['Codertocat/Hello-World#2'].remediations).toHaveLength(1);
  expect((await ledgerEntries(h.dataDir)).report.ok).toBe(true);
});
