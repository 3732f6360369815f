// A declaration (`/trailmark attest`, the check-run button) covers the content as of the head it
// was made on: real git history, a second author pushing after the declaration.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { remediationCovers, remediationScope } from '../../src/attest/commit-evidence.js';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.js';
import type { ChangeSet, Commit, Remediation } from '../../src/core/types.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { GitChangeSource } from '../../src/git/index.js';
import { GitFixture } from '../support/git-fixture.js';
import { AI_FILE } from './harness.js';

const policy: Policy = { ...DEFAULT_POLICY, sensitivePaths: ['src/**'] };
const SESSION = 'src/auth/session.ts';
/** Bob's file: the same AI-like code under another path, so only the evidence differs. */
const LATER = 'src/auth/tokens.ts';

const declaration = (headSha: string): Remediation => ({ user: 'dave', declaration: 'Assisted-by: Claude:claude-opus-4-5', headSha, paths: [], time: '2026-12-01T00:00:00Z' });

/** The same change set without line attribution, as a source that cannot attribute gives it. */
function unattributed(cs: ChangeSet): ChangeSet {
  return { ...cs, files: cs.files.map(({ lineCommits: _, ...f }) => f) };
}

describe('a declaration and a later push by another author', () => {
  let repo: GitFixture;
  let headA: string;
  let atA: ChangeSet;
  let atB: ChangeSet;

  beforeAll(async () => {
    repo = await GitFixture.create();
    await repo.write('README.md', '# widgets\n');
    await repo.commit('initial');
    await repo.checkout('feature', { create: true });
    await repo.write(SESSION, AI_FILE);
    headA = await repo.commit('feat(auth): sessions', { author: { name: 'Alice', email: 'alice@example.com' } });
    atA = await new GitChangeSource({ repo: repo.dir, base: 'main', head: 'HEAD' }).load();
    await repo.write(LATER, AI_FILE);
    await repo.commit('feat: retries', { author: { name: 'Bob', email: 'bob@example.com' } });
    atB = await new GitChangeSource({ repo: repo.dir, base: 'main', head: 'HEAD' }).load();
  });
  afterAll(async () => {
    await rm(dirname(repo.dir), { recursive: true, force: true });
  });

  const verdicts = async (cs: ChangeSet, remediations: Remediation[]) => {
    const result = await analyzeChange(cs, { policy, remediations });
    return Object.fromEntries(result.hunks.map((h) => [h.path, h.verdict]));
  };

  test('without a declaration both files are unattested (the premise)', async () => {
    expect(await verdicts(atB, [])).toEqual({ [SESSION]: 'unattested', [LATER]: 'unattested' });
  });

  test('made at head A, it attests what A contains, and not the commit Bob pushed afterwards', async () => {
    expect(await verdicts(atA, [declaration(headA)])).toEqual({ [SESSION]: 'attested' });
    expect(await verdicts(atB, [declaration(headA)])).toEqual({ [SESSION]: 'attested', [LATER]: 'unattested' });
  });

  test('made at the newest head, it covers both commits', async () => {
    expect(await verdicts(atB, [declaration(atB.head!)])).toEqual({ [SESSION]: 'attested', [LATER]: 'attested' });
  });

  test('without line attribution it covers nothing once the head moved, everything on the head it was made on', async () => {
    expect(await verdicts(unattributed(atB), [declaration(headA)])).toEqual({ [SESSION]: 'unattested', [LATER]: 'unattested' });
    expect(await verdicts(unattributed(atB), [declaration(atB.head!)])).toEqual({ [SESSION]: 'attested', [LATER]: 'attested' });
  });

  test('a declaration on a head that is not in the pull request (history rewritten) covers nothing that moved', async () => {
    expect(await verdicts(atB, [declaration('0'.repeat(40))])).toEqual({ [SESSION]: 'unattested', [LATER]: 'unattested' });
  });
});

describe('remediationScope', () => {
  const commit = (sha: string, parents: string[]): Commit => ({
    sha, parents, message: '', authorDate: '2026-01-01T00:00:00Z',
    author: { name: 'a', email: 'a@example.com' }, committer: { name: 'a', email: 'a@example.com' },
  });
  // base <- a <- b <- m (merge of b and c) <- d ; c's parent is a
  const commits = [commit('a', ['base']), commit('b', ['a']), commit('c', ['a']), commit('m', ['b', 'c']), commit('d', ['m'])];

  test.each([
    ['a', ['a']],
    ['b', ['a', 'b']],
    ['m', ['a', 'b', 'c', 'm']],
    ['d', ['a', 'b', 'c', 'd', 'm']],
    ['zzz', []],
  ])('made at %s covers %j (ancestors within the pull request, never the base)', (head, covered) => {
    expect([...remediationScope(head, 'd', commits).commits].sort()).toEqual(covered);
  });

  test.each([
    [['a', 'b'], 'b', true],
    [['a', 'c'], 'b', false],
    [['a', undefined], 'b', false],
    [['a', undefined], 'd', true],
    [[], 'b', true],
  ] as const)('lines %j with the declaration at %s: covered %s', (lines, head, covered) => {
    expect(remediationCovers(remediationScope(head, 'd', commits), lines)).toBe(covered);
  });
});
