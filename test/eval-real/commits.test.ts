import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/attest/registry.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { buildCommitLevel, codeLogOdds, commitsOf, fitCodeWeight, MIN_AGENT_COMMITS, type HunkInCommit } from '../../src/eval/real/commits.js';
import { buildRealReport, scoreRealCommits, type RealScored } from '../../src/eval/real/evaluate.js';
import type { LoadedCommit } from '../../src/eval/real/load.js';
import type { RealLabel, RealSample } from '../../src/eval/real/manifest.js';
import { renderRealText } from '../../src/eval/real/report.js';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom } from '../../detectors/commit-message.js';

interface Spec {
  readonly repo: string;
  readonly commit: string;
  readonly label: RealLabel;
  readonly split: 'train' | 'test';
  readonly llr: number;
  /** Code scores (probabilities) of the commit's hunks, and their added lines. */
  readonly hunks: readonly { readonly code: number; readonly added?: number; readonly score?: number }[];
  readonly agent?: string;
}

/** The hunks of synthetic commits, as scoreRealCommits would return them. */
function hunksOf(specs: readonly Spec[]): HunkInCommit[] {
  return specs.flatMap((c) => c.hunks.map((h, i): HunkInCommit => ({
    sample: {
      repo: c.repo, commit: c.commit, parent: '0'.repeat(40), path: `src/f${i}.ts`, startLine: 1, endLine: h.added ?? 30, added: h.added ?? 30, deleted: 0,
      sha256: `sha256:${'0'.repeat(64)}`, label: c.label, ...(c.label === 'agent' ? { agent: c.agent ?? 'claude-code' } : {}),
      authorDate: '2025-01-01T00:00:00Z', split: c.split,
    },
    score: h.score ?? h.code,
    codeScore: h.code,
    messageLlr: c.llr,
  })));
}

let serial = 0;
const sha = (): string => (++serial).toString(16).padStart(40, '0');

/** `n` commits of one label in one repository, one 30-line hunk each, message ratios from `llr(i)`. */
function many(n: number, repo: string, label: RealLabel, split: 'train' | 'test', llr: (i: number) => number, code: (i: number) => number = () => 0.5, agent?: string): Spec[] {
  return Array.from({ length: n }, (_, i) => ({ repo, commit: sha(), label, split, llr: llr(i), hunks: [{ code: code(i) }], ...(agent === undefined ? {} : { agent }) }));
}

describe('commitsOf', () => {
  it('groups hunks by commit: mean and max of the code log-odds, the message ratio once', () => {
    const c = sha();
    const { commits, mixedLabels } = commitsOf(hunksOf([{ repo: 'a/x', commit: c, label: 'agent', split: 'test', llr: 1.5, hunks: [{ code: 0.9 }, { code: 0.1 }, { code: 0.5 }] }]));
    expect(mixedLabels).toBe(0);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.hunks).toBe(3);
    // logit(0.9) + logit(0.1) + logit(0.5) = 0.
    expect(commits[0]!.codeMean).toBeCloseTo(0, 12);
    expect(commits[0]!.codeMax).toBeCloseTo(Math.log(9), 12);
    expect(commits[0]!.messageLlr).toBe(1.5);
    expect(commits[0]!.sample).toEqual({ repo: 'a/x', commit: c, label: 'agent', agent: 'claude-code', split: 'test' });
  });

  it('leaves out and counts a commit whose hunks carry different labels', () => {
    const c = sha();
    const hunks = hunksOf([
      { repo: 'a/x', commit: c, label: 'agent', split: 'test', llr: 0, hunks: [{ code: 0.6 }] },
      { repo: 'a/x', commit: c, label: 'human-current', split: 'test', llr: 0, hunks: [{ code: 0.4 }] },
      { repo: 'a/x', commit: sha(), label: 'human-old', split: 'test', llr: 0, hunks: [{ code: 0.4 }] },
    ]);
    const { commits, mixedLabels } = commitsOf(hunks);
    expect(mixedLabels).toBe(1);
    expect(commits.map((x) => x.sample.label)).toEqual(['human-old']);
  });

  it('clamps code scores at the rounding step: a score stored as 0 or 1 is not infinite', () => {
    expect(codeLogOdds(0)).toBeCloseTo(-Math.log(19_999), 9);
    expect(codeLogOdds(1)).toBeCloseTo(Math.log(19_999), 9);
    expect(codeLogOdds(0.5)).toBe(0);
  });
});

describe('fitCodeWeight', () => {
  it('takes the smallest weight that ranks train best, and never a negative one', () => {
    // Messages tie; the code separates: any positive weight gives AUROC 1, 0 gives 0.5.
    const helps = commitsOf(hunksOf([...many(5, 'a/x', 'agent', 'train', () => 0, () => 0.8), ...many(5, 'a/x', 'human-old', 'train', () => 0, () => 0.2)])).commits;
    expect(fitCodeWeight(helps)).toEqual({ codeWeight: 0.05, trainAuroc: 1 });
    // The code points the wrong way: weight 0, the message alone.
    const hurts = commitsOf(hunksOf([...many(5, 'a/x', 'agent', 'train', (i) => i, () => 0.2), ...many(5, 'a/x', 'human-old', 'train', (i) => i - 0.5, () => 0.8)])).commits;
    expect(fitCodeWeight(hurts).codeWeight).toBe(0);
    expect(fitCodeWeight([])).toEqual({ codeWeight: 0, trainAuroc: null });
  });
});

describe('buildCommitLevel', () => {
  // Train: 100 human commits with message ratios -4.95 … 0 (step 0.05) and 40 agent commits.
  // Test: messages separate perfectly (agents 2 … 3.9, humans -3 … 0.9 with two humans above 0,
  // the highest train human); the code is uninformative (0.5 everywhere).
  const train = [
    ...many(50, 'a/train1', 'human-current', 'train', (i) => -4.95 + 0.1 * i),
    ...many(50, 'a/train2', 'human-old', 'train', (i) => -4.9 + 0.1 * i),
    ...many(40, 'a/train1', 'agent', 'train', (i) => 1 + i / 10),
  ];
  const test = [
    ...many(20, 'b/test1', 'agent', 'test', (i) => 2 + i / 10, () => 0.5, 'claude-code'),
    ...many(5, 'b/test1', 'agent', 'test', () => 3, () => 0.5, 'devin'),
    ...many(19, 'b/test1', 'human-current', 'test', (i) => -3 + i / 10 - (i === 18 ? 1 : 0)),
    { repo: 'b/test1', commit: sha(), label: 'human-current' as const, split: 'test' as const, llr: 0.5, hunks: [{ code: 0.5 }] },
    { repo: 'b/test1', commit: sha(), label: 'human-current' as const, split: 'test' as const, llr: 0.9, hunks: [{ code: 0.5 }] },
    ...many(10, 'b/test1', 'human-old', 'test', (i) => -2 - i / 10),
  ];
  const report = buildCommitLevel(hunksOf([...train, ...test]));
  const score = (name: string) => report.scores.find((s) => s.name === name)!;

  it('counts commits per split and label', () => {
    expect(report.counts).toEqual({
      train: { repos: 2, agent: 40, 'human-old': 50, 'human-current': 50 },
      test: { repos: 1, agent: 25, 'human-old': 10, 'human-current': 21 },
    });
    expect(report.mixedLabels).toBe(0);
  });

  it('a perfectly separable message gives AUROC 1; code that carries nothing gives 0.5', () => {
    const all = score('message').comparisons.find((c) => c.name === 'all')!;
    expect(all).toMatchObject({ positives: 25, negatives: 31, repos: 1, auroc: 1 });
    expect(all.withinRepo).toEqual({ meanAuroc: 1, groups: 1, pooledRankAuroc: 1 });
    expect(score('code-mean').comparisons[0]!.auroc).toBe(0.5);
    expect(score('code-max').comparisons[0]!.auroc).toBe(0.5);
    // Code adds the same 0 to every commit: the sum ranks as the message does.
    expect(score('commit').comparisons[0]!.auroc).toBe(1);
  });

  it('thresholds come from the train split\'s human commits, not from test', () => {
    const [at1, at5] = score('message').comparisons.find((c) => c.name === 'all')!.operatingPoints;
    // 1% of 100 train humans: one may be flagged, so the cut sits just above the second highest
    // (-0.05); test humans at 0.5 and 0.9 are flagged (2 of 31), every agent is.
    expect(at1!.threshold).toBeGreaterThan(-0.0501);
    expect(at1!.threshold).toBeLessThan(-0.0499);
    expect(at1!.tpr).toBe(1);
    expect(at1!.fpr).toBe(2 / 31);
    // 5%: five may be flagged, the cut just above the sixth highest (-0.25); the same two humans.
    expect(at5!.threshold).toBeGreaterThan(-0.2501);
    expect(at5!.threshold).toBeLessThan(-0.2499);
    expect(at5!.fpr).toBe(2 / 31);
    // The oracle chooses on test humans: at 1% of 31 none may be flagged, the cut is above 0.9.
    expect(at1!.oracleTpr).toBe(1);
  });

  it('era-matched and old-human comparisons, and agents under the commit minimum pooled as other', () => {
    const names = score('message').comparisons.map((c) => c.name);
    expect(names).toEqual(['all', 'era-matched', 'vs-human-old', 'agent:claude-code', 'agent:other']);
    expect(MIN_AGENT_COMMITS).toBeGreaterThan(5);
    const era = score('message').comparisons.find((c) => c.name === 'era-matched')!;
    expect(era).toMatchObject({ positives: 25, negatives: 21, auroc: 1 });
    expect(score('message').comparisons.find((c) => c.name === 'agent:other')).toMatchObject({ positives: 5, negatives: 31 });
  });

  it('the fitted combination is chosen on train only', () => {
    // On train the code is 0.5 everywhere: every weight ranks alike, the smallest (0) is kept.
    expect(report.combination).toEqual({ codeWeight: 0, messageWeight: 1, chosenOn: 'train', trainAuroc: 1 });
  });
});

describe('hunks in their commit\'s context', () => {
  // Each commit: one small hunk whose own code says nothing (0.5) and one large hunk whose code
  // separates (agent 0.9, human 0.1). The commit's mean separates its small hunk too.
  const commit = (label: RealLabel, split: 'train' | 'test', repo: string, llr: number): Spec => ({
    repo, commit: sha(), label, split, llr, hunks: [{ code: 0.5, added: 5 }, { code: label === 'agent' ? 0.9 : 0.1, added: 60 }],
  });
  const specs = [
    ...Array.from({ length: 6 }, () => commit('agent', 'train', 'c/train', 1)),
    ...Array.from({ length: 6 }, () => commit('human-old', 'train', 'c/train', 1)),
    ...Array.from({ length: 4 }, () => commit('agent', 'test', 'c/test', 1)),
    ...Array.from({ length: 4 }, () => commit('human-current', 'test', 'c/test', -1)),
  ];
  const report = buildCommitLevel(hunksOf(specs));
  const [small, all] = report.hunksInCommitContext;
  const get = (set: typeof small, name: string) => set!.scores.find((s) => s.name === name)!.comparison;

  it('small hunks: their own code at 0.5, their commit\'s mean code at 1', () => {
    expect(small!.name).toBe('hunks ≤ 20 lines');
    expect(get(small, 'own-code')).toMatchObject({ positives: 4, negatives: 4, auroc: 0.5 });
    expect(get(small, 'commit-code-mean').auroc).toBe(1);
    expect(get(small, 'commit-code-mean+message').auroc).toBe(1);
  });

  it('all hunks: the message always added separates what the scan\'s gated score does not', () => {
    expect(all!.maxAdded).toBeNull();
    // Agent large hunks beat all 8 human hunks (32 pairs), agent small ones beat the 4 large human
    // ones (16) and tie with the 4 small ones (8): 56 of 64.
    expect(get(all, 'own-code')).toMatchObject({ positives: 8, negatives: 8, auroc: 0.875 });
    // The scan's score is the code here; with the message always added the small agent hunks
    // (+1) rank above the small human ones (-1), and the large ones already do.
    expect(get(all, 'scan').auroc).toBe(0.875);
    expect(get(all, 'code+message').auroc).toBe(1);
    expect(get(all, 'code+message-capped').auroc).toBe(1);
    // Positive part only: the human messages (-1) add nothing, the agent ones (+1) still lift.
    expect(get(all, 'code+message-positive').auroc).toBe(1);
    expect(all!.scores.map((s) => s.name)).toEqual(['own-code', 'commit-code-mean', 'commit-code-mean+message', 'scan', 'code+message', 'code+message-capped', 'code+message-positive']);
  });
});

describe('the message ratio added to hunks: uncapped, capped, positive part', () => {
  it('a person-like message lowers its hunks only in the uncapped and capped forms', () => {
    // Human hunks read as agent code (0.9) under a person-like message (-5); agent hunks are
    // neutral code (0.5) under a neutral message (0).
    const specs: Spec[] = [
      ...many(3, 'd/train', 'agent', 'train', () => 0, () => 0.5), ...many(3, 'd/train', 'human-old', 'train', () => -5, () => 0.9),
      ...many(3, 'd/test', 'agent', 'test', () => 0, () => 0.5), ...many(3, 'd/test', 'human-old', 'test', () => -5, () => 0.9),
    ];
    const all = buildCommitLevel(hunksOf(specs)).hunksInCommitContext[1]!;
    const auc = (name: string): number | null => all.scores.find((s) => s.name === name)!.comparison.auroc;
    expect(auc('own-code')).toBe(0);
    expect(auc('code+message')).toBe(1);
    expect(auc('code+message-capped')).toBe(1);
    expect(auc('code+message-positive')).toBe(0);
  });
});

describe('eval --real: the commit level in the report', () => {
  const PATCH = ['diff --git a/src/sum.ts b/src/sum.ts', 'new file mode 100644', '--- /dev/null', '+++ b/src/sum.ts', '@@ -0,0 +1,3 @@',
    '+export function sum(a: number, b: number): number {', '+  return a + b;', '+}', ''].join('\n');
  const added = ['export function sum(a: number, b: number): number {', '  return a + b;', '}'];
  const sample = (commit: string, label: RealLabel, split: 'train' | 'test'): RealSample => ({
    repo: `acme/${split}`, commit, parent: 'p'.repeat(40), path: 'src/sum.ts', startLine: 1, endLine: 3, added: 3, deleted: 0,
    sha256: `sha256:${createHash('sha256').update(added.join('\n')).digest('hex')}`, label, ...(label === 'agent' ? { agent: 'claude-code' } : {}),
    authorDate: '2026-01-01T00:00:00Z', split,
  });
  const agentLike = [
    'feat(sum): add sum helper so callers can total two numbers', '',
    'Summary:', 'This adds a small sum() helper in src/sum.ts and switches both callers to it.', '',
    'Changes:', '- Add `sum()` to `src/sum.ts`', '- Re-export the helper from `src/index.ts`', '',
    'Test plan:', '- Ran `npm test -- test/sum.test.ts`', '',
    'Co-Authored-By: Claude <noreply@anthropic.com>',
  ].join('\n');
  const messages: Record<RealLabel, string> = { agent: agentLike, 'human-old': 'sum\n', 'human-current': 'fix sum\n' };
  const loaded = (label: RealLabel, split: 'train' | 'test'): LoadedCommit => {
    const c = sha();
    return { repo: `acme/${split}`, commit: c, parent: 'p'.repeat(40), message: messages[label], patch: PATCH, samples: [sample(c, label, split)] };
  };

  it('scores every commit\'s message with the stamps stripped, and renders the commit section', async () => {
    const commits = [loaded('agent', 'train'), loaded('human-old', 'train'), loaded('agent', 'test'), loaded('human-current', 'test'), loaded('human-old', 'test')];
    const outcome = await scoreRealCommits(commits, DEFAULT_POLICY);
    expect(outcome.notScored).toEqual([]);
    const markers = stampMarkersFrom(REGISTRY);
    for (const [i, x] of outcome.scored.entries()) expect(x.messageLlr).toBe(scoreMessage(commits[i]!.message, markers, DEFAULT_MESSAGE_MODEL).llr);
    // The stamp is not a feature: the message without it scores the same.
    const unstamped = agentLike.split('\n').slice(0, -1).join('\n');
    expect(outcome.scored[0]!.messageLlr).toBe(scoreMessage(unstamped, markers, DEFAULT_MESSAGE_MODEL).llr);
    const report = buildRealReport(outcome, { samples: 5, loaded: 5, skipped: {}, missingRepos: [] }, { model: { id: 'm', version: '1' }, detectorsVersion: 'd', shipped: { low: 0.5, high: 0.6 } });
    const k = report.test.commits;
    expect(k.counts.test).toEqual({ repos: 1, agent: 1, 'human-old': 1, 'human-current': 1 });
    const message = k.scores.find((s) => s.name === 'message')!.comparisons.find((c) => c.name === 'all')!;
    // The same code in every commit; the agent's message reads as an agent's, the terse ones do not.
    expect(message.auroc).toBe(1);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const text = renderRealText(report);
    expect(text).toContain('COMMITS as the unit');
    expect(text).toContain('all: 1 agent vs 2 human commits, 1 repos — AUROC 1.000');
    expect(text).toContain('hunks ≤ 20 lines in their commit\'s context');
  });

  it('RealScored carries what the commit view reads', () => {
    const x: RealScored = { sample: sample(sha(), 'agent', 'test'), score: 0.6, codeScore: 0.5, signals: 1, messageLlr: 2 };
    const h: HunkInCommit = x;
    expect(h.messageLlr).toBe(2);
  });
});
