// The commit message as commit-level inferred evidence, end to end: real git commits read by the
// local change source, real tree-sitter, the shipped hunk and message models.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { ChangeSet, HunkResult, ScanResult } from '../../src/core/types.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { GitChangeSource } from '../../src/git/index.js';
import { GitHubChangeSource } from '../../src/github/change-source.js';
import { createGitHubClient } from '../../src/github/client.js';
import { GitFixture } from '../support/git-fixture.js';
import { simUnavailable, startSim } from '../support/github-sim.js';
import { cloneFromSim, SimApi } from '../differential/sim-repo.js';
import { AGENT_STYLE_MESSAGE } from '../support/commit-messages.js';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom } from '../../detectors/commit-message.js';
import { REGISTRY } from '../../src/attest/registry.js';

const BASE = [
  'export interface User {',
  '  id: string;',
  '  name: string;',
  '}',
  '',
  'export function byId(users: User[], id: string): User | undefined {',
  '  return users.find((u) => u.id === id);',
  '}',
  '',
].join('\n');

// A small change (4 added lines): on its own the code model leaves it unscored.
const CHANGED = `${BASE}export function names(users: User[]): string[] {\n  return users.map((u) => u.name);\n}\n\n`;


const repos: GitFixture[] = [];
afterEach(async () => {
  for (const r of repos.splice(0)) await r.cleanup();
});

/** A real repository whose one commit after `base` adds the names helper (or `head`) with `message`. */
async function changed(message: string, trailers: string[] = [], head = CHANGED): Promise<{ changeSet: ChangeSet; sha: string }> {
  const repo = await GitFixture.create();
  repos.push(repo);
  await repo.write('src/users.ts', BASE);
  await repo.commit('initial');
  await repo.git(['branch', 'base']);
  await repo.write('src/users.ts', head);
  const sha = await repo.commit(message, { trailers });
  return { changeSet: await new GitChangeSource({ repo: repo.dir, base: 'base', head: 'HEAD' }).load(), sha };
}

async function scan(message: string, options: { trailers?: string[] } = {}): Promise<{ result: ScanResult; hunk: HunkResult; sha: string }> {
  const { changeSet, sha } = await changed(message, options.trailers);
  const result = await analyzeChange(changeSet, { policy: DEFAULT_POLICY });
  const hunk = result.hunks.find((h) => h.path === 'src/users.ts');
  expect(hunk).toBeDefined();
  return { result, hunk: hunk!, sha };
}

describe('commit messages as commit-level evidence (real git, real tree-sitter)', () => {
  it('turns a small hunk in a commit with an agent-style message into a likely-AI finding, with the reason shown', async () => {
    const { result, hunk, sha } = await scan(AGENT_STYLE_MESSAGE);
    expect(hunk.addedLines).toBeLessThanOrEqual(20);
    expect(hunk.commits).toEqual([sha]);
    const message = hunk.evidence.find((e) => e.source === 'commit-message');
    expect(message).toMatchObject({ class: 'inferred', says: 'ai', commit: sha });
    expect(message!.detail).toContain(`commit ${sha.slice(0, 7)}'s message reads like agent-written messages: 16 lines, 7 bullet points`);
    expect(message!.detail).toContain('sections "Summary", "Changes", "Test plan"');
    expect(hunk.verdict).toBe('unattested');
    expect(hunk.reason).toContain(`with commit ${sha.slice(0, 7)}'s agent-like message`);
    expect(hunk.signals.map((s) => s.id)).toContain('commit-message/agent-like');
    const finding = result.findings.find((f) => f.path === 'src/users.ts');
    expect(finding?.kind).toBe('unattested');
    expect(finding?.message).toContain('reads like agent-written messages');
    expect(result.summary.evidence.inferred).toBeGreaterThanOrEqual(1);
  });

  it('leaves the same hunk alone when the message is terse', async () => {
    const agent = await scan(AGENT_STYLE_MESSAGE);
    const { result, hunk } = await scan('add names helper');
    expect(hunk.evidence.filter((e) => e.source === 'commit-message')).toEqual([]);
    expect(hunk.signals.filter((s) => s.id.startsWith('commit-message/'))).toEqual([]);
    expect(hunk.verdict).not.toBe('unattested');
    expect(result.findings).toEqual([]);
    expect(hunk.score).toBeLessThan(agent.hunk.score);
    // Same code, same content digest: only the message differs.
    expect(hunk.contentDigest).toBe(agent.hunk.contentDigest);
  });

  it('adds every message\'s ratio to the code\'s log-odds, bounded at 3, never below 0 (a terse message does not clear AI-like code), with evidence only at the operating point', async () => {
    const markers = stampMarkersFrom(REGISTRY);
    // The code's own log-odds: the same change with no commit attribution (a plain patch).
    const { changeSet: loaded } = await changed('x');
    const unattributed = { ...loaded, files: loaded.files.map((f) => { const { lineCommits: _drop, ...rest } = f; return rest; }) };
    const code = (await analyzeChange(unattributed, { policy: DEFAULT_POLICY })).hunks.find((h) => h.path === 'src/users.ts')!;
    expect(code.signals.filter((s) => /^(commit-message|pr-description)\//.test(s.id))).toEqual([]);
    const logit = (p: number): number => Math.log(p / (1 - p));
    const leaning = 'Add a names helper for user lists\n\nThe admin panel and the export job both mapped users to their names by hand.\nThis adds `names()` next to `byId()` in `src/users.ts` and uses it in both places.\n';
    for (const message of ['add names helper', 'fix', leaning, AGENT_STYLE_MESSAGE]) {
      const { llr } = scoreMessage(message, markers);
      const { hunk } = await scan(message);
      const added = Math.max(0, Math.min(3, llr));
      expect(logit(hunk.score) - logit(code.score)).toBeCloseTo(added, 2);
      const signals = hunk.signals.filter((s) => s.id.startsWith('commit-message/'));
      if (llr <= 0) {
        expect(signals).toEqual([]);
        expect(hunk.score).toBe(code.score);
      } else {
        expect(signals).toHaveLength(1);
        expect(signals[0]!.weight).toBeCloseTo(added, 3);
        expect(signals[0]!.id).toBe(llr >= DEFAULT_MESSAGE_MODEL.threshold ? 'commit-message/agent-like' : 'commit-message/leans-agent');
        expect(signals[0]!.detail).toMatch(llr >= DEFAULT_MESSAGE_MODEL.threshold
          ? /^commit [0-9a-f]{7}'s message reads like agent-written messages: 16 lines, 7 bullet points/
          : /^commit [0-9a-f]{7}'s message leans toward agent-written messages \(below the operating point\): 3 lines, 3 code spans, 1 file path$/);
      }
      expect(hunk.evidence.some((e) => e.source === 'commit-message')).toBe(llr >= DEFAULT_MESSAGE_MODEL.threshold);
    }
    // The cases cover each side: a person-like message, one leaning agent, one past the bound.
    const llrs = ['fix', leaning, AGENT_STYLE_MESSAGE].map((m) => scoreMessage(m, markers).llr);
    expect(llrs[0]).toBeLessThan(0);
    expect(llrs[1]).toBeGreaterThan(0);
    expect(llrs[1]).toBeLessThan(DEFAULT_MESSAGE_MODEL.threshold);
    expect(llrs[2]).toBeGreaterThan(3);
  });

  it('says when no code signal fired: a one-line change is clear with a terse message, and flagged by an agent-like message alone', async () => {
    const oneLine = `${BASE}export const MAX_USERS = 500;\n`;
    const terse = await changed('raise the user limit', [], oneLine);
    const [clear] = (await analyzeChange(terse.changeSet, { policy: DEFAULT_POLICY })).hunks;
    expect(clear!.signals.map((s) => s.id)).toEqual(['hunk-shape/size']);
    expect(clear!.verdict).toBe('clear');
    expect(clear!.reason).toMatch(/^score 0\.\d\d < 0\.7; beyond its size, no code signal fired on its 1 added line$/);
    const agent = await changed(AGENT_STYLE_MESSAGE, [], oneLine);
    const [flagged] = (await analyzeChange(agent.changeSet, { policy: DEFAULT_POLICY })).hunks;
    expect(flagged!.signals.map((s) => s.id)).toEqual(['commit-message/agent-like', 'hunk-shape/size']);
    expect(flagged!.verdict).toBe('unattested');
    expect(flagged!.reason).toBe(`score ${flagged!.score.toFixed(2)} ≥ 0.94 (with commit ${agent.sha.slice(0, 7)}'s agent-like message) and nothing declares AI involvement; beyond its size, no code signal fired on its 1 added line`);
    // A hunk with code signals says nothing of the kind.
    const narrated = `${BASE}export function names(users: User[]): string[] {\n  // Validate the input parameters to ensure they are correct.\n  if (!Array.isArray(users)) {\n    throw new Error('users must be an array');\n  }\n  // Map each user to their display name and return the result.\n  return users.map((u) => u.name);\n}\n`;
    const [hunk] = (await analyzeChange((await changed(AGENT_STYLE_MESSAGE, [], narrated)).changeSet, { policy: DEFAULT_POLICY })).hunks;
    if (hunk === undefined) throw new Error('no hunk');
    expect(hunk.signals.some((s) => !s.id.startsWith('commit-message/') && s.id !== 'hunk-shape/size')).toBe(true);
    expect(hunk.reason).not.toContain('no code signal');
  });

  it('still attests a stamped commit: the stamp wins, and the stamp is not what the message is scored on', async () => {
    const { hunk, sha } = await scan(`${AGENT_STYLE_MESSAGE}\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)`, { trailers: ['Co-Authored-By: Claude <noreply@anthropic.com>'] });
    expect(hunk.verdict).toBe('attested');
    expect(hunk.evidence.map((e) => e.class)).toContain('stamped');
    const unstamped = await scan(AGENT_STYLE_MESSAGE);
    expect(hunk.score).toBe(unstamped.hunk.score);
    // The message evidence is still shown, with the same words (the stamp stripped).
    const detail = (h: HunkResult) => h.evidence.find((e) => e.source === 'commit-message')?.detail?.replace(/commit [0-9a-f]{7}/, 'commit X');
    expect(detail(hunk)).toBe(detail(unstamped.hunk));
    expect(hunk.evidence.find((e) => e.source === 'commit-message')?.commit).toBe(sha);
  });

  it('applies an agent-template PR description to hunks whose commits have terse messages, and not a terse one', async () => {
    const { changeSet } = await changed('Initial plan');
    const withBody = await analyzeChange({ ...changeSet, context: { pullRequestBody: AGENT_STYLE_MESSAGE } }, { policy: DEFAULT_POLICY });
    const hunk = withBody.hunks.find((h) => h.path === 'src/users.ts')!;
    expect(hunk.commits).toHaveLength(1);
    expect(hunk.evidence.find((e) => e.source === 'pr-description')).toMatchObject({ class: 'inferred', says: 'ai' });
    expect(hunk.reason).toContain('with the agent-like pull request description');
    const terseBody = await analyzeChange({ ...changeSet, context: { pullRequestBody: 'Adds a names helper.' } }, { policy: DEFAULT_POLICY });
    expect(terseBody.hunks.find((h) => h.path === 'src/users.ts')!.evidence.filter((e) => e.source === 'pr-description')).toEqual([]);
  });

  it('uses an agent-template PR description when the hunk has no commit attribution', async () => {
    const { changeSet: loaded } = await changed('add names helper');
    const changeSet = {
      ...loaded,
      files: loaded.files.map((f) => { const { lineCommits: _drop, ...rest } = f; return rest; }),
      context: { pullRequestBody: AGENT_STYLE_MESSAGE },
    };
    const result = await analyzeChange(changeSet, { policy: DEFAULT_POLICY });
    const hunk = result.hunks.find((h) => h.path === 'src/users.ts')!;
    expect(hunk.commits).toEqual([]);
    const pr = hunk.evidence.find((e) => e.source === 'pr-description');
    expect(pr).toMatchObject({ class: 'inferred', says: 'ai' });
    expect(pr!.detail).toContain('the pull request description reads like agent-written messages');
    expect(hunk.verdict).toBe('unattested');
  });
});

describe.skipIf(simUnavailable() !== undefined)('commit-message evidence: REST and local-git paths agree', () => {
  it('gives the same evidence, score and verdict from the GitHub API as from git', async () => {
    const sim = await startSim({ scenario: 'basic' });
    let repo: GitFixture | undefined;
    try {
      const api = await SimApi.open(sim);
      const info = (await sim.simInfo()) as { pullRequest: { headSha: string } };
      const head0 = info.pullRequest.headSha;
      const author = { name: 'Alice Author', email: 'alice@acme.test', date: '2026-01-05T12:00:00Z' };
      const base = await api.commit({ parents: [head0], baseTree: await api.treeOf(head0), files: { 'src/users.ts': BASE }, message: 'add users module\n', author });
      const agent = await api.commit({ parents: [base.sha], baseTree: base.tree, files: { 'src/users.ts': CHANGED }, message: `${AGENT_STYLE_MESSAGE}\n`, author: { ...author, date: '2026-01-05T12:10:00Z' } });
      const terse = await api.commit({ parents: [agent.sha], baseTree: agent.tree, files: { 'src/more.ts': 'export function count(xs: string[]): number {\n  return xs.length;\n}\n' }, message: 'add count\n', author: { ...author, date: '2026-01-05T12:20:00Z' } });
      repo = await cloneFromSim(api, [terse.sha, base.sha]);
      const local = await new GitChangeSource({ repo: repo.dir, base: base.sha, head: terse.sha }).load();
      const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
      const rest = await new GitHubChangeSource({ client: createGitHubClient({ token, baseUrl: sim.url }), owner: 'acme', repo: 'widgets', target: { kind: 'compare', base: base.sha, head: terse.sha } }).load();
      // The API gives the message without git's final newline; the text is otherwise the same.
      expect(rest.commits.map((c) => c.message.trimEnd())).toEqual(local.commits.map((c) => c.message.trimEnd()));
      const [fromRest, fromLocal] = await Promise.all([analyzeChange(rest, { policy: DEFAULT_POLICY }), analyzeChange(local, { policy: DEFAULT_POLICY })]);
      const view = (r: ScanResult) => r.hunks.map((h) => ({ path: h.path, score: h.score, verdict: h.verdict, reason: h.reason, evidence: h.evidence, signals: h.signals }));
      expect(view(fromRest)).toEqual(view(fromLocal));
      const users = fromLocal.hunks.find((h) => h.path === 'src/users.ts')!;
      expect(users.evidence.find((e) => e.source === 'commit-message')?.commit).toBe(agent.sha);
      expect(users.verdict).toBe('unattested');
      // The terse commit's hunk does not share the other commit's message evidence.
      const more = fromLocal.hunks.find((h) => h.path === 'src/more.ts')!;
      expect(more.evidence.filter((e) => e.source === 'commit-message')).toEqual([]);
    } finally {
      await repo?.cleanup();
      await sim.stop();
    }
  }, 120_000);
});
