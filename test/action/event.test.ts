import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { targetOfEvent } from '../../action/event.js';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, unknown>[] }[];
const example = (name: string, action?: string) => examples.find((e) => e.name === name)!.examples.find((p) => action === undefined || p.action === action)!;
const SHA = 'f'.repeat(40);

describe('targetOfEvent on recorded webhooks', () => {
  test.each(['opened', 'synchronize', 'reopened', 'ready_for_review'])('pull_request %s: base and head from the payload, never GITHUB_SHA', (action) => {
    const payload = example('pull_request', action) as { pull_request: { number: number; base: { sha: string }; head: { sha: string } } };
    const target = targetOfEvent('pull_request', payload, SHA);
    expect(target).toMatchObject({ kind: 'pull-request', number: payload.pull_request.number, base: payload.pull_request.base.sha, head: payload.pull_request.head.sha });
    expect(target.kind === 'pull-request' && target.head).not.toBe(SHA);
  });

  test.each(['closed', 'labeled', 'assigned'])('pull_request %s is skipped with a reason', (action) => {
    expect(targetOfEvent('pull_request', example('pull_request', action), SHA)).toMatchObject({ kind: 'skip', reason: expect.stringContaining(action) });
  });

  test('pull_request_target is read like pull_request (the payload is the same)', () => {
    expect(targetOfEvent('pull_request_target', example('pull_request', 'opened'), SHA)).toMatchObject({ kind: 'pull-request', fork: false });
  });

  test('a fork pull request is marked', () => {
    const payload = structuredClone(example('pull_request', 'opened')) as { pull_request: { head: { repo: { full_name: string } } } };
    payload.pull_request.head.repo.full_name = 'mallory/Hello-World';
    expect(targetOfEvent('pull_request', payload, SHA)).toMatchObject({ fork: true });
  });

  test('merge_group: base_sha...head_sha', () => {
    const payload = example('merge_group') as { merge_group: { base_sha: string; head_sha: string } };
    expect(targetOfEvent('merge_group', payload, SHA)).toEqual({ kind: 'compare', base: payload.merge_group.base_sha, head: payload.merge_group.head_sha, event: 'merge_group' });
  });

  test('push of branch commits: before...after; tag push and branch deletion are skipped', () => {
    // The recorded branch push created the branch (before = zeros): compared with the default branch.
    const created = examples.find((e) => e.name === 'push')!.examples.find((p) => (p.ref as string).startsWith('refs/heads/'))!;
    expect(targetOfEvent('push', created, SHA)).toEqual({ kind: 'compare', base: 'master', head: created.after, event: 'push' });
    const branchPush: Record<string, unknown> = { ...created, before: 'e'.repeat(40) };
    expect(targetOfEvent('push', branchPush, SHA)).toEqual({ kind: 'compare', base: branchPush.before, head: branchPush.after, event: 'push' });
    expect(targetOfEvent('push', example('push'), SHA)).toMatchObject({ kind: 'skip', reason: expect.stringContaining('tag') });
    expect(targetOfEvent('push', { ...branchPush, after: '0'.repeat(40) }, SHA)).toMatchObject({ kind: 'skip', reason: expect.stringContaining('deleted') });
  });

  test('workflow_dispatch: inputs base and head (head defaults to GITHUB_SHA); base is required', () => {
    const payload = example('workflow_dispatch');
    const base = 'a'.repeat(40);
    expect(targetOfEvent('workflow_dispatch', { ...payload, inputs: { base } }, SHA)).toEqual({ kind: 'compare', base, head: SHA, event: 'workflow_dispatch' });
    expect(() => targetOfEvent('workflow_dispatch', { ...payload, inputs: {} }, SHA)).toThrow(/needs an input named base/);
    expect(() => targetOfEvent('workflow_dispatch', { ...payload, inputs: { base: 'main; rm -rf /' } }, SHA)).toThrow(/no valid workflow_dispatch input base/);
  });

  test('hostile payload values are refused, not used', () => {
    const payload = structuredClone(example('pull_request', 'opened')) as { pull_request: { head: { sha: string } } };
    payload.pull_request.head.sha = '--upload-pack=touch /tmp/pwned';
    expect(() => targetOfEvent('pull_request', payload, SHA)).toThrow(/no valid pull_request.head.sha/);
  });

  test('other events are skipped', () => {
    expect(targetOfEvent('issues', example('issues'), SHA)).toMatchObject({ kind: 'skip' });
  });
});
