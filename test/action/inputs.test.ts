import { expect, test } from 'vitest';
import { parseInputs } from '../../action/inputs.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

test('defaults', () => {
  expect(parseInputs(reader({ 'github-token': 'ghs_x' }))).toEqual({ token: 'ghs_x', config: '.github/trailmark.yml', ledger: 'branch', ledgerBranch: 'trailmark-ledger', failOn: 'none', mode: 'auto' });
});

test('every input', () => {
  expect(parseInputs(reader({ 'github-token': 't', config: 'ci/tm.yml', ledger: 'none', 'ledger-branch': 'audit/ledger', 'signing-key': ' PRIVATE+KEY+x+1+AA \n', 'fail-on': 'contradicted', 'sarif-file': 'trailmark.sarif', mode: 'report', 'report-week': '2026-W48', 'report-issue': 'true' }))).toEqual({
    token: 't', config: 'ci/tm.yml', ledger: 'none', ledgerBranch: 'audit/ledger', signingKey: 'PRIVATE+KEY+x+1+AA', failOn: 'contradicted', sarifFile: 'trailmark.sarif',
    mode: 'report', reportWeek: '2026-W48', reportIssue: true,
  });
  expect(parseInputs(reader({ 'github-token': 't', 'report-issue': 'false' })).reportIssue).toBe(false);
});

test.each([
  [{ 'github-token': '' }, /github-token is empty/],
  [{ 'github-token': 't', 'fail-on': 'always' }, /fail-on is "always"/],
  [{ 'github-token': 't', ledger: 'git' }, /ledger is "git"/],
  [{ 'github-token': 't', mode: 'weekly' }, /mode is "weekly"/],
  [{ 'github-token': 't', 'report-week': '2026-49' }, /report-week "2026-49" is not an ISO week/],
  [{ 'github-token': 't', 'report-issue': 'yes' }, /report-issue is "yes"/],
  [{ 'github-token': 't', 'ledger-branch': 'a..b' }, /not a valid branch name/],
  [{ 'github-token': 't', 'ledger-branch': 'x.lock' }, /not a valid branch name/],
  [{ 'github-token': 't', config: '../../etc/passwd' }, /not a repository-relative path/],
])('refuses %j', (values, message) => {
  expect(() => parseInputs(reader(values))).toThrow(message);
});
