// GitHub Enterprise Server: the installation token is minted at the server's base URL, like
// every other request (Probot 14 alone sends it to api.github.com; see app/probot-octokit.ts).
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { pino } from 'pino';
import type { ProbotOctokit } from 'probot';
import { Probot } from 'probot';
import { afterEach, expect, test } from 'vitest';
import { EnterpriseProbotOctokit } from '../../app/probot-octokit.js';

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const GHE = 'http://ghe.example.com';

afterEach(() => {
  nock.cleanAll();
});

function probotWith(Octokit: typeof ProbotOctokit, baseUrl: string): Probot {
  return new Probot({ appId: 1, privateKey, secret: 'test', baseUrl, Octokit: Octokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }), log: pino({ level: 'silent' }) });
}

const tokenReply = { token: 'ghs_enterprise', expires_at: '2999-01-01T00:00:00Z', permissions: { checks: 'write' }, repository_selection: 'all' };

test.each([
  [`${GHE}/api/v3`, GHE, '/api/v3/app/installations/5/access_tokens'],
  ['https://api.github.com', 'https://api.github.com', '/app/installations/5/access_tokens'],
])('with base URL %s the installation token is requested from %s%s', async (baseUrl, host, path) => {
  nock.disableNetConnect();
  const scope = nock(host).post(path).reply(201, tokenReply);
  const octokit = await probotWith(EnterpriseProbotOctokit, baseUrl).auth(5);
  const { token } = (await octokit.auth({ type: 'installation' })) as { token: string };
  expect(token).toBe('ghs_enterprise');
  expect(scope.pendingMocks()).toEqual([]);
});
