// The worker publishes an analysis's check run once (src/github/check-run.ts): the same head
// analyzed a second time (a job run twice) finds the first run by its external id and creates
// none, with every request mocked and counted.
import { expect, test } from 'vitest';
import { NockGitHub, type Expectation } from '../github/expectations.js';
import { TEST_HEAD, addedFile, capturingLog, createCheck, getPull, listChecks, mockToken, noConfig, prCommits, prFiles, recorded, restCommit, startApp } from './harness.js';

const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const HEAD = TEST_HEAD;

interface CreateBody {
  readonly name: string;
  readonly conclusion: string;
  readonly external_id?: string;
  readonly output: { readonly title: string; readonly annotations?: readonly unknown[] };
}

test('the same analysis run twice: the second finds the first check run by its external id and creates none (one list request)', async () => {
  const { log, lines } = capturingLog();
  const h = await startApp({ log });
  const files = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];
  const reads = (): Expectation[] => [getPull({ number: 2, base: BASE, head: HEAD }), ...noConfig(), ...prFiles(2, files), ...prCommits(2, [restCommit(HEAD, BASE)])];
  const payload = recorded<{ pull_request: { head: { sha: string }; base: { sha: string }; draft: boolean } }>('pull_request', 'opened');
  payload.pull_request.head.sha = HEAD;
  payload.pull_request.base.sha = BASE;
  payload.pull_request.draft = false;

  const created: CreateBody[] = [];
  const tokenScope = mockToken();
  const first = new NockGitHub().expect(...reads(), ...createCheck((b) => created.push(b as CreateBody)));
  await h.receive('pull_request', payload);
  await h.app.drain();
  first.verify();
  expect(created).toHaveLength(1);
  const externalId = created[0]!.external_id;
  expect(externalId).toMatch(/^trailmark:[0-9a-f]{40}$/);

  // A second delivery of the same head (as a rerun after a lost lease would): the list finds the
  // completed run with the same external id; no create, no update.
  const existing = {
    id: 7, name: 'trailmark', head_sha: HEAD, status: 'completed', conclusion: created[0]!.conclusion, external_id: externalId,
    html_url: 'https://github.com/o/r/runs/7', output: { annotations_count: created[0]!.output.annotations?.length ?? 0 },
  };
  const second = new NockGitHub().expect(...reads(), listChecks(HEAD, [existing]));
  await h.receive('pull_request', payload);
  await h.app.drain();
  second.verify();
  expect(tokenScope.pendingMocks()).toEqual([]);
  expect(lines.filter((l) => /failed|could not/.test(l))).toEqual([]);
});
