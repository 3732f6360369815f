// Line attribution on the REST path: each commit's own diff (3 lines of context) tracked forward,
// merges through a compare against their other parents, and every gap an omission.
import { afterEach, expect, test } from 'vitest';
import nock from 'nock';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubChangeSource } from '../../src/github/change-source.js';
import { NockGitHub, type Expectation } from './expectations.js';
import { GraphQlBlobs } from './change-source-graphql.js';

const sha = (c: string) => c.repeat(40);
const [MAIN, C1, M1, MERGE, C2] = [sha('a'), sha('1'), sha('b'), sha('d'), sha('2')];
const client = () => createGitHubClient({ token: 't', sleep: () => Promise.resolve() });
const pr = { owner: 'o', repo: 'r', pull_number: 7 };
const person = { name: 'Ann', email: 'ann@example.com', date: '2026-01-02T03:04:05Z' };
const restCommit = (s: string, parents: readonly string[], message: string) => ({ sha: s, parents: parents.map((p) => ({ sha: p })), commit: { message, author: person, committer: person } });
const restFile = (filename: string, patch: string | undefined, status = 'modified', changes = 2) => ({ sha: sha('e'), filename, status, additions: 1, deletions: 1, changes, blob_url: 'u', raw_url: 'u', contents_url: 'u', ...(patch === undefined ? {} : { patch }) });
const listFiles = (files: unknown[]): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: pr, reply: { status: 200, body: files } });
const listCommits = (commits: unknown[]): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: pr, reply: { status: 200, body: commits } });
const getCommit = (s: string, files: unknown[]): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/commits/{ref}', params: { owner: 'o', repo: 'r', ref: s }, reply: { status: 200, body: { ...restCommit(s, [], ''), files } } });
const source = (head: string, commitCount: number) => new GitHubChangeSource({ client: client(), owner: 'o', repo: 'r', target: { kind: 'pull-request', number: 7, base: MAIN, head, commitCount } });

afterEach(() => nock.cleanAll());

// base: l1 l2 l3 l4. c1 rewrites l2; main (m1, outside the PR) rewrites l4; the merge of main
// adds a line of its own; c2 rewrites l3. The PR diff (from m1) adds lines 2, 3 and 5.
const HEAD_TEXT = 'l1\nc1-2\nc2-3\nm1-4\nM-5\n';

test('each added line goes to the commit that wrote it, through a merge of the base branch', async () => {
  const gh = new NockGitHub().expect(
    listFiles([restFile('src/x.ts', '@@ -1,4 +1,5 @@\n l1\n-l2\n-l3\n+c1-2\n+c2-3\n m1-4\n+M-5')]),
    listCommits([restCommit(C1, [MAIN], 'feat: c1\n\nAssisted-by: Claude:claude-opus-4-5'), restCommit(MERGE, [C1, M1], "Merge branch 'main'"), restCommit(C2, [MERGE], 'fix: c2')]),
    getCommit(C1, [restFile('src/x.ts', '@@ -1,4 +1,4 @@\n l1\n-l2\n+c1-2\n l3\n l4')]),
    // The merge's REST diff is against its first parent only ...
    getCommit(MERGE, [restFile('src/x.ts', '@@ -1,4 +1,5 @@\n l1\n c1-2\n l3\n-l4\n+m1-4\n+M-5')]),
    // ... and against main through a compare of the two.
    { method: 'GET', route: '/repos/{owner}/{repo}/compare/{basehead}', params: { owner: 'o', repo: 'r', basehead: `${M1}...${MERGE}` }, reply: { status: 200, body: { total_commits: 2, commits: [], files: [restFile('src/x.ts', '@@ -1,4 +1,5 @@\n l1\n-l2\n+c1-2\n l3\n m1-4\n+M-5')] } } },
    getCommit(C2, [restFile('src/x.ts', '@@ -1,5 +1,5 @@\n l1\n c1-2\n-l3\n+c2-3\n m1-4\n M-5')]),
  );
  const graphql = new GraphQlBlobs({ [`${C2}:src/x.ts`]: { text: HEAD_TEXT } });
  const set = await source(C2, 3).load();
  gh.verify();
  graphql.verify();
  const [x] = set.files;
  expect(x!.headText).toBe(HEAD_TEXT);
  expect([...x!.lineCommits!].sort((a, b) => a[0] - b[0])).toEqual([[2, C1], [3, C2], [5, MERGE]]);
  expect(set.omissions).toEqual([]);
});

test('a commit whose diff of the file GitHub withholds: that file is not attributed, and an omission says why', async () => {
  const gh = new NockGitHub().expect(
    listFiles([restFile('src/x.ts', '@@ -1 +1,3 @@\n a\n+b\n+c'), restFile('src/y.ts', '@@ -1 +1,2 @@\n y\n+z')]),
    listCommits([restCommit(C1, [MAIN], 'one'), restCommit(C2, [C1], 'two')]),
    getCommit(C1, [restFile('src/x.ts', undefined, 'modified', 9000), restFile('src/y.ts', '@@ -1 +1,2 @@\n y\n+z')]),
    getCommit(C2, [restFile('src/x.ts', '@@ -1,2 +1,3 @@\n a\n b\n+c')]),
  );
  const graphql = new GraphQlBlobs({ [`${C2}:src/x.ts`]: { text: 'a\nb\nc\n' }, [`${C2}:src/y.ts`]: { text: 'y\nz\n' } });
  const set = await source(C2, 2).load();
  gh.verify();
  graphql.verify();
  const [x, y] = set.files;
  expect(x!.lineCommits).toBeUndefined();
  expect([...y!.lineCommits!]).toEqual([[2, C1]]);
  expect(set.omissions).toEqual([{ path: 'src/x.ts', reason: 'lines not attributed to commits: a commit changed this file in a way GitHub does not show as text (binary, or a diff too large for the API)' }]);
});

test('a commit listing 3,000 files may hide more: nothing is attributed, one omission', async () => {
  const many = Array.from({ length: 3000 }, (_, i) => restFile(`gen/f${i}.ts`, '@@ -0,0 +1 @@\n+x', 'added', 1));
  const gh = new NockGitHub().expect(
    listFiles([restFile('src/y.ts', '@@ -1 +1,2 @@\n y\n+z')]),
    listCommits([restCommit(C1, [MAIN], 'one'), restCommit(C2, [C1], 'two')]),
    getCommit(C1, many),
    getCommit(C2, [restFile('src/y.ts', '@@ -1 +1,2 @@\n y\n+z')]),
  );
  const graphql = new GraphQlBlobs({ [`${C2}:src/y.ts`]: { text: 'y\nz\n' } });
  const set = await source(C2, 2).load();
  gh.verify();
  graphql.verify();
  expect(set.files[0]!.lineCommits).toBeUndefined();
  expect(set.omissions).toEqual([{ reason: `added lines of 1 file not attributed to commits: commit ${C1.slice(0, 12)} changes more files than GitHub lists (3000)` }]);
});

test('more commits than GitHub lists: no commit is read and nothing is attributed', async () => {
  const commits = Array.from({ length: 100 }, (_, i) => restCommit(i.toString(16).padStart(40, '0'), [MAIN], `c${i}`));
  const next = (page: number) => ({ link: `<https://api.github.com/repos/o/r/pulls/7/commits?per_page=100&page=${page}>; rel="next"` });
  const gh = new NockGitHub().expect(
    listFiles([restFile('src/y.ts', '@@ -1 +1,2 @@\n y\n+z')]),
    { ...listCommits(commits), reply: { status: 200, body: commits, headers: next(2) } },
    { ...listCommits(commits), reply: { status: 200, body: commits, headers: next(3) } },
    { ...listCommits(commits.slice(0, 50)), reply: { status: 200, body: commits.slice(0, 50), headers: next(4) } },
  );
  const graphql = new GraphQlBlobs({ [`${C2}:src/y.ts`]: { text: 'y\nz\n' } });
  const set = await source(C2, 300).load();
  gh.verify();
  graphql.verify();
  expect(set.files[0]!.lineCommits).toBeUndefined();
  expect(set.omissions.map((o) => o.reason)).toEqual([
    expect.stringMatching(/at most 250 commits.*50 later commits were not read/),
    'added lines of 1 file not attributed to commits: GitHub did not list every commit of the range',
  ]);
});
