import { expect, test } from 'vitest';
import { requestBodyErrors } from './openapi.js';

const route = '/repos/{owner}/{repo}/check-runs';

test('a valid check-run body passes', () => {
  expect(requestBodyErrors('POST', route, { name: 'trailmark', head_sha: 'a', status: 'completed', conclusion: 'neutral', output: { title: 't', summary: 's', annotations: [{ path: 'a.ts', start_line: 1, end_line: 1, annotation_level: 'notice', message: 'm' }] } })).toEqual([]);
});

test.each([
  ['unknown conclusion', { name: 'x', head_sha: 'a', conclusion: 'maybe' }],
  ['missing head_sha', { name: 'x' }],
  ['annotation level outside the enum', { name: 'x', head_sha: 'a', output: { title: 't', summary: 's', annotations: [{ path: 'a', start_line: 1, end_line: 1, annotation_level: 'error', message: 'm' }] } }],
])('rejects %s', (_name, body) => {
  expect(requestBodyErrors('POST', route, body)).not.toEqual([]);
});

test('git ref update: force must be a boolean', () => {
  expect(requestBodyErrors('PATCH', '/repos/{owner}/{repo}/git/refs/{ref}', { sha: 'a'.repeat(40), force: false })).toEqual([]);
  expect(requestBodyErrors('PATCH', '/repos/{owner}/{repo}/git/refs/{ref}', { sha: 'a'.repeat(40), force: 'no' })).toEqual(['PATCH /repos/{owner}/{repo}/git/refs/{ref}: /force must be boolean']);
});

test('an operation that does not exist is a test error', () => {
  expect(() => requestBodyErrors('POST', '/repos/{owner}/{repo}/nonsense', {})).toThrow(/no operation/);
});
