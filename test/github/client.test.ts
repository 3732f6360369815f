import { afterEach, describe, expect, test } from 'vitest';
import nock from 'nock';
import { GitHubError } from '../../src/core/errors.js';
import { createGitHubClient } from '../../src/github/client.js';
import { httpStatusOf } from '../../src/github/errors.js';
import { retryDecision, DEFAULT_RETRY_POLICY } from '../../src/github/retry.js';
import { NockGitHub } from './expectations.js';

const NOW = 1_700_000_000_000;
const clock = { now: () => NOW };

function client(sleeps: number[], log: string[] = []) {
  return createGitHubClient({ token: 't', clock, sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); }, log: (l) => log.push(l) });
}

const getRepo = { method: 'GET', route: '/repos/{owner}/{repo}', params: { owner: 'o', repo: 'r' } } as const;

afterEach(() => nock.cleanAll());

describe('retryDecision', () => {
  const table: [string, Parameters<typeof retryDecision>[0], number, ReturnType<typeof retryDecision>][] = [
    ['502 first attempt', { status: 502, headers: {}, message: '' }, 0, { retry: true, waitMs: 1000, reason: 'server-error' }],
    ['503 third attempt doubles', { status: 503, headers: {}, message: '' }, 2, { retry: true, waitMs: 4000, reason: 'server-error' }],
    ['500 after the last retry', { status: 500, headers: {}, message: '' }, 4, { retry: false, rateLimited: false }],
    ['secondary 403 with retry-after', { status: 403, headers: { 'retry-after': '7' }, message: '' }, 0, { retry: true, waitMs: 7000, reason: 'secondary-rate-limit' }],
    ['secondary 429 without headers waits a minute', { status: 429, headers: {}, message: '' }, 0, { retry: true, waitMs: 60_000, reason: 'secondary-rate-limit' }],
    ['secondary 403 by documented message', { status: 403, headers: {}, message: 'You have exceeded a secondary rate limit' }, 0, { retry: true, waitMs: 60_000, reason: 'secondary-rate-limit' }],
    ['primary: waits until reset + 1 s', { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }, message: '' }, 0, { retry: true, waitMs: 31_000, reason: 'primary-rate-limit' }],
    ['primary reset too far away fails', { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 3600) }, message: '' }, 0, { retry: false, rateLimited: true }],
    ['permission 403 is not retried', { status: 403, headers: { 'x-ratelimit-remaining': '4000' }, message: 'Resource not accessible by integration' }, 0, { retry: false, rateLimited: false }],
    ['422 is not retried', { status: 422, headers: {}, message: '' }, 0, { retry: false, rateLimited: false }],
    ['garbage retry-after ignored on 5xx', { status: 502, headers: { 'retry-after': 'soon' }, message: '' }, 1, { retry: true, waitMs: 2000, reason: 'server-error' }],
  ];
  test.each(table)('%s', (_name, failure, attempt, expected) => {
    expect(retryDecision(failure, attempt, NOW, DEFAULT_RETRY_POLICY)).toEqual(expected);
  });
});

describe('createGitHubClient', () => {
  test('retries 502 then secondary rate limit, honouring retry-after, with the injected sleep', async () => {
    const gh = new NockGitHub().expect(
      { ...getRepo, reply: { status: 502, body: { message: 'Bad Gateway' } } },
      { ...getRepo, reply: { status: 403, body: { message: 'You have exceeded a secondary rate limit.' }, headers: { 'retry-after': '3' } } },
      { ...getRepo, reply: { status: 200, body: { id: 1, full_name: 'o/r' } } },
    );
    const sleeps: number[] = [];
    const log: string[] = [];
    const res = await client(sleeps, log).rest.repos.get({ owner: 'o', repo: 'r' });
    expect(res.data.full_name).toBe('o/r');
    expect(sleeps).toEqual([1000, 3000]);
    expect(log.join('\n')).toContain('status 502 (server-error); retrying in 1 s');
    gh.verify();
  });

  test('primary rate limit waits until x-ratelimit-reset', async () => {
    const gh = new NockGitHub().expect(
      { ...getRepo, reply: { status: 403, body: { message: 'API rate limit exceeded' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 5) } } },
      { ...getRepo, reply: { status: 200, body: { id: 1, full_name: 'o/r' } } },
    );
    const sleeps: number[] = [];
    await client(sleeps).rest.repos.get({ owner: 'o', repo: 'r' });
    expect(sleeps).toEqual([6000]);
    gh.verify();
  });

  test('persistent 5xx becomes a GitHubError naming the route, after the retries', async () => {
    const gh = new NockGitHub().expect({ ...getRepo, times: 5, reply: { status: 503, body: { message: 'unavailable' } } });
    const sleeps: number[] = [];
    const err = await client(sleeps).rest.repos.get({ owner: 'o', repo: 'r' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubError);
    expect((err as GitHubError).code).toBe('GITHUB_HTTP');
    expect((err as GitHubError).message).toContain('GET /repos/{owner}/{repo} failed with status 503');
    expect((err as GitHubError).hint).toBeDefined();
    expect(httpStatusOf(err)).toBe(503);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
    gh.verify();
  });

  test('a permission 403 fails at once as GITHUB_FORBIDDEN', async () => {
    const gh = new NockGitHub().expect({ ...getRepo, reply: { status: 403, body: { message: 'Resource not accessible by integration' } } });
    const sleeps: number[] = [];
    const err = await client(sleeps).rest.repos.get({ owner: 'o', repo: 'r' }).catch((e: unknown) => e);
    expect((err as GitHubError).code).toBe('GITHUB_FORBIDDEN');
    expect(sleeps).toEqual([]);
    gh.verify();
  });

  test('sends the trailmark user agent and token', async () => {
    nock.disableNetConnect();
    const scope = nock('https://api.github.com', { reqheaders: { authorization: 'token t', 'user-agent': /^trailmark\/\d/ } }).get('/repos/o/r').reply(200, { id: 1 });
    await client([]).rest.repos.get({ owner: 'o', repo: 'r' });
    expect(scope.isDone()).toBe(true);
  });
});
