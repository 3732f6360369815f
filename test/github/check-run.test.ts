import { afterEach, expect, test } from 'vitest';
import nock from 'nock';
import { createGitHubClient } from '../../src/github/client.js';
import { publishCheckRun, type CheckAnnotation } from '../../src/github/check-run.js';
import { CHECK_RUN_SUMMARY_MAX_CHARS } from '../../src/github/limits.js';
import { NockGitHub } from './expectations.js';

const client = () => createGitHubClient({ token: 't', sleep: () => Promise.resolve() });
const HEAD = 'a'.repeat(40);
const annotations = (n: number): CheckAnnotation[] =>
  Array.from({ length: n }, (_, i) => ({ path: `src/f${i}.ts`, startLine: i + 1, endLine: i + 2, level: 'notice' as const, message: `finding ${i}`, title: 'unattested' }));
const run = (n: number, summary = '## trailmark') => ({ owner: 'o', repo: 'r', headSha: HEAD, name: 'trailmark', conclusion: 'neutral' as const, title: `${n} findings`, summary, annotations: annotations(n) });
const created = { status: 201, body: { id: 42, html_url: 'https://github.com/o/r/runs/42' } };

afterEach(() => nock.cleanAll());

test('120 annotations go out in 3 requests of 50, 50 and 20, in order', async () => {
  const batches: number[][] = [];
  const lines = (b: unknown) => (b as { output: { annotations: { start_line: number }[] } }).output.annotations.map((a) => a.start_line);
  const gh = new NockGitHub().expect(
    { method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: { owner: 'o', repo: 'r' }, reply: created, body: (b) => {
      expect(b).toMatchObject({ name: 'trailmark', head_sha: HEAD, status: 'completed', conclusion: 'neutral', output: { title: '120 findings', summary: '## trailmark' } });
      batches.push(lines(b));
    } },
    { method: 'PATCH', route: '/repos/{owner}/{repo}/check-runs/{check_run_id}', params: { owner: 'o', repo: 'r', check_run_id: 42 }, times: 2, reply: { status: 200, body: { id: 42 } }, body: (b) => batches.push(lines(b)) },
  );
  const result = await publishCheckRun(client(), run(120));
  expect(result).toEqual({ published: true, id: 42, url: 'https://github.com/o/r/runs/42', requests: 3 });
  expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
  expect(batches.flat()).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  gh.verify();
});

test('no annotations: one request, no annotations field', async () => {
  const gh = new NockGitHub().expect({ method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: { owner: 'o', repo: 'r' }, reply: created, body: (b) => {
    expect((b as { output: object }).output).not.toHaveProperty('annotations');
  } });
  expect(await publishCheckRun(client(), { ...run(0), conclusion: 'success' })).toMatchObject({ published: true, requests: 1 });
  gh.verify();
});

test('a summary over 65,535 characters is cut with a note', async () => {
  let sent = '';
  const gh = new NockGitHub().expect({ method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: { owner: 'o', repo: 'r' }, reply: created, body: (b) => {
    sent = (b as { output: { summary: string } }).output.summary;
  } });
  await publishCheckRun(client(), run(1, `${'| row |\n'.repeat(20_000)}`));
  expect(sent.length).toBeLessThanOrEqual(CHECK_RUN_SUMMARY_MAX_CHARS);
  expect(sent).toMatch(/65,535-character limit/);
  gh.verify();
});

test('a token that cannot write checks (fork pull request) yields published: false, not a throw', async () => {
  const gh = new NockGitHub().expect({ method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: { owner: 'o', repo: 'r' }, reply: { status: 403, body: { message: 'Resource not accessible by integration' } } });
  const result = await publishCheckRun(client(), run(3));
  expect(result.published).toBe(false);
  if (!result.published) expect(result.error.code).toBe('GITHUB_FORBIDDEN');
  gh.verify();
});

test('a failure on a later batch is an error, not a silent partial publish', async () => {
  const gh = new NockGitHub().expect(
    { method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: { owner: 'o', repo: 'r' }, reply: created },
    { method: 'PATCH', route: '/repos/{owner}/{repo}/check-runs/{check_run_id}', params: { owner: 'o', repo: 'r', check_run_id: 42 }, reply: { status: 422, body: { message: 'Validation Failed' } } },
  );
  await expect(publishCheckRun(client(), run(60))).rejects.toMatchObject({ code: 'GITHUB_CONFLICT' });
  gh.verify();
});
