import { afterEach, expect, test } from 'vitest';
import nock from 'nock';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubChangeSource } from '../../src/github/change-source.js';
import { NockGitHub, type Expectation } from './expectations.js';
import { GraphQlBlobs } from './change-source-graphql.js';

const BASE = 'b'.repeat(40);
const HEAD = 'c'.repeat(40);
const client = () => createGitHubClient({ token: 't', sleep: () => Promise.resolve() });
const pr = { owner: 'o', repo: 'r', pull_number: 7 };
const files = (body: unknown[], page?: number): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: pr, reply: { status: 200, body, ...(page === undefined ? {} : { headers: { link: `<https://api.github.com/repos/o/r/pulls/7/files?per_page=100&page=${page}>; rel="next"` } }) } });
const commits = (body: unknown[]): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: pr, reply: { status: 200, body } });
const restCommit = (sha: string, message: string) => ({ sha, parents: [{ sha: BASE }], commit: { message, author: { name: 'Ann', email: 'ann@example.com', date: '2026-01-02T03:04:05Z' }, committer: { name: 'Ann', email: 'ann@example.com', date: '2026-01-02T03:04:05Z' } } });
const blob = (sha: string, bytes: Buffer): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/git/blobs/{file_sha}', params: { owner: 'o', repo: 'r', file_sha: sha },
  reply: { status: 200, body: { sha, node_id: 'B_1', size: bytes.byteLength, url: 'u', content: bytes.toString('base64'), encoding: 'base64' } },
});
const source = (extra: object = {}) => new GitHubChangeSource({
  client: client(), owner: 'o', repo: 'r',
  target: { kind: 'pull-request', number: 7, base: BASE, head: HEAD, ...extra },
  needsHeadText: (p) => p.endsWith('.ts'),
});

afterEach(() => nock.cleanAll());

test('pull request files with patches, binaries, oversized diffs and commits become a change set', async () => {
  const gh = new NockGitHub().expect(
    files([
      { filename: 'src/b.ts', status: 'modified', additions: 2, deletions: 1, changes: 3, patch: '@@ -1,2 +1,3 @@\n a\n-b\n+c\n+d' },
    ], 2),
    { ...files([
      { filename: 'logo.png', status: 'added', additions: 0, deletions: 0, changes: 0 },
      { filename: 'big.js', status: 'modified', additions: 9000, deletions: 0, changes: 9000 },
      { filename: 'src/a.ts', previous_filename: 'src/old.ts', status: 'renamed', additions: 1, deletions: 0, changes: 1, patch: '@@ -0,0 +1 @@\n+export const x = 1;' },
      { filename: 'src/gone.ts', status: 'removed', additions: 0, deletions: 1, changes: 1, patch: '@@ -1 +0,0 @@\n-x' },
    ]), params: pr },
    commits([restCommit(HEAD, 'feat: x\n\nAssisted-by: Claude:claude-opus-4-5')]),
    // GitHub decodes invalid UTF-8 lossily in GraphQL `text`: the exact bytes come from git/blobs.
    blob('b1'.repeat(20), Buffer.from([0x61, 0xff, 0x0a])),
  );
  const graphql = new GraphQlBlobs({
    [`${HEAD}:src/a.ts`]: { text: 'export const x = 1;\n' },
    [`${HEAD}:src/b.ts`]: { text: Buffer.from([0x61, 0xff, 0x0a]), oid: 'b1'.repeat(20) },
  });
  const set = await source({ commitCount: 1, changedFiles: 5 }).load();
  graphql.verify();
  expect(graphql.queries[0]!.variables).toMatchObject({ e0: `${HEAD}:src/a.ts`, e1: `${HEAD}:src/b.ts` });
  expect(set.base).toBe(BASE);
  expect(set.head).toBe(HEAD);
  expect(set.files.map((f) => [f.path, f.status, f.binary])).toEqual([
    ['logo.png', 'added', true],
    ['src/a.ts', 'renamed', false],
    ['src/b.ts', 'modified', false],
    ['src/gone.ts', 'deleted', false],
  ]);
  const [, a, b, gone] = set.files;
  expect(a!.oldPath).toBe('src/old.ts');
  expect(a!.headText).toBe('export const x = 1;\n');
  expect(a!.hunks[0]!.lines).toEqual([{ kind: 'add', text: 'export const x = 1;', newLine: 1 }]);
  expect(b!.invalidUtf8).toBe(true);
  expect(b!.headText).toBe('a\uFFFD\n');
  expect(b!.hunks[0]!.lines.map((l) => l.kind)).toEqual(['context', 'del', 'add', 'add']);
  expect(gone!.headTextMissing).toBe('deleted');
  // One non-merge commit: every added line is its own, without reading the commit.
  expect([...a!.lineCommits!]).toEqual([[1, HEAD]]);
  expect([...b!.lineCommits!]).toEqual([[2, HEAD], [3, HEAD]]);
  expect(gone!.lineCommits).toBeUndefined();
  expect(set.omissions).toEqual([{ path: 'big.js', reason: expect.stringMatching(/did not return a diff .*9000 changed lines/) }]);
  expect(set.commits).toEqual([{ sha: HEAD, parents: [BASE], author: { name: 'Ann', email: 'ann@example.com' }, committer: { name: 'Ann', email: 'ann@example.com' }, authorDate: '2026-01-02T03:04:05Z', message: 'feat: x\n\nAssisted-by: Claude:claude-opus-4-5' }]);
  gh.verify();
});

test('an empty pull request loads as an empty change set', async () => {
  const gh = new NockGitHub().expect(files([]), commits([]));
  const set = await source({ commitCount: 0, changedFiles: 0 }).load();
  expect(set).toMatchObject({ files: [], commits: [], omissions: [] });
  gh.verify();
});

test('a pull request of only binary files fetches no contents', async () => {
  const gh = new NockGitHub().expect(
    files([{ filename: 'a.png', status: 'added', additions: 0, deletions: 0, changes: 0 }, { filename: 'b.woff2', status: 'modified', additions: 0, deletions: 0, changes: 0 }]),
    commits([restCommit(HEAD, 'assets')]),
  );
  const set = await source().load();
  expect(set.files.map((f) => [f.path, f.binary, f.headTextMissing])).toEqual([['a.png', true, 'binary'], ['b.woff2', true, 'binary']]);
  gh.verify();
});

test('more commits than the REST API lists: an omission says how many were not read', async () => {
  const many = Array.from({ length: 100 }, (_, i) => restCommit(i.toString(16).padStart(40, '0'), `c${i}`));
  const next = (page: number) => ({ link: `<https://api.github.com/repos/o/r/pulls/7/commits?per_page=100&page=${page}>; rel="next"` });
  const gh = new NockGitHub().expect(
    files([]),
    { ...commits(many), reply: { status: 200, body: many, headers: next(2) } },
    { ...commits(many), reply: { status: 200, body: many, headers: next(3) } },
    { ...commits(many.slice(0, 50)), reply: { status: 200, body: many.slice(0, 50), headers: next(4) } },
  );
  const set = await source({ commitCount: 400 }).load();
  expect(set.commits).toHaveLength(250);
  expect(set.omissions).toEqual([{ reason: expect.stringMatching(/at most 250 commits.*150 later commits were not read/) }]);
  gh.verify();
});

test('a malformed patch is an omission, not a crash', async () => {
  const gh = new NockGitHub().expect(files([{ filename: 'x.ts', status: 'modified', additions: 1, deletions: 0, changes: 1, patch: '@@ -1,5 +1,9 @@\n+only one line' }]), commits([]));
  const set = await source().load();
  expect(set.files).toEqual([]);
  expect(set.omissions[0]).toMatchObject({ path: 'x.ts', reason: expect.stringMatching(/could not be parsed/) });
  gh.verify();
});

test('compare (push, merge group, manual range): files and commits of base...head, with the caps as omissions', async () => {
  const files300 = Array.from({ length: 300 }, (_, i) => ({ sha: 'e'.repeat(40), filename: `docs/f${String(i).padStart(3, '0')}.md`, status: 'added', additions: 1, deletions: 0, changes: 1, blob_url: 'u', raw_url: 'u', contents_url: 'u', patch: '@@ -0,0 +1 @@\n+x' }));
  const gh = new NockGitHub().expect({
    method: 'GET', route: '/repos/{owner}/{repo}/compare/{basehead}', params: { owner: 'o', repo: 'r', basehead: `${BASE}...${HEAD}` },
    reply: { status: 200, body: { total_commits: 260, commits: [restCommit(HEAD, 'push')], files: files300 } },
  });
  const set = await new GitHubChangeSource({ client: client(), owner: 'o', repo: 'r', target: { kind: 'compare', base: BASE, head: HEAD }, needsHeadText: () => false }).load();
  expect(set.files).toHaveLength(300);
  expect(set.files[0]!.path).toBe('docs/f000.md');
  expect(set.commits.map((c) => c.sha)).toEqual([HEAD]);
  expect(set.omissions.map((o) => o.reason)).toEqual([
    expect.stringMatching(/compare API lists at most 300 files/),
    'added lines of 300 files not attributed to commits: GitHub did not list every commit of the range',
    expect.stringMatching(/returned 1 of 260 commits/),
  ]);
  gh.verify();
});
