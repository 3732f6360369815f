// Chooses the shipped operating points on the real-commit corpus's TRAIN split (issue #11):
// `high` so that at most 1% of human hunks are flagged, `low` so that at most 10% reach the
// uncertain band, and the commit-message model's threshold jointly with `high` (a message above
// its threshold adds its log-likelihood ratio, capped, to every hunk of its commit, so its false
// positives spend the same 1% budget as the code's). The test split is only reported.
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
import { DEFAULT_MODEL, scoreFeatures } from '../detectors/model.js';
import { auroc, thresholdAtFlagRate } from '../src/eval/metrics.js';
import { gitText } from '../src/eval/real/git.js';
import { defaultMirrors, mirrorOf } from '../src/eval/real/load.js';
import { PROJECT_ROOT, option } from './options.js';
import type { FeatureRow } from './train-real.js';

/** The engine's cap on a message's log-odds (src/engine/analyze.ts MAX_MESSAGE_LOG_ODDS). */
const MESSAGE_CAP = 3;
const HUMAN_HIGH_RATE = 0.01;
const HUMAN_LOW_RATE = 0.10;

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

function score(): Row[] {
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as { model: string; rows: Row[] };
    if (cached.model === DEFAULT_MODEL.version) return cached.rows;
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
  writeFileSync(cache, JSON.stringify({ model: DEFAULT_MODEL.version, rows }));
  return rows;
}

const logit = (p: number): number => Math.log(Math.min(1 - 1e-12, Math.max(1e-12, p)) / (1 - Math.min(1 - 1e-12, Math.max(1e-12, p))));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const combined = (r: Row, t: number): number => (r.llr >= t ? sigmoid(logit(r.code) + Math.min(r.llr, MESSAGE_CAP)) : r.code);
/** Two decimals, rounded up: the shipped thresholds are shown that way and must not flag more. */
const up2 = (x: number): number => Math.ceil(x * 100 - 1e-9) / 100;
const share = (xs: readonly number[], t: number): number => (xs.length === 0 ? 0 : xs.filter((x) => x >= t).length / xs.length);

function evaluate(rows: readonly Row[], t: number, high: number, low: number) {
  const agent = rows.filter((r) => r.label === 'agent').map((r) => combined(r, t));
  const human = rows.filter((r) => r.label !== 'agent').map((r) => combined(r, t));
  const current = rows.filter((r) => r.label === 'human-current').map((r) => combined(r, t));
  const old = rows.filter((r) => r.label === 'human-old').map((r) => combined(r, t));
  return {
    agentHunks: agent.length, humanHunks: human.length,
    tpr: share(agent, high), humanFlagged: share(human, high), humanCurrentFlagged: share(current, high), humanOldFlagged: share(old, high),
    humanUncertainOrAbove: share(human, low),
    auroc: auroc([...agent.map((score) => ({ score, positive: true })), ...human.map((score) => ({ score, positive: false }))]) ?? null,
  };
}

const rows = score();
const train = rows.filter((r) => r.split === 'train');
const candidates = [Infinity, ...Array.from({ length: 45 }, (_, i) => 2 + i * 0.25)];
let best: { t: number; high: number; low: number; tpr: number } | undefined;
const grid: { t: number; high: number; trainTpr: number }[] = [];
for (const t of candidates) {
  const human = train.filter((r) => r.label !== 'agent').map((r) => combined(r, t));
  const high = up2(thresholdAtFlagRate(human, HUMAN_HIGH_RATE));
  const low = Math.min(high, up2(thresholdAtFlagRate(human, HUMAN_LOW_RATE)));
  const tpr = share(train.filter((r) => r.label === 'agent').map((r) => combined(r, t)), high);
  grid.push({ t, high, trainTpr: tpr });
  if (best === undefined || tpr > best.tpr + 1e-12) best = { t, high, low, tpr };
}
const chosen = best!;
const shipped = { t: DEFAULT_MESSAGE_MODEL.threshold, high: DEFAULT_POLICY.thresholds.high, low: DEFAULT_POLICY.thresholds.low };
const out = {
  rule: `on train: high flags at most ${HUMAN_HIGH_RATE * 100}% of human hunks, low at most ${HUMAN_LOW_RATE * 100}%; the message threshold chosen with high to maximise train recall`,
  model: DEFAULT_MODEL.version,
  hunks: { train: train.length },
  chosen: { messageThreshold: chosen.t, low: chosen.low, high: chosen.high },
  train: evaluate(train, chosen.t, chosen.high, chosen.low),
  shipped: { ...shipped, train: evaluate(train, shipped.t, shipped.high, shipped.low) },
  codeOnlyAtChosen: { train: evaluate(train, Infinity, chosen.high, chosen.low) },
  grid,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
