// The Action's run over a fake GitHub at the HTTP edge, with the engine and renderers injected
// (ports of our own): publishing, fallbacks, retries, ledger and outputs.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChangeSet, Finding, ScanResult } from '../../src/core/types.js';
import { runAndReport, type ActionDependencies } from '../../action/run.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { createGitHubClient } from '../../src/github/client.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { FakeGitServer } from '../github/fake-git-server.js';
import type { Expectation } from '../github/expectations.js';
import { fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { enterRunner, recordedPullRequest, removeRunnerFiles, runnerFiles, type PullRequestPayload } from './harness.js';

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const repo = { owner: OWNER, repo: REPO };

function finding(i: number, extra: Partial<Finding> = {}): Finding {
  return { kind: 'unattested', path: `src/f${i}.ts`, startLine: i + 1, endLine: i + 1, level: 'notice', message: `hunk scored ${i}`, score: 0.9, ...extra };
}

function scan(changeSet: ChangeSet, findings: readonly Finding[]): ScanResult {
  const zero = { attested: 0, unattested: 0, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 };
  return {
    schema: 'trailmark.scan/v1', base: changeSet.base, head: changeSet.head,
    summary: {
      files: changeSet.files.length, hunks: 0, addedLines: 0, commits: changeSet.commits.length, verdicts: zero,
      findings: { unattested: findings.filter((f) => f.kind === 'unattested').length, contradicted: findings.filter((f) => f.kind === 'contradicted').length, 'approval-drift': 0 },
      evidence: { recorded: 0, declared: 0, stamped: 0, inferred: 0 }, thresholds: { low: 0.5, high: 0.8 }, policyVersion: 'default-1', modelVersion: 'm1', detectors: [], omissions: changeSet.omissions,
    },
    hunks: [], findings,
  };
}

let server: FakeGitServer;
let apiUrl: string;
let sleeps: number[];
let analyzed: ChangeSet[];
let policies: string[];

function deps(findings: readonly Finding[]): ActionDependencies {
  return {
    analyze: (cs, options) => { analyzed.push(cs); policies.push(options.policy.blocking.failOn); return Promise.resolve(scan(cs, findings)); },
    env: process.env,
    clock: fixedClock(),
    random: seededRandom(),
    sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); },
  };
}

const pr = (p: PullRequestPayload) => ({ ...repo, pull_number: p.number });
const noConfig = (p: PullRequestPayload): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } }, body: () => undefined, ...{ _ref: p.pull_request.base.sha } });
// The repository has no policy: the organization's `.github` repository is asked next (404: none).
const noOrgConfig: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { owner: OWNER, repo: '.github', path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } };
// Capture records committed with the change, read at the head on the API path (404: none).
/** The review run reads the report run's calibration from the ledger branch (action/calibration.ts): one request. */
const noCalibration: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: 'calibration.json' }, reply: { status: 404, body: { message: 'Not Found' } } };
const noRecords: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.agent-trace/traces.jsonl' }, reply: { status: 404, body: { message: 'Not Found' } } };
const prFiles = (p: PullRequestPayload, files: unknown[], reply: Partial<Expectation['reply']> = {}): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: pr(p), reply: { status: 200, body: files, ...reply } });
const prCommits = (p: PullRequestPayload): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: pr(p), reply: { status: 200, body: [{ sha: p.pull_request.head.sha, parents: [{ sha: p.pull_request.base.sha }], commit: { message: 'feat: x', author: { name: 'A', email: 'a@example.com', date: '2026-01-01T00:00:00Z' }, committer: { name: 'A', email: 'a@example.com', date: '2026-01-01T00:00:00Z' } } }] } });
const createCheck = (reply: Expectation['reply'], body?: (b: unknown) => void): Expectation => ({ method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: repo, reply, ...(body === undefined ? {} : { body }) });
const updateCheck = (times: number, body?: (b: unknown) => void): Expectation => ({ method: 'PATCH', route: '/repos/{owner}/{repo}/check-runs/{check_run_id}', params: { ...repo, check_run_id: 7 }, times, reply: { status: 200, body: { id: 7 } }, ...(body === undefined ? {} : { body }) });
const created = { status: 201, body: { id: 7, html_url: 'https://github.com/Codertocat/Hello-World/runs/7' } };
const textFile = { filename: 'README.md', status: 'modified', additions: 1, deletions: 0, changes: 1, patch: '@@ -1 +1,2 @@\n a\n+b' };

beforeEach(async () => {
  server = new FakeGitServer();
  apiUrl = await server.start();
  sleeps = [];
  analyzed = [];
  policies = [];
});

afterEach(async () => {
  await server.stop();
  removeRunnerFiles();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

test('120 findings: check run on the PR head (not GITHUB_SHA) in 3 requests; outputs and job summary', async () => {
  const p = recordedPullRequest('synchronize');
  const bodies: unknown[] = [];
  server.expect(noConfig(p), noOrgConfig, noRecords, prFiles(p, [textFile]), prCommits(p),
    createCheck(created, (b) => bodies.push(b)), updateCheck(2, (b) => bodies.push(b)));
  const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
  enterRunner(files);
  await runAndReport(deps(Array.from({ length: 120 }, (_, i) => finding(i))));
  server.verify();
  expect(process.exitCode).toBeUndefined();
  expect(bodies[0]).toMatchObject({ name: 'trailmark', head_sha: p.pull_request.head.sha, conclusion: 'neutral', status: 'completed', details_url: 'https://github.com/Codertocat/Hello-World/actions/runs/4242' });
  expect(bodies.map((b) => (b as { output: { annotations: unknown[] } }).output.annotations.length)).toEqual([50, 50, 20]);
  expect(files.outputs()).toMatchObject({ findings: '120', unattested: '120', contradicted: '0', checkpoint: '', 'sarif-file': '' });
  expect(files.summary()).toContain('## trailmark: 120 likely AI-generated hunks not declared');
  expect(files.summary()).toContain('Check run [trailmark](https://github.com/Codertocat/Hello-World/runs/7)');
  expect(analyzed[0]!.head).toBe(p.pull_request.head.sha);
});

test('a token without checks: write: the 403 falls back to workflow annotations and the job summary says so', async () => {
  const p = recordedPullRequest('opened');
  server.expect(noConfig(p), noOrgConfig, noRecords, prFiles(p, [textFile]), prCommits(p),
    createCheck({ status: 403, body: { message: 'Resource not accessible by integration' } }));
  const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
  const runner = enterRunner(files);
  await runAndReport(deps([finding(1)]));
  server.verify();
  expect(process.exitCode).toBeUndefined();
  expect(runner.stdout()).toContain('the token cannot create check runs (github request POST');
  expect(runner.stdout().split('\n').filter((l) => l.startsWith('::notice'))).toHaveLength(1);
  expect(files.summary()).toContain('No check run: the token cannot write checks');
});

test('fork pull request: no check run attempted with the read-only token; the 10 most important workflow annotations, escaped, and says so', async () => {
  const p = recordedPullRequest('opened');
  p.pull_request.head.repo.full_name = 'mallory/Hello-World';
  server.expect(noConfig(p), noOrgConfig, noCalibration, noRecords, prFiles(p, [textFile]), prCommits(p));
  const files = runnerFiles('pull_request', p, { 'signing-key': testKey().signerKey }, apiUrl);
  const runner = enterRunner(files);
  const hostile = finding(99, { kind: 'contradicted', level: 'warning', path: 'evil::path,\n::error::x.ts', message: 'line1\n::error file=a::pwned %0A' });
  await runAndReport(deps([...Array.from({ length: 24 }, (_, i) => finding(i)), hostile]));
  server.verify();
  const out = runner.stdout();
  const commands = out.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::notice'));
  expect(commands).toHaveLength(10);
  expect(out).toContain('the token cannot create check runs');
  expect(out).toContain('15 more findings are not shown as annotations');
  // The contradicted finding comes first, with every attacker-controlled byte escaped.
  const first = commands.find((l) => l.includes('trailmark%3A contradicted'))!;
  expect(first).toBe('::warning title=trailmark%3A contradicted,file=evil%3A%3Apath%2C%0A%3A%3Aerror%3A%3Ax.ts,line=100,endLine=100::line1%0A::error file=a::pwned %250A');
  expect(out.split('\n').some((l) => l.startsWith('::error'))).toBe(false);
  expect(files.summary()).toContain('No check run: the token cannot write checks');
  expect(files.summary()).toContain('this run has a read-only token (a pull request from a fork)');
  expect(server.refs.size).toBe(0);
});

test('502 and a secondary rate limit on GitHub are retried with the injected sleep', async () => {
  const p = recordedPullRequest('opened');
  server.expect(noConfig(p), noOrgConfig, noRecords,
    prFiles(p, [], { status: 502, body: { message: 'Server Error' } }),
    prFiles(p, [], { status: 429, body: { message: 'You have exceeded a secondary rate limit' }, headers: { 'retry-after': '2' } }),
    prFiles(p, [textFile]), prCommits(p), createCheck(created));
  const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
  const runner = enterRunner(files);
  await runAndReport(deps([]));
  server.verify();
  expect(sleeps).toEqual([1000, 2000]);
  expect(runner.stdout()).toContain('status 429 (secondary-rate-limit); retrying in 2 s');
  expect(process.exitCode).toBeUndefined();
});

test('a GitHub failure that outlives the retries fails the step with a clear error in the log and the summary', async () => {
  const p = recordedPullRequest('opened');
  server.expect(noConfig(p), noOrgConfig, noCalibration, prFiles(p, [], { status: 503, body: { message: 'unavailable' } }), { ...prFiles(p, [], { status: 503, body: { message: 'unavailable' } }), times: 4 });
  const files = runnerFiles('pull_request', p, {}, apiUrl);
  const runner = enterRunner(files);
  await runAndReport(deps([]));
  server.verify();
  expect(process.exitCode).toBe(1);
  expect(runner.stdout()).toMatch(/::error::trailmark failed: github request GET \S+\/repos\/Codertocat\/Hello-World\/pulls\/2\/files\S* failed with status 503: unavailable \(hint: /);
  expect(files.summary()).toContain('## trailmark failed');
});

test('empty pull request: success, no annotations; the API path carries no files', async () => {
  const p = recordedPullRequest('opened');
  let body: unknown;
  server.expect(noConfig(p), noOrgConfig, noRecords, prFiles(p, []), prCommits(p), createCheck(created, (b) => (body = b)));
  const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
  enterRunner(files);
  await runAndReport(deps([]));
  server.verify();
  expect(body).toMatchObject({ conclusion: 'success', output: { title: 'No undeclared AI-generated changes found' } });
  expect((body as { output: object }).output).not.toHaveProperty('annotations');
  expect(analyzed[0]!.files).toEqual([]);
  expect(files.outputs().findings).toBe('0');
});

test('pull request of only binary files: files marked binary, no contents fetched', async () => {
  const p = recordedPullRequest('opened');
  server.expect(noConfig(p), noOrgConfig, noRecords, prFiles(p, [{ filename: 'logo.png', status: 'added', additions: 0, deletions: 0, changes: 0 }]), prCommits(p), createCheck(created));
  enterRunner(runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl));
  await runAndReport(deps([]));
  server.verify();
  expect(analyzed[0]!.files.map((f) => [f.path, f.binary])).toEqual([['logo.png', true]]);
});

test('ledger branch with a signing key: entries committed, checkpoint in outputs and check-run summary; verify passes on the branch', async () => {
  const p = recordedPullRequest('opened');
  const key = testKey('action', 'example.com/ledger');
  let summary = '';
  server.expect(noConfig(p), noOrgConfig, noCalibration, noRecords, prFiles(p, [textFile]), prCommits(p), createCheck(created, (b) => (summary = (b as { output: { summary: string } }).output.summary)));
  const files = runnerFiles('pull_request', p, { 'signing-key': key.signerKey, 'ledger-branch': 'audit-ledger', 'sarif-file': 'out/trailmark.sarif' }, apiUrl);
  enterRunner(files);
  await runAndReport(deps([finding(1)]));
  server.verify();
  expect(process.exitCode).toBeUndefined();
  const checkpoint = files.outputs().checkpoint!;
  expect(checkpoint).toMatch(/^example\.com\/ledger\n\d+\n/);
  expect(summary).toContain(checkpoint.split('\n')[2]!);
  expect(server.refs.has('refs/heads/audit-ledger')).toBe(true);
  expect(server.refs.has('refs/heads/audit-ledger-lock')).toBe(false);
  const store = new LedgerBranchStore({ client: createGitHubClient({ token: 't', baseUrl: apiUrl }), ...repo, branch: 'audit-ledger', holder: 'verifier' });
  const report = await verifyStore(store, [key.verifier]);
  expect(report.ok).toBe(true);
  expect(server.file('refs/heads/audit-ledger', 'checkpoint')?.toString()).toBe(checkpoint);
  const sarif = JSON.parse(readFileSync(join(files.dir, 'out/trailmark.sarif'), 'utf8')) as { version: string; runs: { results: unknown[] }[] };
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.runs[0]!.results).toHaveLength(1);
  expect(files.outputs()['sarif-file']).toBe(join(files.dir, 'out/trailmark.sarif'));
});

test('without a signing key the ledger is not written and the summary says how to add one', async () => {
  const p = recordedPullRequest('opened');
  server.expect(noConfig(p), noOrgConfig, noCalibration, noRecords, prFiles(p, []), prCommits(p), createCheck(created));
  const files = runnerFiles('pull_request', p, {}, apiUrl);
  enterRunner(files);
  await runAndReport(deps([]));
  server.verify();
  expect(files.summary()).toContain('The ledger was not written: no signing key was given.');
  expect(files.summary()).toContain('trailmark keygen');
  expect(server.refs.size).toBe(0);
});

test('fail-on: unattested concludes failure and fails the step', async () => {
  const p = recordedPullRequest('opened');
  let body: unknown;
  server.expect(noConfig(p), noOrgConfig, noRecords, prFiles(p, [textFile]), prCommits(p), createCheck(created, (b) => (body = b)));
  const files = runnerFiles('pull_request', p, { 'fail-on': 'unattested', ledger: 'none' }, apiUrl);
  const runner = enterRunner(files);
  await runAndReport(deps([finding(0)]));
  server.verify();
  expect(body).toMatchObject({ conclusion: 'failure' });
  expect(process.exitCode).toBe(1);
  expect(runner.stdout()).toContain('::error::trailmark: 1 unattested and 0 contradicted hunks (fail-on: unattested)');
});

test('an event that changes no code is skipped with a summary line and zero outputs, without calling GitHub', async () => {
  const p = recordedPullRequest('labeled');
  const files = runnerFiles('pull_request', p, {}, apiUrl);
  enterRunner(files);
  await runAndReport(deps([]));
  server.verify();
  expect(server.log).toEqual([]);
  expect(files.summary()).toContain('Nothing analyzed: pull request action "labeled"');
  expect(files.outputs().findings).toBe('0');
});

test('a ledger write that GitHub refuses still publishes the check run, then fails the step with the reason', async () => {
  const p = recordedPullRequest('opened');
  const key = testKey('action', 'example.com/ledger');
  let summary = '';
  server.expect(noConfig(p), noOrgConfig, noCalibration, noRecords, prFiles(p, [textFile]), prCommits(p),
    { method: 'POST', route: '/repos/{owner}/{repo}/git/trees', params: repo, reply: { status: 403, body: { message: 'Resource not accessible by integration' } } },
    createCheck(created, (b) => (summary = (b as { output: { summary: string } }).output.summary)));
  const files = runnerFiles('pull_request', p, { 'signing-key': key.signerKey }, apiUrl);
  const runner = enterRunner(files);
  await runAndReport(deps([finding(1)]));
  server.verify();
  expect(summary).toContain('**The ledger was not written**');
  expect(summary).toContain('failed with status 403');
  expect(process.exitCode).toBe(1);
  expect(runner.stdout()).toMatch(/::error::trailmark: the ledger was not written: github request POST \S+\/git\/trees failed with status 403/);
  expect(files.outputs()).toMatchObject({ findings: '1', checkpoint: '' });
});

test('the repository policy at the base can opt in to blocking (blocking.failOn) when the input does not', async () => {
  const p = recordedPullRequest('opened');
  let body: unknown;
  const config: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' }, reply: { status: 200, body: { type: 'file', encoding: 'base64', size: 20, name: 'trailmark.yml', path: '.github/trailmark.yml', sha: 'c'.repeat(40), content: Buffer.from('fail-on: contradicted\n').toString('base64') } } };
  server.expect(config, noRecords, prFiles(p, [textFile]), prCommits(p), createCheck(created, (b) => (body = b)));
  const runner = enterRunner(runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl));
  await runAndReport(deps([finding(0, { kind: 'contradicted', level: 'warning' })]));
  server.verify();
  expect(policies).toEqual(['contradicted']);
  expect(runner.stdout()).toContain(`trailmark: policy: .github/trailmark.yml@${p.pull_request.base.sha}`);
  expect(body).toMatchObject({ conclusion: 'failure' });
  expect(process.exitCode).toBe(1);
});
