// Chooses the shipped operating points on the real-commit corpus's TRAIN split (issue #11):
// `high` so that at most 1% of human hunks are flagged, `low` so that at most 10% reach the
// uncertain band, and the commit-message model's threshold jointly with `high` (a message above
// its threshold adds its log-likelihood ratio, capped, to every hunk of its commit, so its false
// positives spend the same 1% budget as the code's). The test split is only reported.
//
//   npx tsx scripts/operating-points.ts [--mirrors DIR] [--cache FILE] [--json]
//
// Needs the mirrors (eval/real/repos.json names them). Scores the code once per commit (the
// analyzer without the message) and the message once, caches both, then searches.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom } from '../detectors/commit-message.js';
import { REGISTRY } from '../src/attest/registry.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { analyzeChange } from '../src/engine/analyze.js';
import { patchChangeSource } from '../src/engine/patch.js';
import { auroc, thresholdAtFlagRate } from '../src/eval/metrics.js';
import { loadRealCommits, readManifest } from '../src/eval/real/load.js';
import { REAL_MANIFEST } from '../src/eval/real/run.js';

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

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const mirrors = opt('--mirrors', process.env.TRAILMARK_MIRRORS ?? '/work/.mirror');
const cache = opt('--cache', join(root, '.cache', 'operating-points.json'));

async function score(): Promise<Row[]> {
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Row[];
  const samples = readManifest(join(root, REAL_MANIFEST));
  const markers = stampMarkersFrom(REGISTRY);
  const rows: Row[] = [];
  let done = 0;
  for (const c of loadRealCommits(samples, { mirrors })) {
    const result = await analyzeChange(await patchChangeSource(c.patch).load(), { policy: DEFAULT_POLICY });
    const llr = scoreMessage(c.message, markers, DEFAULT_MESSAGE_MODEL).llr;
    const byKey = new Map(result.hunks.map((h) => [`${h.path}\0${h.startLine}\0${h.endLine}`, h]));
    for (const s of c.samples) {
      const h = byKey.get(`${s.path}\0${s.startLine}\0${s.endLine}`);
      if (h === undefined || h.verdict === 'skipped' || h.contentDigest !== s.sha256) continue;
      rows.push({ repo: s.repo, split: s.split, label: s.label, ...(s.agent === undefined ? {} : { agent: s.agent }), code: h.score, llr });
    }
    if (++done % 500 === 0) process.stderr.write(`scored ${done} commits\n`);
  }
  mkdirSync(dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify(rows));
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

const rows = await score();
const train = rows.filter((r) => r.split === 'train');
const test = rows.filter((r) => r.split === 'test');
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
  hunks: { train: train.length, test: test.length },
  chosen: { messageThreshold: chosen.t, low: chosen.low, high: chosen.high },
  train: evaluate(train, chosen.t, chosen.high, chosen.low),
  test: evaluate(test, chosen.t, chosen.high, chosen.low),
  shipped: { ...shipped, train: evaluate(train, shipped.t, shipped.high, shipped.low), test: evaluate(test, shipped.t, shipped.high, shipped.low) },
  codeOnlyAtChosen: { test: evaluate(test, Infinity, chosen.high, chosen.low) },
  grid,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
