// Head contents over GraphQL: batches of 100 aliases validated against GitHub's schema, paths
// only as variables, truncated or lossily decoded blobs read exactly over REST, caps and errors.
import { afterEach, expect, test } from 'vitest';
import nock from 'nock';
import { GitHubError } from '../../src/core/errors.js';
import { blobQuery, readBlobs } from '../../src/github/blobs.js';
import { createGitHubClient } from '../../src/github/client.js';
import { NockGitHub, type Expectation } from './expectations.js';
import { GraphQlBlobs, graphqlSchemaErrors } from './change-source-graphql.js';

const REV = 'c'.repeat(40);
const client = () => createGitHubClient({ token: 't', sleep: () => Promise.resolve() });
const options = (maxBytes = 1024 * 1024) => ({ client: client(), owner: 'o', repo: 'r', rev: REV, maxBytes });
const getBlob = (oid: string, bytes: Buffer): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/git/blobs/{file_sha}', params: { owner: 'o', repo: 'r', file_sha: oid },
  reply: { status: 200, body: { sha: oid, node_id: 'B', size: bytes.byteLength, url: 'u', content: bytes.toString('base64'), encoding: 'base64' } },
});

afterEach(() => nock.cleanAll());

test('the query is valid against GitHub\'s schema for 1 and 100 aliases', async () => {
  expect(await graphqlSchemaErrors(blobQuery(1), { owner: 'o', name: 'r', e0: 'x' })).toEqual([]);
  expect(await graphqlSchemaErrors(blobQuery(100), { owner: 'o', name: 'r', ...Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`e${k}`, 'x'])) })).toEqual([]);
});

test('250 files: 3 queries of at most 100 blobs; hostile paths travel only as variables', async () => {
  const paths = Array.from({ length: 250 }, (_, i) => (i === 7 ? 'src/") { x } #\n"evil.ts' : `src/f${String(i).padStart(3, '0')}.ts`));
  const graphql = new GraphQlBlobs(Object.fromEntries(paths.map((p) => [`${REV}:${p}`, { text: `// ${p}\n` }])), 3);
  const out = await readBlobs(paths, options());
  graphql.verify();
  expect(graphql.queries.map((q) => Object.keys(q.variables).length - 2)).toEqual([100, 100, 50]);
  for (const q of graphql.queries) expect(q.query).not.toContain('src/');
  expect(out.size).toBe(250);
  expect(out.get(paths[7]!)).toEqual({ kind: 'text', text: `// ${paths[7]}\n`, size: Buffer.byteLength(`// ${paths[7]}\n`), invalidUtf8: false });
});

test('truncated text and invalid UTF-8 are read exactly over REST; binary, too large and missing need no second read', async () => {
  const big = Buffer.from(`${'x'.repeat(600_000)}\n`);
  const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
  const gh = new NockGitHub().expect(getBlob('1'.repeat(40), big), getBlob('2'.repeat(40), latin));
  const graphql = new GraphQlBlobs({
    [`${REV}:big.ts`]: { text: big, truncateAt: 512_000, oid: '1'.repeat(40) },
    [`${REV}:latin.ts`]: { text: latin, oid: '2'.repeat(40) },
    [`${REV}:logo.png`]: { text: Buffer.from([0x89, 0x50, 0x00]), binary: true },
    [`${REV}:huge.ts`]: { text: 'y'.repeat(2048) },
  });
  const out = await readBlobs(['big.ts', 'latin.ts', 'logo.png', 'huge.ts', 'gone.ts'], options(1024 * 1024));
  graphql.verify();
  gh.verify();
  expect(out.get('big.ts')).toEqual({ kind: 'text', text: big.toString('utf8'), size: big.byteLength, invalidUtf8: false });
  expect(out.get('latin.ts')).toEqual({ kind: 'text', text: 'caf\uFFFD\n', size: 5, invalidUtf8: true });
  expect(out.get('logo.png')).toEqual({ kind: 'binary', size: 3 });
  expect(out.get('gone.ts')).toEqual({ kind: 'missing' });
  nock.cleanAll();
  const capped = new GraphQlBlobs({ [`${REV}:huge.ts`]: { text: 'y'.repeat(2048) } });
  expect(await readBlobs(['huge.ts'], options(1000))).toEqual(new Map([['huge.ts', { kind: 'too-large', size: 2048 }]]));
  capped.verify();
});

test('GitHub Enterprise Server: a REST base of <host>/api/v3 sends GraphQL to <host>/api/graphql', async () => {
  const graphql = new GraphQlBlobs({ [`${REV}:a.ts`]: { text: 'a\n' } }, 1, 'https://ghe.example.com', '/api/graphql');
  const ghes = createGitHubClient({ token: 't', baseUrl: 'https://ghe.example.com/api/v3', sleep: () => Promise.resolve() });
  const out = await readBlobs(['a.ts'], { ...options(), client: ghes });
  graphql.verify();
  expect(out.get('a.ts')).toMatchObject({ kind: 'text', text: 'a\n' });
});

test('a GraphQL error answer (HTTP 200) is a typed GitHubError with a hint', async () => {
  nock.disableNetConnect();
  nock('https://api.github.com').post('/graphql').reply(200, { data: { repository: null }, errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }] });
  const err = await readBlobs(['a.ts'], options()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GitHubError);
  expect(err).toMatchObject({ code: 'GITHUB_FORBIDDEN', message: expect.stringMatching(/FORBIDDEN.*Resource not accessible/), hint: expect.stringMatching(/contents: read/) });
});
