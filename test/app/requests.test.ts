// API frugality: every request of an analysis is mocked and counted, for a 20-file and a
// 300-file pull request (the figures in docs/app.md).
import { expect, test } from 'vitest';
import { NockGitHub, type Expectation } from '../github/expectations.js';
import { addedFile, createCheck, getPull, mockToken, noConfig, prCommits, prFiles, recorded, restCommit, startApp } from './harness.js';

const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

async function analysisRequests(fileCount: number): Promise<number> {
  const h = await startApp();
  const files = Array.from({ length: fileCount }, (_, i) => addedFile(`src/m${String(i).padStart(3, '0')}.ts`, `export const value${i} = ${i};\n`));
  const expectations: Expectation[] = [getPull({ number: 2, base: BASE, head: HEAD, changedFiles: fileCount }), ...noConfig(), ...prFiles(2, files), ...prCommits(2, [restCommit(HEAD, BASE)]), ...createCheck(() => undefined)];
  const gh = new NockGitHub();
  const tokenScope = mockToken();
  gh.expect(...expectations);
  const payload = recorded<{ pull_request: { head: { sha: string }; base: { sha: string }; draft: boolean } }>('pull_request', 'opened');
  payload.pull_request.head.sha = HEAD;
  payload.pull_request.base.sha = BASE;
  payload.pull_request.draft = false;
  await h.receive('pull_request', payload);
  await h.app.drain();
  expect(tokenScope.pendingMocks()).toEqual([]);
  gh.verify();
  return expectations.reduce((n, e) => n + (e.times ?? 1), 0) + 1;
}

test('a 20-file pull request costs 9 requests, a 300-file one 11 (token, Agent Trace read and the check-run list that keeps publishing idempotent included): added files are read off their patches', async () => {
  expect(await analysisRequests(20)).toBe(9);
  expect(await analysisRequests(300)).toBe(11);
});
