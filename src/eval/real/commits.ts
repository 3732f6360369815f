// The commit as the unit of evaluation. The hunks of one commit share an author and a message, so
// the eval also compares whole commits: the message model's log-likelihood ratio alone, the code
// scores of the commit's hunks aggregated, and the two added. Every threshold and the one fitted
// weight come from the train split; the test split is only measured. Also measured here: small
// hunks scored with their commit's code, and hunk scores with the message's ratio added in other
// ways than the engine's (uncapped, or with negative ratios too).
//
// A commit's code aggregate covers the hunks the corpus sampled from it (the miner keeps at most
// three per commit) and the eval scored, not every hunk of the commit.

import { MAX_MESSAGE_LOG_ODDS, messageLogOdds } from '../../engine/analyze.js';
import { auroc } from '../metrics.js';
import type { Split } from '../split.js';
import { agentGroups, compare, isAgent, isHuman, standardComparisons, type Comparison, type RankedUnit, type UnitLabel } from './compare.js';
import type { RealLabel, RealSample } from './manifest.js';

/** Agents with fewer test commits than this are reported together as `agent:other`. */
export const MIN_AGENT_COMMITS = 10;
/** Hunks of at most this many added lines are the "small hunks" of issue #11. */
export const SMALL_HUNK_LINES = 20;
/** Code weights tried for the fitted combination (message weight 1): 0, 0.05, …, 3. */
export const CODE_WEIGHT_GRID: readonly number[] = Array.from({ length: 61 }, (_, i) => i / 20);

/** What the commit view reads of a scored hunk (RealScored, evaluate.ts). */
export interface HunkInCommit {
  readonly sample: RealSample;
  /** The scan's score (code and the message when the engine added it). */
  readonly score: number;
  /** The code alone, a probability stored to 4 decimals. */
  readonly codeScore: number;
  /** The commit message's log-likelihood ratio, stamps stripped (detectors/commit-message.ts). */
  readonly messageLlr: number;
}

export interface CommitUnit extends UnitLabel {
  readonly commit: string;
  readonly split: Split;
}

export interface CommitScored {
  readonly sample: CommitUnit;
  /** Scored hunks of the commit. */
  readonly hunks: number;
  /** Mean and maximum of the hunks' code log-odds. */
  readonly codeMean: number;
  readonly codeMax: number;
  readonly messageLlr: number;
}

// Code scores are stored to 4 decimals, so 0 and 1 stand for anything within half a step of
// them; clamping there keeps one rounded hunk from dominating a commit's mean.
const P_MIN = 0.00005;

/** Log-odds of a code score, clamped to the scores' rounding step. */
export function codeLogOdds(p: number): number {
  const q = Math.min(1 - P_MIN, Math.max(P_MIN, p));
  return Math.log(q / (1 - q));
}

/**
 * The scored hunks grouped by commit, in first-seen order. The corpus labels commits, so all hunks
 * of one commit carry one label and agent; a commit whose hunks disagree is left out and counted.
 */
export function commitsOf(hunks: readonly HunkInCommit[]): { readonly commits: CommitScored[]; readonly mixedLabels: number } {
  const groups = new Map<string, HunkInCommit[]>();
  for (const h of hunks) {
    const key = `${h.sample.repo}\0${h.sample.commit}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [h]);
    else g.push(h);
  }
  const commits: CommitScored[] = [];
  let mixedLabels = 0;
  for (const g of groups.values()) {
    const first = g[0]!.sample;
    if (g.some((h) => h.sample.label !== first.label || h.sample.agent !== first.agent || h.sample.split !== first.split || h.messageLlr !== g[0]!.messageLlr)) {
      mixedLabels++;
      continue;
    }
    const code = g.map((h) => codeLogOdds(h.codeScore));
    commits.push({
      sample: { repo: first.repo, commit: first.commit, label: first.label, split: first.split, ...(first.agent === undefined ? {} : { agent: first.agent }) },
      hunks: g.length,
      codeMean: code.reduce((a, b) => a + b, 0) / code.length,
      codeMax: Math.max(...code),
      messageLlr: g[0]!.messageLlr,
    });
  }
  return { commits, mixedLabels };
}

/**
 * The code weight of `llr + w · codeMean` that ranks the given (train) commits best, agent
 * against human, by AUROC over CODE_WEIGHT_GRID; ties go to the smaller weight. Weights are not
 * negative: code that reads as agent-written never counts as evidence of a person.
 */
export function fitCodeWeight(train: readonly CommitScored[]): { readonly codeWeight: number; readonly trainAuroc: number | null } {
  let best: { codeWeight: number; trainAuroc: number | null } = { codeWeight: 0, trainAuroc: null };
  for (const w of CODE_WEIGHT_GRID) {
    const a = auroc(train.map((c) => ({ score: c.messageLlr + w * c.codeMean, positive: isAgent(c.sample) }))) ?? null;
    if (a !== null && (best.trainAuroc === null || a > best.trainAuroc)) best = { codeWeight: w, trainAuroc: a };
  }
  return best;
}

export interface CommitScoreReport {
  /** `message`, `code-mean`, `code-max`, `commit`, `commit-fitted`. */
  readonly name: string;
  readonly description: string;
  /** all, era-matched, vs-human-old, one per agent group (commits as the unit). */
  readonly comparisons: readonly Comparison[];
}

export interface HunkContextScore {
  /** `own-code`, `commit-code-mean`, `commit-code-mean+message`, `scan`, `code+message`, `code+message-capped`, `code+message-positive`. */
  readonly name: string;
  readonly description: string;
  /** Agent against human hunks of the test split (thresholds from train hunks of the same set). */
  readonly comparison: Comparison;
}

export interface HunkContextSet {
  /** `small hunks` (≤ SMALL_HUNK_LINES added lines) or `all hunks`. */
  readonly name: string;
  readonly maxAdded: number | null;
  readonly scores: readonly HunkContextScore[];
}

type CommitCounts = { readonly repos: number } & Readonly<Record<RealLabel, number>>;

export interface CommitLevelReport {
  /** Commits per split and label, and repositories per split. */
  readonly counts: Readonly<Record<Split, CommitCounts>>;
  /** Commits left out because their hunks carry different labels (0 on corpus v1). */
  readonly mixedLabels: number;
  /** `commit-fitted`: message weight 1, the code weight chosen on the train split's commits. */
  readonly combination: { readonly codeWeight: number; readonly messageWeight: 1; readonly chosenOn: 'train'; readonly trainAuroc: number | null };
  readonly scores: readonly CommitScoreReport[];
  readonly hunksInCommitContext: readonly HunkContextSet[];
}

export function buildCommitLevel(scored: readonly HunkInCommit[]): CommitLevelReport {
  const { commits, mixedLabels } = commitsOf(scored);
  const train = commits.filter((c) => c.sample.split === 'train');
  const test = commits.filter((c) => c.sample.split === 'test');
  const { codeWeight, trainAuroc } = fitCodeWeight(train);
  const views: readonly { name: string; description: string; score: (c: CommitScored) => number }[] = [
    { name: 'message', description: 'the commit message alone: its log-likelihood ratio, stamps stripped', score: (c) => c.messageLlr },
    { name: 'code-mean', description: 'the code alone: mean of the commit\'s hunks\' code log-odds', score: (c) => c.codeMean },
    { name: 'code-max', description: 'the code alone: maximum of the commit\'s hunks\' code log-odds', score: (c) => c.codeMax },
    { name: 'commit', description: 'whole commit: mean code log-odds + message log-likelihood ratio', score: (c) => c.codeMean + c.messageLlr },
    { name: 'commit-fitted', description: `whole commit: ${codeWeight} × mean code log-odds + message log-likelihood ratio (weight chosen on train)`, score: (c) => codeWeight * c.codeMean + c.messageLlr },
  ];
  const agents = agentGroups(test.map((c) => ({ score: 0, sample: c.sample })), MIN_AGENT_COMMITS);
  const scores = views.map((v): CommitScoreReport => {
    const rank = (cs: readonly CommitScored[]): RankedUnit[] => cs.map((c) => ({ score: v.score(c), sample: c.sample }));
    return { name: v.name, description: v.description, comparisons: standardComparisons(rank(train), rank(test), agents) };
  });
  const count = (cs: readonly CommitScored[]): CommitCounts => ({
    repos: new Set(cs.map((c) => c.sample.repo)).size,
    agent: cs.filter((c) => c.sample.label === 'agent').length,
    'human-old': cs.filter((c) => c.sample.label === 'human-old').length,
    'human-current': cs.filter((c) => c.sample.label === 'human-current').length,
  });
  return {
    counts: { train: count(train), test: count(test) },
    mixedLabels,
    combination: { codeWeight, messageWeight: 1, chosenOn: 'train', trainAuroc },
    scores,
    hunksInCommitContext: [hunkContext(scored, commits, SMALL_HUNK_LINES), hunkContext(scored, commits, null)],
  };
}

/**
 * Hunk-level comparisons (agent against human hunks) of scores that bring in the commit: the
 * hunk's own code, its commit's mean code, that plus the message, the scan's score, and the code
 * with the message's ratio added: uncapped, capped but negative ratios included, and as the
 * engine adds it (messageLogOdds; `scan` must equal it, which shows the engine does what is measured).
 */
function hunkContext(scored: readonly HunkInCommit[], commits: readonly CommitScored[], maxAdded: number | null): HunkContextSet {
  const byCommit = new Map(commits.map((c) => [`${c.sample.repo}\0${c.sample.commit}`, c] as const));
  const inSet = scored.filter((h) => maxAdded === null || h.sample.added <= maxAdded);
  const views: readonly { name: string; description: string; score: (h: HunkInCommit, c: CommitScored) => number }[] = [
    { name: 'own-code', description: 'the hunk\'s own code log-odds', score: (h) => codeLogOdds(h.codeScore) },
    { name: 'commit-code-mean', description: 'its commit\'s mean code log-odds', score: (_h, c) => c.codeMean },
    { name: 'commit-code-mean+message', description: 'its commit\'s mean code log-odds + the message ratio', score: (_h, c) => c.codeMean + c.messageLlr },
    { name: 'scan', description: 'the scan\'s score', score: (h) => h.score },
    { name: 'code+message', description: 'own code log-odds + the message ratio, always added', score: (h) => codeLogOdds(h.codeScore) + h.messageLlr },
    { name: 'code+message-capped', description: `own code log-odds + the message ratio capped at ${MAX_MESSAGE_LOG_ODDS}, negative ratios included`, score: (h) => codeLogOdds(h.codeScore) + Math.min(h.messageLlr, MAX_MESSAGE_LOG_ODDS) },
    { name: 'code+message-positive', description: `own code log-odds + the message ratio between 0 and ${MAX_MESSAGE_LOG_ODDS}, as the engine adds it`, score: (h) => codeLogOdds(h.codeScore) + messageLogOdds(h.messageLlr) },
  ];
  const units = (split: Split, view: (typeof views)[number]): RankedUnit[] => inSet.flatMap((h) => {
    const c = byCommit.get(`${h.sample.repo}\0${h.sample.commit}`);
    // Hunks of a left-out (mixed-label) commit have no commit score.
    return h.sample.split === split && c !== undefined ? [{ score: view.score(h, c), sample: h.sample }] : [];
  });
  return {
    name: maxAdded === null ? 'all hunks' : `hunks ≤ ${maxAdded} lines`,
    maxAdded,
    scores: views.map((v) => ({ name: v.name, description: v.description, comparison: compare('all', units('train', v), units('test', v), isAgent, isHuman) })),
  };
}
