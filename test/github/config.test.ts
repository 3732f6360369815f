import { afterEach, expect, test } from 'vitest';
import nock from 'nock';
import { createGitHubClient } from '../../src/github/client.js';
import { readRepositoryFile } from '../../src/github/config.js';
import { NockGitHub, type Expectation } from './expectations.js';

const client = () => createGitHubClient({ token: 't', sleep: () => Promise.resolve() });
const BASE = 'b'.repeat(40);
const get = (reply: Expectation['reply']): Expectation => ({ method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { owner: 'o', repo: 'r', path: '.github/trailmark.yml' }, reply });
const file = (bytes: Buffer, extra: object = {}) => ({ status: 200, body: { type: 'file', encoding: 'base64', size: bytes.byteLength, name: 'trailmark.yml', path: '.github/trailmark.yml', sha: 'a'.repeat(40), content: bytes.toString('base64'), ...extra } });

afterEach(() => nock.cleanAll());

test('reads the file at the base revision', async () => {
  const gh = new NockGitHub();
  nock('https://api.github.com').get('/repos/o/r/contents/.github%2Ftrailmark.yml').query({ ref: BASE }).reply(200, file(Buffer.from('thresholds:\n  high: 0.9\n')).body);
  expect(await readRepositoryFile(client(), 'o', 'r', '.github/trailmark.yml', BASE)).toBe('thresholds:\n  high: 0.9\n');
  gh.verify();
});

test('a missing file is null (default policy), not an error', async () => {
  const gh = new NockGitHub().expect(get({ status: 404, body: { message: 'Not Found' } }));
  expect(await readRepositoryFile(client(), 'o', 'r', '.github/trailmark.yml', BASE)).toBeNull();
  gh.verify();
});

test.each([
  ['a directory', { status: 200, body: [] }, /is not a file/],
  ['a file over the limit', file(Buffer.alloc(300 * 1024, 0x61)), /over the 262144-byte limit/],
  ['a file served without content (over 1 MB)', file(Buffer.alloc(0), { size: 2_000_000, encoding: 'none', content: '' }), /over the/],
  ['invalid UTF-8', file(Buffer.from([0x61, 0xc3, 0x28])), /not valid UTF-8/],
])('%s is a CONFIG_UNREADABLE error with a hint', async (_name, reply, message) => {
  const gh = new NockGitHub().expect(get(reply));
  await expect(readRepositoryFile(client(), 'o', 'r', '.github/trailmark.yml', BASE)).rejects.toMatchObject({ code: 'CONFIG_UNREADABLE', message: expect.stringMatching(message), hint: expect.any(String) });
  gh.verify();
});

test('a 403 is an error, never mistaken for "no config"', async () => {
  const gh = new NockGitHub().expect(get({ status: 403, body: { message: 'Resource not accessible by integration' } }));
  await expect(readRepositoryFile(client(), 'o', 'r', '.github/trailmark.yml', BASE)).rejects.toMatchObject({ code: 'GITHUB_FORBIDDEN' });
  gh.verify();
});
