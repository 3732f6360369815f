// The records collector over real HTTP on 127.0.0.1 (GitHub still mocked with nock): who may
// post, what is refused, and that a stored record becomes `recorded` evidence in the next
// analysis of the repository.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import nock from 'nock';
import { RECORD_MAX_BYTES } from '../../app/collector.js';
import { FEATURE_COMMITS, RETRY_PATH, agentTraceRecord } from '../../cli/demo/scenario.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { NockGitHub, type Expectation } from '../github/expectations.js';
import { INSTALLATION, OWNER, REPO, addedFile, createCheck, getPull, mockToken, noConfig, prCommits, prFiles, recorded, repo, restCommit, startApp } from './harness.js';

const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const RETRY_TS = FEATURE_COMMITS.find((c) => c.files[RETRY_PATH] !== undefined)!.files[RETRY_PATH] as string;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  nock.cleanAll();
});

const userRepo = (push: boolean | 401): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}', params: repo,
  reply: push === 401 ? { status: 401, body: { message: 'Bad credentials' } } : { status: 200, body: { full_name: `${OWNER}/${REPO}`, permissions: { admin: false, push, pull: true } } },
});
const installation = (): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/installation', params: repo, reply: { status: 200, body: { id: INSTALLATION, account: { login: OWNER } } },
});

async function post(url: string, body: string, headers: Record<string, string> = { authorization: 'Bearer ghu_user' }, repository = `${OWNER}/${REPO}`) {
  const res = await fetch(`${url}/trailmark/records?repository=${encodeURIComponent(repository)}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function ledgerKinds(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'installations', String(INSTALLATION), 'ledger');
  if (!existsSync(dir)) return [];
  const kinds: string[] = [];
  for await (const e of readEntries(openDirStore(dir))) kinds.push(e.entry.kind);
  return kinds;
}

test('a record posted by a user who can push is stored once, logged, and used as recorded evidence by the next analysis', async () => {
  const h = await startApp();
  const gh = new NockGitHub();
  const server = await h.serve();
  stops.push(() => server.stop());
  const tokenScope = mockToken();
  const checks: unknown[] = [];
  gh.expect(userRepo(true), installation(), userRepo(true), installation(),
    getPull({ number: 2, base: BASE, head: HEAD }), ...noConfig(), ...prFiles(2, [addedFile(RETRY_PATH, RETRY_TS)]), ...prCommits(2, [restCommit(HEAD, BASE)]), ...createCheck((b) => checks.push(b)));
  const record = agentTraceRecord(HEAD);
  expect(await post(server.url, record)).toMatchObject({ status: 201, body: { stored: true, ranges: 1 } });
  expect(await post(server.url, record)).toMatchObject({ status: 200, body: { stored: false } });
  const payload = recorded<{ pull_request: { head: { sha: string }; base: { sha: string }; draft: boolean } }>('pull_request', 'opened');
  payload.pull_request.head.sha = HEAD;
  payload.pull_request.base.sha = BASE;
  payload.pull_request.draft = false;
  await h.receive('pull_request', payload);
  await h.app.drain();
  gh.verify();
  expect(tokenScope.pendingMocks()).toEqual([]);
  const dir = join(h.dataDir, 'installations', String(INSTALLATION), 'ledger');
  const entries = [];
  for await (const e of readEntries(openDirStore(dir))) entries.push(e.entry);
  expect(entries.map((e) => e.kind)).toEqual(['record', 'change.analyzed']);
  const hunks = (entries[1]!.body as unknown as { hunks: { path: string; evidence: string[]; verdict: string }[] }).hunks;
  const retry = hunks.filter((x) => x.path === RETRY_PATH);
  expect(retry.length).toBeGreaterThan(0);
  expect(retry.every((x) => x.evidence.includes('recorded') && x.verdict === 'attested')).toBe(true);
});

test.each([
  ['no token', {}, 401, []],
  ['a token GitHub rejects', { authorization: 'Bearer bad' }, 401, [userRepo(401)]],
  ['a user without push access', { authorization: 'Bearer ghu_reader' }, 403, [userRepo(false)]],
] as const)('refuses %s', async (_name, headers, status, expectations) => {
  const h = await startApp();
  const gh = new NockGitHub();
  const server = await h.serve();
  stops.push(() => server.stop());
  gh.expect(...expectations);
  expect((await post(server.url, agentTraceRecord(HEAD), headers)).status).toBe(status);
  gh.verify();
  expect(await ledgerKinds(h.dataDir)).toEqual([]);
});

test('refuses an invalid record (422), an oversized body (413) and a path-like repository name (400)', async () => {
  const h = await startApp();
  const gh = new NockGitHub();
  const server = await h.serve();
  stops.push(() => server.stop());
  gh.expect(userRepo(true), installation());
  const invalid = await post(server.url, '{"version":"0.1.0","files":"nope"}');
  expect(invalid.status).toBe(422);
  expect(invalid.body.problems).toEqual(expect.arrayContaining([expect.any(String)]) as unknown);
  expect((await post(server.url, 'x'.repeat(RECORD_MAX_BYTES + 1))).status).toBe(413);
  expect((await post(server.url, '{}', { authorization: 'Bearer ghu_user' }, '../etc')).status).toBe(400);
  gh.verify();
  expect(await ledgerKinds(h.dataDir)).toEqual([]);
});

test('a crash after storing a record and before its ledger entry: posting it again appends the entry, once', async () => {
  const h = await startApp();
  const gh = new NockGitHub();
  const server = await h.serve();
  stops.push(() => server.stop());
  gh.expect(userRepo(true), installation(), userRepo(true), installation(), userRepo(true), installation());
  const record = agentTraceRecord(HEAD);
  expect(await post(server.url, record)).toMatchObject({ status: 201, body: { stored: true } });
  // The state such a crash leaves: the record stored, the ledger without its entry.
  const { rmSync } = await import('node:fs');
  rmSync(join(h.dataDir, 'installations', String(INSTALLATION), 'ledger'), { recursive: true });
  expect(await ledgerKinds(h.dataDir)).toEqual([]);
  expect(await post(server.url, record)).toMatchObject({ status: 200, body: { stored: false } });
  expect(await post(server.url, record)).toMatchObject({ status: 200, body: { stored: false } });
  gh.verify();
  expect(await ledgerKinds(h.dataDir)).toEqual(['record']);
});
