// Chooses the shipped operating points on the real-commit corpus's TRAIN split (issue #11):
// `high` so that at most 1% of human hunks are flagged, `low` so that at most 10% reach the
// uncertain band. The commit message's log-likelihood ratio joins every hunk of its commit,
// added within [0, cap]: a message shaped like an agent's raises the score, and one shaped like a
// person's does not lower it, since people commit assistants' code under their own terse
// messages (the ratio measures agent-written commits, not AI-written code). That floor is a
// design choice, not fitted; the grid prints what other floors and the former gate would give.
// A message's false positives spend the same 1% budget as the code's, since the thresholds are
// chosen on the combined score. The budgets are spent on the current-era human hunks
// (`human-current`, 2024 on), the people a scan meets today: pre-2022 human hunks are almost never
// flagged (their messages predate agent-style ones), so pooling them in let today's people be
// flagged at 1.6% under a "1%" point. The pooled rate is printed too, and so is the spread of the
// current-era rate over repositories (a bootstrap that resamples whole repositories), since
// false flags gather in the repositories whose people write agent-like messages. The test split
// is only reported.
//
//   npx tsx scripts/operating-points.ts [--mirrors DIR] [--features FILE] [--cache FILE]
//
// Needs the mirrors (for the commit messages) and the train features scripts/train-real.ts
// cached (.cache/real-features.json: the train hunks of its commit subsample, scanned with file
// context). Scores the code with the shipped model and each message once, caches both (keyed
// by the model version), then searches. Train only: `npm run eval -- --real` reports test.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom } from '../detectors/commit-message.js';
import { REGISTRY } from '../src/attest/registry.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { MAX_MESSAGE_LOG_ODDS } from '../src/engine/analyze.js';
import { DEFAULT_MODEL, scoreFeatures } from '../detectors/model.js';
import { auroc, thresholdAtFlagRate } from '../src/eval/metrics.js';
import { gitText } from '../src/eval/real/git.js';
import { defaultMirrors, mirrorOf } from '../src/eval/real/load.js';
import { seededRandom } from '../src/eval/split.js';
import { PROJECT_ROOT, option } from './options.js';
import type { FeatureRow } from './train-real.js';

const HUMAN_HIGH_RATE = 0.01;
const HUMAN_LOW_RATE = 0.10;
/** The human hunks the budgets are spent on. */
const BUDGET_LABEL = 'human-current';
const BOOTSTRAP_DRAWS = 2000;

interface Row {
  readonly repo: string;
  readonly split: 'train' | 'test';
  readonly label: string;
  readonly agent?: string;
  /** Code score (no message evidence). */
  readonly code: number;
  /** The commit message's log-likelihood ratio (stamps stripped by the model). */
  readonly llr: number;
}

const mirrors = option('--mirrors', defaultMirrors());
const cache = option('--cache', join(PROJECT_ROOT, '.cache', 'operating-points.json'));
const features = option('--features', join(PROJECT_ROOT, '.cache', 'real-features.json'));

/** Both models score the rows: a new code or message model scores them again. */
const cacheKey = `${DEFAULT_MODEL.version} ${DEFAULT_MESSAGE_MODEL.version}`;

function score(): Row[] {
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as { model: string; rows: Row[] };
    if (cached.model === cacheKey) return cached.rows;
  }
  // The code features of the train hunks, as scripts/train-real.ts recorded them from scans with
  // file context (the same subsample of commits), scored with the shipped model.
  if (!existsSync(features)) throw new Error(`no ${features}: run scripts/train-real.ts first`);
  const featureRows = (JSON.parse(readFileSync(features, 'utf8')) as { rows: FeatureRow[] }).rows;
  const markers = stampMarkersFrom(REGISTRY);
  const llrOf = new Map<string, number>();
  const rows: Row[] = [];
  for (const r of featureRows) {
    const key = `${r.repo}\0${r.commit}`;
    let llr = llrOf.get(key);
    if (llr === undefined) {
      const gitDir = mirrorOf(mirrors, r.repo);
      if (gitDir === undefined) continue;
      const raw = gitText(gitDir, ['cat-file', 'commit', r.commit]);
      const body = raw.indexOf('\n\n');
      llr = scoreMessage(body === -1 ? '' : raw.slice(body + 2), markers, DEFAULT_MESSAGE_MODEL).llr;
      llrOf.set(key, llr);
    }
    const features = Object.entries(r.features).map(([id, value]) => ({ id, value, detail: '' }));
    rows.push({ repo: r.repo, split: 'train', label: r.label, ...(r.agent === undefined ? {} : { agent: r.agent }), code: scoreFeatures(features, DEFAULT_MODEL).score, llr });
  }
  mkdirSync(dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify({ model: cacheKey, rows }));
  return rows;
}

const logit = (p: number): number => Math.log(Math.min(1 - 1e-12, Math.max(1e-12, p)) / (1 - Math.min(1 - 1e-12, Math.max(1e-12, p))));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** How a message's ratio joins its hunks: always, within [floor, cap]; or only at or above a gate. */
type Rule = { readonly kind: 'always'; readonly floor: number } | { readonly kind: 'gated'; readonly gate: number };
const added = (llr: number, rule: Rule): number =>
  rule.kind === 'always' ? Math.max(rule.floor, Math.min(llr, MAX_MESSAGE_LOG_ODDS)) : llr >= rule.gate ? Math.min(llr, MAX_MESSAGE_LOG_ODDS) : 0;
const combined = (r: Row, rule: Rule): number => sigmoid(logit(r.code) + added(r.llr, rule));
const describe = (rule: Rule): string => (rule.kind === 'always' ? `always, floor ${rule.floor}` : `gated at ${rule.gate}`);
/** Two decimals, rounded up: the shipped thresholds are shown that way and must not flag more. */
const up2 = (x: number): number => Math.ceil(x * 100 - 1e-9) / 100;
const share = (xs: readonly number[], t: number): number => (xs.length === 0 ? 0 : xs.filter((x) => x >= t).length / xs.length);
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

function evaluate(rows: readonly Row[], rule: Rule, high: number, low: number) {
  const agent = rows.filter((r) => r.label === 'agent').map((r) => combined(r, rule));
  const human = rows.filter((r) => r.label !== 'agent').map((r) => combined(r, rule));
  const current = rows.filter((r) => r.label === 'human-current').map((r) => combined(r, rule));
  const old = rows.filter((r) => r.label === 'human-old').map((r) => combined(r, rule));
  return {
    agentHunks: agent.length, humanHunks: human.length,
    tpr: round4(share(agent, high)), humanFlagged: round4(share(human, high)), humanCurrentFlagged: round4(share(current, high)), humanOldFlagged: round4(share(old, high)),
    agentUncertainOrAbove: round4(share(agent, low)), humanUncertainOrAbove: round4(share(human, low)),
    auroc: round4(auroc([...agent.map((score) => ({ score, positive: true })), ...human.map((score) => ({ score, positive: false }))]) ?? NaN),
  };
}

/**
 * The spread of the budget label's flag rate at `high` over repositories: each draw resamples
 * whole repositories with replacement and pools their hunks. Percentiles 50, 90 and 95.
 */
function repoBootstrap(rows: readonly Row[], rule: Rule, high: number) {
  const byRepo = new Map<string, { flagged: number; n: number }>();
  for (const r of rows) {
    if (r.label !== BUDGET_LABEL) continue;
    const c = byRepo.get(r.repo) ?? { flagged: 0, n: 0 };
    c.n++;
    if (combined(r, rule) >= high) c.flagged++;
    byRepo.set(r.repo, c);
  }
  const repos = [...byRepo.values()];
  // Seeded (mulberry32), so the bootstrap prints the same figures every run.
  const next = seededRandom(11);
  const rates: number[] = [];
  for (let d = 0; d < BOOTSTRAP_DRAWS; d++) {
    let flagged = 0;
    let n = 0;
    for (let i = 0; i < repos.length; i++) {
      const c = repos[Math.floor(next() * repos.length)]!;
      flagged += c.flagged;
      n += c.n;
    }
    rates.push(n === 0 ? 0 : flagged / n);
  }
  rates.sort((x, y) => x - y);
  const at = (q: number): number => round4(rates[Math.min(rates.length - 1, Math.floor(q * rates.length))] ?? NaN);
  return { repositories: repos.length, reposWithAFlag: repos.filter((c) => c.flagged > 0).length, p50: at(0.5), p90: at(0.9), p95: at(0.95) };
}

const rows = score();
const train = rows.filter((r) => r.split === 'train');
const rules: Rule[] = [
  ...[0, -1, -2, -3, -4.5, -6, -Infinity].map((floor): Rule => ({ kind: 'always', floor })),
  ...[Infinity, ...Array.from({ length: 45 }, (_, i) => 2 + i * 0.25)].map((gate): Rule => ({ kind: 'gated', gate })),
];
const grid = rules.map((rule) => {
  const human = train.filter((r) => r.label === BUDGET_LABEL).map((r) => combined(r, rule));
  const high = up2(thresholdAtFlagRate(human, HUMAN_HIGH_RATE));
  const low = Math.min(high, up2(thresholdAtFlagRate(human, HUMAN_LOW_RATE)));
  return { rule, high, low, train: evaluate(train, rule, high, low) };
});
const CHOSEN: Rule = { kind: 'always', floor: 0 };
const chosen = grid.find((g) => g.rule.kind === CHOSEN.kind && g.rule.floor === CHOSEN.floor)!;
// What the engine ships (src/engine/analyze.ts, the policy default) and, for comparison, the
// former rule: the message added only at or above its operating point, thresholds re-chosen.
const shipped = { rule: describe(CHOSEN), high: DEFAULT_POLICY.thresholds.high, low: DEFAULT_POLICY.thresholds.low };
const formerRule: Rule = { kind: 'gated', gate: DEFAULT_MESSAGE_MODEL.threshold };
const formerHuman = train.filter((r) => r.label === BUDGET_LABEL).map((r) => combined(r, formerRule));
const former = { rule: describe(formerRule), high: up2(thresholdAtFlagRate(formerHuman, HUMAN_HIGH_RATE)), low: up2(thresholdAtFlagRate(formerHuman, HUMAN_LOW_RATE)) };
const out = {
  rule: `on train: high flags at most ${HUMAN_HIGH_RATE * 100}% of ${BUDGET_LABEL} hunks, low at most ${HUMAN_LOW_RATE * 100}%, with the message's ratio added within [0, ${MAX_MESSAGE_LOG_ODDS}] (the grid shows other floors and the former gate)`,
  model: DEFAULT_MODEL.version,
  hunks: { train: train.length },
  chosen: { message: describe(chosen.rule), low: chosen.low, high: chosen.high },
  train: chosen.train,
  [`${BUDGET_LABEL}FlaggedOverRepositories`]: repoBootstrap(train, CHOSEN, chosen.high),
  shipped: { ...shipped, train: evaluate(train, CHOSEN, shipped.high, shipped.low), [`${BUDGET_LABEL}FlaggedOverRepositories`]: repoBootstrap(train, CHOSEN, shipped.high) },
  former: { ...former, train: evaluate(train, formerRule, former.high, Math.min(former.high, former.low)) },
  codeOnlyAtChosen: { train: evaluate(train, { kind: 'gated', gate: Infinity }, chosen.high, chosen.low) },
  grid: grid.map((g) => ({ message: describe(g.rule), high: g.high, low: g.low, trainAuroc: g.train.auroc, trainTpr: g.train.tpr, trainHumanFlagged: g.train.humanFlagged, trainHumanCurrentFlagged: g.train.humanCurrentFlagged })),
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
