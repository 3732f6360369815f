// The Action reading a pull request from the runner's checkout: a real repository ("GitHub",
// reached through url.insteadOf) and a shallow clone of its base branch as GITHUB_WORKSPACE, as
// actions/checkout leaves it. The fake GitHub on 127.0.0.1 fails the test on any request it does
// not expect, so the files and commits endpoints are provably not called when the checkout is used.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangeSet, ScanResult } from '../../src/core/types.js';
import { runAndReport, type ActionDependencies } from '../../action/run.js';
import { prepareLocalCheckout, remoteNamesRepository } from '../../action/local-checkout.js';
import { FakeGitServer } from '../github/fake-git-server.js';
import type { Expectation } from '../github/expectations.js';
import { GitFixture } from '../support/git-fixture.js';
import { enterRunner, recordedPullRequest, removeRunnerFiles, runnerFiles, type PullRequestPayload } from './harness.js';

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const repo = { owner: OWNER, repo: REPO };
const REMOTE = `https://github.com/${OWNER}/${REPO}.git`;

let server: FakeGitServer;
let apiUrl: string;
let analyzed: ChangeSet[];
let upstream: GitFixture;

function deps(): ActionDependencies {
  const zero = { attested: 0, unattested: 0, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 };
  return {
    analyze: (cs) => {
      analyzed.push(cs);
      const result: ScanResult = {
        schema: 'trailmark.scan/v1', base: cs.base, head: cs.head,
        summary: {
          files: cs.files.length, hunks: 0, addedLines: 0, commits: cs.commits.length, verdicts: zero,
          findings: { unattested: 0, contradicted: 0, 'approval-drift': 0 },
          evidence: { recorded: 0, declared: 0, stamped: 0, inferred: 0 }, thresholds: { low: 0.5, high: 0.8 }, policyVersion: 'default-1', modelVersion: 'm1', detectors: [], omissions: cs.omissions,
        },
        hunks: [], findings: [],
      };
      return Promise.resolve(result);
    },
    env: process.env,
  };
}

const noConfig = (p: PullRequestPayload): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } }, body: () => undefined, ...{ _ref: p.pull_request.base.sha } });
const noOrgConfig: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { owner: OWNER, repo: '.github', path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } };
const noRecords: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.agent-trace/traces.jsonl' }, reply: { status: 404, body: { message: 'Not Found' } } };
const createCheck: Expectation = { method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: repo, reply: { status: 201, body: { id: 7, html_url: 'https://github.com/Codertocat/Hello-World/runs/7' } } };
const pr = (p: PullRequestPayload) => ({ ...repo, pull_number: p.number });

interface History {
  /** Where the branch started. */
  branchPoint: string;
  /** The base branch's tip: `pull_request.base.sha` (the base moved on after the branch started). */
  base: string;
  commits: [string, string];
}

/** main: B0 -> M1 (base tip); feature: B0 -> C1 -> C2 (head), C1 with an AI trailer. */
async function history(): Promise<History> {
  await upstream.writeFiles({ 'src/a.ts': 'export const a = 1;\n', 'README.md': 'hello\n' });
  const branchPoint = await upstream.commit('base');
  await upstream.checkout('feature', { create: true });
  await upstream.write('src/a.ts', 'export const a = 1;\nexport const b = 2;\n');
  const c1 = await upstream.commit('feat: b', { trailers: ['Assisted-by: Claude'] });
  await upstream.write('src/a.ts', 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n');
  const c2 = await upstream.commit('feat: c');
  await upstream.checkout('main');
  await upstream.write('README.md', 'hello again\n');
  const base = await upstream.commit('docs on main');
  // GitHub serves any commit of the network by id, as actions/checkout relies on.
  await upstream.git(['config', 'uploadpack.allowAnySHA1InWant', 'true']);
  return { branchPoint, base, commits: [c1, c2] };
}

/** `actions/checkout` with its default fetch-depth 1 of the base branch; origin names the GitHub repository. */
async function shallowCheckout(remote = REMOTE): Promise<string> {
  const ws = join(upstream.dir, '..', 'workspace');
  await upstream.git(['clone', '--quiet', '--depth=1', '--branch', 'main', `file://${upstream.dir}`, ws]);
  await upstream.git(['-C', ws, 'remote', 'set-url', 'origin', remote]);
  await upstream.git(['-C', ws, 'config', `url.file://${upstream.dir}.insteadOf`, remote]);
  return ws;
}

function payload(h: History): PullRequestPayload {
  const p = recordedPullRequest('synchronize');
  p.pull_request.base.sha = h.base;
  p.pull_request.head.sha = h.commits[1];
  p.pull_request.commits = 2;
  p.pull_request.changed_files = 1;
  return p;
}

beforeEach(async () => {
  server = new FakeGitServer();
  apiUrl = await server.start();
  analyzed = [];
  upstream = await GitFixture.create();
});

afterEach(async () => {
  await server.stop();
  removeRunnerFiles();
  await upstream.cleanup();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

test('a shallow checkout: head fetched, history deepened to the merge base, change set read locally with line attribution; no files/commits API calls', async () => {
  const h = await history();
  const ws = await shallowCheckout();
  const p = payload(h);
  server.expect(noConfig(p), noOrgConfig, createCheck);
  const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
  files.env.GITHUB_WORKSPACE = ws;
  const temp = join(upstream.dir, '..', 'runner-temp');
  await mkdir(temp);
  files.env.RUNNER_TEMP = temp;
  const runner = enterRunner(files);
  await runAndReport(deps());
  server.verify();
  expect(process.exitCode).toBeUndefined();
  // The bare repository the change set was read through is gone.
  expect(await readdir(temp)).toEqual([]);
  const log = runner.stdout();
  expect(log).toContain(`trailmark: fetching ${h.commits[1]} from origin (depth 3)`);
  expect(log).toContain('deepening the shallow checkout by 50 commits');
  expect(log).toContain('trailmark: change set from the local checkout (2 commits, 1 files');
  const cs = analyzed[0]!;
  expect(cs.base).toBe(h.branchPoint);
  expect(cs.head).toBe(h.commits[1]);
  expect(cs.commits.map((c) => c.sha)).toEqual(h.commits);
  expect(cs.commits[0]!.message).toContain('Assisted-by: Claude');
  expect(cs.files.map((f) => f.path)).toEqual(['src/a.ts']);
  // Only the local path knows which commit added which line.
  expect(Object.fromEntries(cs.files[0]!.lineCommits ?? new Map())).toEqual({ 2: h.commits[0], 3: h.commits[1] });
  expect(cs.files[0]!.headText).toBe('export const a = 1;\nexport const b = 2;\nexport const c = 3;\n');
  expect(cs.context).toEqual({
    repository: `${OWNER}/${REPO}`, pullRequest: p.number,
    headBranch: (p.pull_request as unknown as { head: { ref: string } }).head.ref,
    pullRequestBody: (p.pull_request as unknown as { body: string }).body,
    pullRequestAuthor: p.pull_request.user.login,
  });
  expect(analyzed[0]!.omissions).toEqual([]);
});

test('the repository cannot make our git run its hooks or fsmonitor', async () => {
  const h = await history();
  const ws = await shallowCheckout();
  const marker = join(upstream.dir, '..', 'ran');
  const script = join(upstream.dir, '..', 'hook.sh');
  await writeFile(script, `#!/bin/sh\necho "$0 $PPID $(ps -o args= -p $PPID)" >> '${marker}'\nexit 0\n`);
  await chmod(script, 0o755);
  // Without -c core.fsmonitor=false, `git fetch` runs the fsmonitor command (git 2.39).
  await upstream.git(['-C', ws, 'config', 'core.fsmonitor', script]);
  const hooks = join(upstream.dir, '..', 'hooks');
  await mkdir(hooks);
  for (const hook of ['reference-transaction', 'pre-auto-gc', 'post-checkout', 'post-merge']) await copyFile(script, join(hooks, hook));
  await upstream.git(['-C', ws, 'config', 'core.hooksPath', hooks]);
  await upstream.git(['-C', ws, 'config', 'gc.auto', '1']);
  const p = payload(h);
  server.expect(noConfig(p), noOrgConfig, createCheck);
  const files = runnerFiles('pull_request_target', p, { ledger: 'none' }, apiUrl);
  files.env.GITHUB_WORKSPACE = ws;
  const runner = enterRunner(files);
  await runAndReport(deps());
  server.verify();
  expect(runner.stdout()).toContain('change set from the local checkout');
  expect(existsSync(marker)).toBe(false);
  // The same fetch without our overrides does run it: the assertion above can fail.
  await upstream.git(['-C', ws, 'fetch', '--quiet', '--no-tags', 'origin', h.base]);
  expect(existsSync(marker)).toBe(true);
});

test('a base commit origin cannot provide: the REST API is used and the log says why', async () => {
  const h = await history();
  const ws = await shallowCheckout();
  const p = payload(h);
  const missing = 'b'.repeat(40);
  p.pull_request.base.sha = missing;
  server.expect(noConfig(p), noOrgConfig, noRecords,
    { method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: pr(p), reply: { status: 200, body: [{ filename: 'src/a.ts', status: 'modified', additions: 2, deletions: 0, changes: 2, patch: '@@ -1 +1,3 @@\n export const a = 1;\n+export const b = 2;\n+export const c = 3;' }] } },
    { method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: pr(p), reply: { status: 200, body: [] } },
    { method: 'POST', route: '/graphql', params: {}, reply: { status: 200, body: { data: { repository: { f0: { __typename: 'Blob', oid: h.commits[1], byteSize: 20, isBinary: false, isTruncated: false, text: 'export const a = 1;\n' } } } } } },
    createCheck);
  const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
  files.env.GITHUB_WORKSPACE = ws;
  const runner = enterRunner(files);
  await runAndReport(deps());
  server.verify();
  expect(process.exitCode).toBeUndefined();
  const log = runner.stdout();
  expect(log).toContain(`trailmark: fetching ${missing}, ${h.commits[1]} from origin (depth 3)`);
  expect(log).toContain(`trailmark: change set from the REST API: git fetch of ${missing}, ${h.commits[1]} from origin failed: `);
  expect(analyzed[0]!.files[0]!.lineCommits).toBeUndefined();
  expect(analyzed[0]!.context?.pullRequestAuthor).toBe(p.pull_request.user.login);
});

test('a checkout of another repository, or none, is not read', async () => {
  const h = await history();
  const ws = await shallowCheckout('https://github.com/mallory/Hello-World.git');
  for (const workspace of [ws, undefined]) {
    const p = payload(h);
    server.expect(noConfig(p), noOrgConfig, noRecords,
      { method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: pr(p), reply: { status: 200, body: [] } },
      { method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: pr(p), reply: { status: 200, body: [] } },
      createCheck);
    const files = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
    if (workspace !== undefined) files.env.GITHUB_WORKSPACE = workspace;
    const runner = enterRunner(files);
    await runAndReport(deps());
    expect(runner.stdout()).toContain(workspace === undefined
      ? 'change set from the REST API: GITHUB_WORKSPACE is not a git work tree'
      : `change set from the REST API: the checkout's origin is not ${OWNER}/${REPO}`);
    vi.restoreAllMocks();
  }
  server.verify();
  // Nothing was fetched into the other repository's checkout.
  expect((await upstream.git(['-C', ws, 'cat-file', '-t', h.commits[1]]).catch(() => 'missing')).trim()).toBe('missing');
});

test('the history fetched to find the merge base is bounded: past the bound the checkout is not used and stays shallow', async () => {
  const h = await history();
  const ws = await shallowCheckout();
  const lines: string[] = [];
  const request = { workspace: ws, owner: OWNER, repo: REPO, base: h.base, head: h.commits[1], commitCount: 2, log: (l: string) => lines.push(l) };
  expect(await prepareLocalCheckout({ ...request, maxDepth: 3 })).toEqual({ usable: false, reason: `no merge base of ${h.base} and ${h.commits[1]} within 3 commits of the shallow checkout (actions/checkout with fetch-depth: 0 avoids this)` });
  expect(lines).toEqual([`trailmark: fetching ${h.commits[1]} from origin (depth 3)`]);
  expect(await upstream.git(['-C', ws, 'rev-parse', '--is-shallow-repository'])).toBe('true');
  // One step more is enough here.
  expect(await prepareLocalCheckout({ ...request, maxDepth: 4 })).toMatchObject({ usable: true, mergeBase: h.branchPoint });
  expect(lines.at(-1)).toBe('trailmark: no merge base yet; deepening the shallow checkout by 4 commits');
});

test('remote URLs name the repository by their last two segments, case-insensitively', () => {
  for (const url of ['https://github.com/Codertocat/Hello-World', 'https://github.com/codertocat/hello-world.git', 'git@github.com:Codertocat/Hello-World.git', 'https://x-access-token:t@github.com/Codertocat/Hello-World/', 'ssh://git@github.com/Codertocat/Hello-World.git']) {
    expect(remoteNamesRepository(url, OWNER, REPO), url).toBe(true);
  }
  for (const url of ['https://github.com/mallory/Hello-World', 'https://github.com/Codertocat/Hello-World-fork', 'Codertocat/Hello-World', '']) {
    expect(remoteNamesRepository(url, OWNER, REPO), url).toBe(false);
  }
});
