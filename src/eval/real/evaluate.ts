// Scores the real-commit corpus with the production analyzer and summarises the
// repository-held-out test split. Each commit is scanned as `trailmark scan` scans a repository:
// the commit's diff of the sampled files, each file's head text read from the mirror at the
// commit (the detectors' file context), the commit with its message. Operating points are
// chosen on the train split only.

import type { ChangeSet, Commit, FileChange, HunkResult } from '../../core/types.js';
import type { Policy } from '../../core/policy.js';
import { analyzeChange } from '../../engine/analyze.js';
import { patchChangeSource } from '../../engine/patch.js';
import { REGISTRY } from '../../attest/registry.js';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom } from '../../../detectors/commit-message.js';
import { auroc, rate } from '../metrics.js';
import { buildCommitLevel, type CommitLevelReport } from './commits.js';
import { agentGroups, compare, isAgent, isHuman, standardComparisons, type Comparison } from './compare.js';
import type { LoadedCommit, LoadSummary } from './load.js';
import type { RealLabel, RealSample } from './manifest.js';

export { MIN_PER_REPO, TARGET_FPRS, type Comparison } from './compare.js';

export const REAL_SCHEMA = 'trailmark.eval-real/v1';
/** Agents with fewer test hunks than this are reported together as `agent:other`. */
export const MIN_AGENT_HUNKS = 20;

export interface RealScored {
  readonly sample: RealSample;
  /** The hunk's score with its commit's message evidence (what a scan of that commit gives). */
  readonly score: number;
  /** The score of the code alone: the message's log-odds taken back out. */
  readonly codeScore: number;
  /** Signals the analyzer reported for the hunk (0: nothing fired, the score is the model's base). */
  readonly signals: number;
  /**
   * The commit message's log-likelihood ratio (detectors/commit-message.ts, every stamp stripped),
   * whether or not the engine added it: the same for every hunk of a commit.
   */
  readonly messageLlr: number;
}

export interface NotScored {
  readonly sample: RealSample;
  readonly reason: string;
}

export interface ScoreOutcome {
  readonly scored: RealScored[];
  readonly notScored: NotScored[];
}

const key = (path: string, start: number, end: number): string => `${path}\0${start}\0${end}`;

/** Scores every loaded sample; a sample the analyzer skips or does not return is counted with its reason. */
export async function scoreRealCommits(commits: Iterable<LoadedCommit>, policy: Policy, onCommit?: (done: number) => void): Promise<ScoreOutcome> {
  const scored: RealScored[] = [];
  const notScored: NotScored[] = [];
  let done = 0;
  for (const c of commits) {
    const messageLlr = scoreMessage(c.message, STAMP_MARKERS, DEFAULT_MESSAGE_MODEL).llr;
    const result = await analyzeChange(await commitChangeSet(c), { policy });
    const byKey = new Map<string, HunkResult>();
    for (const h of result.hunks) byKey.set(key(h.path, h.startLine, h.endLine), h);
    for (const s of c.samples) {
      const h = byKey.get(key(s.path, s.startLine, s.endLine));
      if (h === undefined) notScored.push({ sample: s, reason: 'hunk not in the analysis' });
      else if (h.contentDigest !== s.sha256) notScored.push({ sample: s, reason: 'analyzed hunk has another digest' });
      else if (h.verdict === 'skipped') notScored.push({ sample: s, reason: `skipped: ${h.reason ?? 'no reason'}` });
      else scored.push({ sample: s, score: h.score, codeScore: withoutMessage(h), signals: h.signals.filter((g) => !MESSAGE_SIGNAL.test(g.id)).length, messageLlr });
    }
    onCommit?.(++done);
  }
  return { scored, notScored };
}

const STAMP_MARKERS = stampMarkersFrom(REGISTRY);

/** Signals that carry a commit message's or PR description's log-odds (engine/analyze.ts). */
const MESSAGE_SIGNAL = /^(?:commit-message|pr-description)\//;

/** Head files larger than this are not given to the detectors (src/git/change-source.ts DEFAULT_MAX_FILE_BYTES). */
export const MAX_HEAD_BYTES = 1024 * 1024;

/**
 * The change set of one commit as a scan of that commit sees it: the commit (its full message; the
 * message model strips every stamp itself), every added line attributed to it and, when the
 * loader read them (`heads: true`), each file's head text. The author is not in the corpus: a
 * neutral identity stands in (identities give stamped evidence, never score).
 */
export async function commitChangeSet(c: LoadedCommit): Promise<ChangeSet> {
  const changeSet = await patchChangeSource(c.patch).load();
  const who = { name: 'corpus', email: 'corpus@invalid' };
  const commit: Commit = { sha: c.commit, parents: [c.parent], author: who, committer: who, authorDate: '1970-01-01T00:00:00Z', message: c.message };
  return {
    ...changeSet,
    commits: [commit],
    files: changeSet.files.map((f): FileChange => {
      const lineCommits = new Map(f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add' && l.newLine !== undefined).map((l): [number, string] => [l.newLine!, c.commit])));
      const head = c.headFiles?.get(f.path);
      if (c.headFiles === undefined || f.status === 'deleted') return { ...f, lineCommits };
      if (head === undefined) return { ...f, lineCommits, headTextMissing: 'unavailable' };
      const size = Buffer.byteLength(head, 'utf8');
      if (size > MAX_HEAD_BYTES) return { ...f, lineCommits, headSize: size, headTextMissing: 'too-large' };
      return { ...f, lineCommits, headText: head, headSize: size };
    }),
  };
}

/** The hunk's score without the message signals' log-odds (the code alone). */
function withoutMessage(h: HunkResult): number {
  const message = h.signals.filter((g) => MESSAGE_SIGNAL.test(g.id)).reduce((sum, g) => sum + g.weight, 0);
  if (message === 0) return h.score;
  const p = Math.min(1 - 1e-12, Math.max(1e-12, h.score));
  return 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) - message)));
}

export interface SizeBucket {
  readonly name: string;
  readonly agent: number;
  readonly human: number;
  /** Hunks of the bucket (agent and human) on which no signal fired: scored, but only at the model's base. */
  readonly noSignal: number;
  readonly auroc: number | null;
}

export interface ShippedRates {
  readonly low: number;
  readonly high: number;
  /** Share of test agent hunks at or above `high`. */
  readonly agentRecall: number | null;
  /** Share of test human hunks at or above `high` (old, current, both). */
  readonly humanOldFlagged: number | null;
  readonly humanCurrentFlagged: number | null;
  readonly humanFlagged: number | null;
  /**
   * The same per test repository (sorted by name): false flags gather in the repositories whose
   * people write agent-like messages, so the pooled rate hides how uneven they are.
   */
  readonly byRepository: readonly RepositoryRates[];
}

export interface RepositoryRates {
  readonly repo: string;
  readonly agent: number;
  readonly agentFlagged: number;
  readonly humanCurrent: number;
  readonly humanCurrentFlagged: number;
  readonly humanOld: number;
  readonly humanOldFlagged: number;
}

function repositoryRates(test: readonly RealScored[], high: number): RepositoryRates[] {
  const byRepo = new Map<string, RealScored[]>();
  for (const x of test) {
    const list = byRepo.get(x.sample.repo);
    if (list === undefined) byRepo.set(x.sample.repo, [x]);
    else list.push(x);
  }
  const tally = (xs: readonly RealScored[], label: RealLabel): [number, number] => {
    const of = xs.filter((x) => x.sample.label === label);
    return [of.length, of.filter((x) => x.score >= high).length];
  };
  return [...byRepo.keys()].sort().map((repo): RepositoryRates => {
    const xs = byRepo.get(repo)!;
    const [agent, agentFlagged] = tally(xs, 'agent');
    const [humanCurrent, humanCurrentFlagged] = tally(xs, 'human-current');
    const [humanOld, humanOldFlagged] = tally(xs, 'human-old');
    return { repo, agent, agentFlagged, humanCurrent, humanCurrentFlagged, humanOld, humanOldFlagged };
  });
}

export interface RealEvalReport {
  readonly schema: typeof REAL_SCHEMA;
  readonly model: { readonly id: string; readonly version: string };
  readonly detectorsVersion: string;
  readonly neverTuned: 'test';
  readonly corpus: {
    /** Present when the run scored a deterministic subsample of at most this many commits. */
    readonly subsample?: { readonly maxCommits: number; readonly manifestSamples: number };
    readonly samples: number;
    readonly loaded: number;
    readonly loadSkipped: Readonly<Record<string, number>>;
    readonly missingRepos: readonly string[];
    readonly scored: number;
    readonly notScored: Readonly<Record<string, number>>;
    /** Scored hunks per split and label, and repositories per split. */
    readonly bySplit: Readonly<Record<'train' | 'test', { readonly repos: number } & Readonly<Record<RealLabel, number>>>>;
  };
  /** Figures on the test split; thresholds of operating points chosen on train. */
  readonly test: {
    /** Code and commit message together (what a scan gives). */
    readonly comparisons: readonly Comparison[];
    /** The code alone (the message's log-odds taken out): all, era-matched, vs-human-old. */
    readonly codeOnly: readonly Comparison[];
    readonly bySize: readonly SizeBucket[];
    readonly shipped: ShippedRates;
    /**
     * Commits as the unit (src/eval/real/commits.ts): the message alone, the code aggregated over
     * the commit's hunks, both added; and hunk scores that bring in their commit.
     */
    readonly commits: CommitLevelReport;
  };
}

export const REAL_SIZE_BUCKETS: readonly { readonly name: string; readonly min: number; readonly max: number }[] = [
  { name: '≤ 20 lines', min: 0, max: 20 },
  { name: '21-80 lines', min: 21, max: 80 },
  { name: '> 80 lines', min: 81, max: Infinity },
];

function flagged(xs: readonly RealScored[], high: number): number | null {
  return rate(xs.filter((x) => x.score >= high).length, xs.length) ?? null;
}

export interface BuildOptions {
  readonly model: { readonly id: string; readonly version: string };
  readonly detectorsVersion: string;
  readonly shipped: { readonly low: number; readonly high: number };
  /** Set when only a subsample of the manifest's commits was scored. */
  readonly maxCommits?: number;
  readonly manifestSamples?: number;
}

export function buildRealReport(outcome: ScoreOutcome, load: LoadSummary, options: BuildOptions): RealEvalReport {
  const train = outcome.scored.filter((x) => x.sample.split === 'train');
  const test = outcome.scored.filter((x) => x.sample.split === 'test');
  // Agents with fewer test hunks than MIN_AGENT_HUNKS are pooled as `other`.
  const comparisons: Comparison[] = standardComparisons(train, test, agentGroups(test, MIN_AGENT_HUNKS));
  const code = (xs: readonly RealScored[]): RealScored[] => xs.map((x) => ({ ...x, score: x.codeScore }));
  const codeOnly: Comparison[] = [
    compare('all', code(train), code(test), isAgent, isHuman),
    compare('era-matched', code(train), code(test), isAgent, (s) => s.label === 'human-current'),
    compare('vs-human-old', code(train), code(test), isAgent, (s) => s.label === 'human-old'),
  ];
  const commits = buildCommitLevel(outcome.scored);
  const bySize = REAL_SIZE_BUCKETS.map((b): SizeBucket => {
    const inB = test.filter((x) => x.sample.added >= b.min && x.sample.added <= b.max);
    return {
      name: b.name,
      agent: inB.filter((x) => isAgent(x.sample)).length,
      human: inB.filter((x) => isHuman(x.sample)).length,
      noSignal: inB.filter((x) => x.signals === 0).length,
      auroc: auroc(inB.map((x) => ({ score: x.score, positive: isAgent(x.sample) }))) ?? null,
    };
  });
  const high = options.shipped.high;
  const shipped: ShippedRates = {
    ...options.shipped,
    agentRecall: flagged(test.filter((x) => isAgent(x.sample)), high),
    humanOldFlagged: flagged(test.filter((x) => x.sample.label === 'human-old'), high),
    humanCurrentFlagged: flagged(test.filter((x) => x.sample.label === 'human-current'), high),
    humanFlagged: flagged(test.filter((x) => isHuman(x.sample)), high),
    byRepository: repositoryRates(test, high),
  };
  const notScored: Record<string, number> = {};
  for (const n of outcome.notScored) notScored[n.reason] = (notScored[n.reason] ?? 0) + 1;
  const count = (xs: readonly RealScored[]): { repos: number } & Record<RealLabel, number> => ({
    repos: new Set(xs.map((x) => x.sample.repo)).size,
    agent: xs.filter((x) => x.sample.label === 'agent').length,
    'human-old': xs.filter((x) => x.sample.label === 'human-old').length,
    'human-current': xs.filter((x) => x.sample.label === 'human-current').length,
  });
  return {
    schema: REAL_SCHEMA,
    model: options.model,
    detectorsVersion: options.detectorsVersion,
    neverTuned: 'test',
    corpus: {
      ...(options.maxCommits === undefined ? {} : { subsample: { maxCommits: options.maxCommits, manifestSamples: options.manifestSamples ?? load.samples } }),
      samples: load.samples,
      loaded: load.loaded,
      loadSkipped: { ...load.skipped },
      missingRepos: load.missingRepos,
      scored: outcome.scored.length,
      notScored: sortedRecord(notScored),
      bySplit: { train: count(train), test: count(test) },
    },
    test: { comparisons, codeOnly, bySize, shipped, commits },
  };
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
