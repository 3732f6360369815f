// The committed bundle, run the way the runner runs it: `node dist/action/index.js` with INPUT_*
// and GITHUB_* environment, a recorded webhook payload, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
// files, and GitHub replaced by the fake server on 127.0.0.1 (every expectation consumed, every
// body valid against the OpenAPI description).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { FakeGitServer } from '../github/fake-git-server.js';
import type { Expectation } from '../github/expectations.js';
import { testKey } from '../ledger/fixtures.js';
import { GitFixture } from '../support/git-fixture.js';
import { recordedPullRequest, removeRunnerFiles, runnerFiles, type PullRequestPayload } from './harness.js';

const ROOT = join(import.meta.dirname, '../..');
const repo = { owner: 'Codertocat', repo: 'Hello-World' };

function files(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

function node(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The runner's environment, not ours: no inherited INPUT_* or GITHUB_* variables.
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the committed dist/action is exactly what scripts/bundle-action.ts builds', async () => {
  const out = mkdtempSync(join(tmpdir(), 'trailmark-bundle-'));
  const tsx = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
  const built = await node([tsx, join(ROOT, 'scripts/bundle-action.ts'), '--out', out], {}, ROOT);
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  const committed = join(ROOT, 'dist/action');
  expect(files(out).map((f) => relative(out, f))).toEqual(files(committed).map((f) => relative(committed, f)));
  for (const f of files(out)) {
    expect(readFileSync(f).equals(readFileSync(join(committed, relative(out, f)))), `${relative(out, f)} differs: run npm run bundle:action and commit dist/action`).toBe(true);
  }
  rmSync(out, { recursive: true, force: true });
});

const SOURCE = [
  '/**',
  ' * Greets a user by name.',
  ' * @param name - The name of the user to greet.',
  ' * @returns The greeting message.',
  ' */',
  'export function greet(name: string): string {',
  '  // Check if the name is valid',
  "  if (!name || name.trim().length === 0) {",
  "    throw new Error('Name must be a non-empty string');",
  '  }',
  '  // Return the greeting message',
  '  return `Hello, ${name}!`;',
  '}',
  '',
].join('\n');
const patch = `@@ -0,0 +1,${SOURCE.split('\n').length - 1} @@\n${SOURCE.split('\n').slice(0, -1).map((l) => `+${l}`).join('\n')}`;

let server: FakeGitServer;
let apiUrl: string;
/** The bundle copied outside the repository, as the runner has it: no node_modules anywhere above it. */
let action: string;
let actionDir: string;
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-runner-action-'));
  cpSync(join(ROOT, 'dist/action'), join(dir, 'dist/action'), { recursive: true });
  cpSync(join(ROOT, 'action.yml'), join(dir, 'action.yml'));
  action = join(dir, 'dist/action/index.js');
  actionDir = dir;
  server = new FakeGitServer();
  apiUrl = await server.start();
});
afterEach(async () => {
  await server.stop();
  removeRunnerFiles();
  rmSync(actionDir, { recursive: true, force: true });
});

const noOrgConfig: Expectation = { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { owner: repo.owner, repo: '.github', path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } };

/** `check` undefined: no check-run request is expected (a fork's read-only token). */
function pullRequestExpectations(p: PullRequestPayload, check: Expectation['reply'] | undefined, onCheck: (body: unknown) => void): Expectation[] {
  const pr = { ...repo, pull_number: p.number };
  const date = '2026-01-01T00:00:00Z';
  return [
    { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } },
    noOrgConfig,
    // The report run's calibration, read from the ledger branch (action/calibration.ts): none yet.
    { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: 'calibration.json' }, reply: { status: 404, body: { message: 'Not Found' } } },
    { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.agent-trace/traces.jsonl' }, reply: { status: 404, body: { message: 'Not Found' } } },
    { method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: pr, reply: { status: 200, body: [{ filename: 'src/greet.ts', status: 'added', additions: 13, deletions: 0, changes: 13, patch }] } },
    { method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: pr, reply: { status: 200, body: [{ sha: p.pull_request.head.sha, parents: [{ sha: p.pull_request.base.sha }], commit: { message: 'Add greet\n\nSigned-off-by: Ann <ann@example.com>', author: { name: 'Ann', email: 'ann@example.com', date }, committer: { name: 'Ann', email: 'ann@example.com', date } } }] } },
    // src/greet.ts is a whole added file: its contents are read off the patch, no request.
    ...(check === undefined ? [] : [{ method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: repo, reply: check, body: onCheck } as const]),
  ];
}

test('pull_request with a signing key: analysis with WASM tree-sitter, check run on the head, ledger branch that verifies, outputs', async () => {
  const p = recordedPullRequest('opened');
  const key = testKey('bundle', 'example.com/ledger');
  let check: { head_sha: string; conclusion: string; output: { summary: string; annotations?: unknown[] } } | undefined;
  server.expect(...pullRequestExpectations(p, { status: 201, body: { id: 1, html_url: 'https://github.com/Codertocat/Hello-World/runs/1' } }, (b) => (check = b as typeof check)));
  const runner = runnerFiles('pull_request', p, { 'signing-key': key.signerKey, 'sarif-file': 'trailmark.sarif' }, apiUrl);
  const result = await node([action], runner.env, runner.dir);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  server.verify();
  const outputs = runner.outputs();
  expect(check!.head_sha).toBe(p.pull_request.head.sha);
  expect(check!.conclusion).toBe(Number(outputs.findings) > 0 ? 'neutral' : 'success');
  expect(check!.output.annotations?.length ?? 0).toBe(Number(outputs.findings));
  expect(check!.output.summary).toContain('src/greet.ts');
  // One change.analyzed entry and one entry per finding.
  expect(outputs.checkpoint).toMatch(/^example\.com\/ledger\n\d+\n/);
  expect(Number(outputs.checkpoint!.split('\n')[1])).toBe(1 + Number(outputs.findings));
  expect(check!.output.summary).toContain(outputs.checkpoint!.split('\n')[2]!);
  const sarif = JSON.parse(readFileSync(outputs['sarif-file']!, 'utf8')) as { version: string };
  expect(sarif.version).toBe('2.1.0');
  expect(runner.summary()).toContain('src/greet.ts');
  // The bundle's WASM parser really parsed the file (a missing parser shows as "not parsed").
  expect(runner.summary()).not.toContain('not parsed');
  const store = new LedgerBranchStore({ client: createGitHubClient({ token: 't', baseUrl: apiUrl }), ...repo, branch: 'trailmark-ledger', holder: 'test' });
  expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
});

test('fork pull request: the read-only token cannot write checks; workflow annotations and the job summary instead, exit 0', async () => {
  const p = recordedPullRequest('opened');
  p.pull_request.head.repo.full_name = 'mallory/Hello-World';
  server.expect(...pullRequestExpectations(p, undefined, () => undefined));
  const runner = runnerFiles('pull_request', p, {}, apiUrl);
  const result = await node([action], runner.env, runner.dir);
  expect(result.code).toBe(0);
  server.verify();
  expect(result.stdout).toContain('\ntrailmark: the token cannot create check runs');
  expect(runner.summary()).toContain('No check run: the token cannot write checks');
  expect(server.refs.size).toBe(0);
});

test('pull_request with the repository checked out: the change set comes from git (fetched head), not from the files/commits API', async () => {
  const upstream = await GitFixture.create();
  try {
    await upstream.write('README.md', 'hello\n');
    const base = await upstream.commit('base');
    await upstream.write('src/greet.ts', SOURCE);
    const head = await upstream.commit('Add greet', { addAll: true });
    await upstream.git(['reset', '--quiet', '--hard', base]);
    await upstream.git(['config', 'uploadpack.allowAnySHA1InWant', 'true']);
    const ws = join(upstream.dir, '..', 'workspace');
    const remote = 'https://github.com/Codertocat/Hello-World';
    await upstream.git(['clone', '--quiet', '--depth=1', `file://${upstream.dir}`, ws]);
    await upstream.git(['-C', ws, 'remote', 'set-url', 'origin', remote]);
    await upstream.git(['-C', ws, 'config', `url.file://${upstream.dir}.insteadOf`, remote]);
    const p = recordedPullRequest('opened');
    p.pull_request.base.sha = base;
    p.pull_request.head.sha = head;
    p.pull_request.commits = 1;
    let check: { head_sha: string; output: { summary: string } } | undefined;
    server.expect(
      { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } },
      noOrgConfig,
      { method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: repo, reply: { status: 201, body: { id: 1, html_url: 'https://github.com/Codertocat/Hello-World/runs/1' } }, body: (b) => (check = b as typeof check) },
    );
    const runner = runnerFiles('pull_request', p, { ledger: 'none' }, apiUrl);
    const result = await node([action], { ...runner.env, GITHUB_WORKSPACE: ws }, runner.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    server.verify();
    expect(result.stdout).toContain(`trailmark: fetching ${head} from origin (depth 2)`);
    expect(result.stdout).toContain(`trailmark: change set from the local checkout (1 commits, 1 files, merge base ${base})`);
    expect(check!.head_sha).toBe(head);
    expect(check!.output.summary).toContain('src/greet.ts');
  } finally {
    await upstream.cleanup();
  }
});
