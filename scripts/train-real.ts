// Fits the hunk model on the real-commit corpus's TRAIN split (issue #11) and writes
// detectors/model-weights.json. The test split is never read here: thresholds and every tuning
// choice come from cross-validation grouped by repository inside train.
//
//   npx tsx scripts/train-real.ts [--mirrors DIR] [--cache FILE] [--max-commits N] [--with-devset] [--dry-run]
//
// Features: each train commit is scanned exactly as `npm run eval -- --real` scans it (its diff,
// each file's head text from the mirror, engine/analyze), with the detectors wrapped so that
// every feature they report for every hunk is recorded — the model learns from the same
// contexts production scores. Features are cached (.cache/real-features.json; delete it when a
// detector changes). With --with-devset the development set's train split (chat-style AI hunks
// and npm human hunks, scripts/train.ts) also trains every fit, at a third of the real rows'
// mass; cross-validation still scores real train rows only. Both variants are printed with the
// development set's own AUROC, so the choice is measured.
//
// Model: class-balanced L2-regularised logistic regression toward the previous weights (the
// expert prior), batch gradient descent with a fixed step count (deterministic), each weight
// kept on its feature's declared side (AI features ≥ 0, human markers ≤ 0) so every reason
// shown stays true; the hunk-shape features stay capped. L2 strength is chosen by 5-fold
// cross-validation grouped by repository (mean within-fold AUROC); thresholds come from the
// out-of-fold human scores: `high` flags at most 1% of train human hunks, `low` at most 10%.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Detector, FeatureDirection } from '../detectors/detector.js';
import { DEFAULT_MODEL, scoreFeatures, type ScoringModel } from '../detectors/model.js';
import { DETECTORS_VERSION, FEATURE_DETECTORS } from '../detectors/registry.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { analyzeChange } from '../src/engine/analyze.js';
import { loadCorpus } from '../src/eval/corpus.js';
import { auroc, thresholdAtFlagRate } from '../src/eval/metrics.js';
import { commitChangeSet } from '../src/eval/real/evaluate.js';
import { defaultMirrors, loadRealCommits, readManifest, sampleCommits } from '../src/eval/real/load.js';
import { devsetFeaturizer } from './devset-features.js';
import { ARGS, PROJECT_ROOT, option } from './options.js';
import { withinGroupAuroc } from '../src/eval/real/metrics.js';
import { REAL_MANIFEST } from '../src/eval/real/run.js';

const mirrors = option('--mirrors', defaultMirrors());
const cache = option('--cache', join(PROJECT_ROOT, '.cache', 'real-features.json'));
const dryRun = ARGS.includes('--dry-run');
/** Train commits featurized (a deterministic subsample, src/eval/real/load.ts sampleCommits). */
const MAX_COMMITS = Number(option('--max-commits', '1800'));
const testCache = option('--test-cache', join(PROJECT_ROOT, '.cache', 'real-features-test.json'));
const MAX_TEST_COMMITS = Number(option('--max-test-commits', '1500'));

const HIGH_HUMAN_BUDGET = 0.01;
const LOW_HUMAN_BUDGET = 0.1;
const ITERATIONS = 3000;
const STEP = 0.5;
const FOLDS = 5;
const LAMBDAS = [0.0003, 0.001, 0.003, 0.01, 0.03];
const SHAPE_CAP = 0.25;
const MAX_WEIGHT: Readonly<Record<string, number>> = { 'hunk-shape/size': SHAPE_CAP, 'hunk-shape/whole-units': SHAPE_CAP };
const MODEL_ID = 'trailmark-logistic';

export interface FeatureRow {
  readonly repo: string;
  readonly commit: string;
  readonly label: string;
  readonly agent?: string;
  readonly added: number;
  readonly features: Readonly<Record<string, number>>;
  /** Location (recorded for the test rows, which the report matches to the manifest). */
  readonly path?: string;
  readonly startLine?: number;
  readonly endLine?: number;
}

/** Detectors that record what they report for each hunk (path, start, end) into `sink`. */
function recording(detectors: readonly Detector[], sink: Map<string, Record<string, number>>): Detector[] {
  return detectors.map((d) => ({
    ...d,
    detect(ctx) {
      const features = d.detect(ctx);
      const key = `${ctx.path}\0${ctx.hunk.startLine}\0${ctx.hunk.endLine}`;
      let row = sink.get(key);
      if (row === undefined) sink.set(key, (row = {}));
      for (const f of features) if (Number.isFinite(f.value) && f.value > 0) row[f.id] = f.value;
      return features;
    },
  }));
}

async function featurize(split: 'train' | 'test', file: string, maxCommits: number): Promise<FeatureRow[]> {
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { detectors: string; maxCommits: number; rows: FeatureRow[] };
    if (cached.detectors === DETECTORS_VERSION && cached.maxCommits === maxCommits) return cached.rows;
    process.stderr.write(`${file} is for detectors ${cached.detectors} / ${cached.maxCommits} commits: re-featurizing\n`);
  }
  // One split only: training never loads the test split.
  const samples = sampleCommits(readManifest(join(PROJECT_ROOT, REAL_MANIFEST)).filter((s) => s.split === split), maxCommits);
  const rows: FeatureRow[] = [];
  let done = 0;
  for (const c of loadRealCommits(samples, { mirrors, heads: true })) {
    const sink = new Map<string, Record<string, number>>();
    const result = await analyzeChange(await commitChangeSet(c), { policy: DEFAULT_POLICY, detectors: recording(FEATURE_DETECTORS, sink) });
    const byKey = new Map(result.hunks.map((h) => [`${h.path}\0${h.startLine}\0${h.endLine}`, h]));
    for (const s of c.samples) {
      const key = `${s.path}\0${s.startLine}\0${s.endLine}`;
      const h = byKey.get(key);
      if (h === undefined || h.verdict === 'skipped' || h.contentDigest !== s.sha256) continue;
      rows.push({
        repo: s.repo, commit: s.commit, label: s.label, ...(s.agent === undefined ? {} : { agent: s.agent }), added: s.added, features: sink.get(key) ?? {},
        ...(split === 'test' ? { path: s.path, startLine: s.startLine, endLine: s.endLine } : {}),
      });
    }
    if (++done % 250 === 0) process.stderr.write(`featurized ${done} ${split} commits, ${rows.length} hunks\n`);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ detectors: DETECTORS_VERSION, maxCommits, rows }));
  return rows;
}

const specs = FEATURE_DETECTORS.flatMap((d) => d.features);
const featureIds = specs.map((s) => s.id);
const directions: FeatureDirection[] = specs.map((s) => s.direction);
const caps = featureIds.map((id) => MAX_WEIGHT[id] ?? Infinity);
/** The previous shipped weights are the prior; a feature new to the model starts at 0. */
const prior = featureIds.map((id, j) => {
  const w = DEFAULT_MODEL.weights[id] ?? 0;
  const signed = directions[j] === 'ai' ? Math.max(0, w) : Math.min(0, w);
  return Math.min(signed, caps[j] as number);
});

interface Row {
  readonly x: Float64Array;
  readonly y: number;
  readonly repo: string;
  readonly mass: number;
}

function vector(features: Readonly<Record<string, number>>): Float64Array {
  const x = new Float64Array(featureIds.length);
  featureIds.forEach((id, j) => {
    const v = features[id];
    if (v !== undefined && Number.isFinite(v)) x[j] = v;
  });
  return x;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

interface Fit {
  readonly bias: number;
  readonly w: Float64Array;
}

/** Projected batch gradient descent, class-balanced (each class half the mass), from the prior. */
function fit(rows: readonly Row[], lambda: number): Fit {
  const d = featureIds.length;
  const w = Float64Array.from(prior);
  let bias = DEFAULT_MODEL.bias;
  let pos = 0;
  let neg = 0;
  for (const r of rows) {
    if (r.y === 1) pos += r.mass;
    else neg += r.mass;
  }
  const total = pos + neg;
  const cw = (r: Row): number => r.mass * (r.y === 1 ? total / (2 * Math.max(1e-9, pos)) : total / (2 * Math.max(1e-9, neg)));
  const weights = rows.map(cw);
  const grad = new Float64Array(d);
  // Only the non-zero coordinates of each row matter.
  const sparse = rows.map((r) => {
    const idx: number[] = [];
    for (let j = 0; j < d; j++) if ((r.x[j] as number) !== 0) idx.push(j);
    return Int32Array.from(idx);
  });
  for (let it = 0; it < ITERATIONS; it++) {
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as Row;
      const nz = sparse[i] as Int32Array;
      let z = bias;
      for (const j of nz) z += (w[j] as number) * (r.x[j] as number);
      const err = (sigmoid(z) - r.y) * (weights[i] as number);
      gb += err;
      for (const j of nz) grad[j] = (grad[j] as number) + err * (r.x[j] as number);
    }
    bias -= (STEP * gb) / total;
    for (let j = 0; j < d; j++) {
      let next = (w[j] as number) - STEP * ((grad[j] as number) / total + lambda * ((w[j] as number) - (prior[j] as number)));
      if (directions[j] === 'ai' && next < 0) next = 0;
      if (directions[j] === 'human' && next > 0) next = 0;
      if (next > (caps[j] as number)) next = caps[j] as number;
      w[j] = next;
    }
  }
  return { bias, w };
}

function scoreRow(m: Fit, r: Row): number {
  let z = m.bias;
  for (let j = 0; j < featureIds.length; j++) z += (m.w[j] as number) * (r.x[j] as number);
  return sigmoid(z);
}

const foldOf = (repo: string): number => createHash('sha256').update(repo).digest().readUInt32BE(0) % FOLDS;
const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

interface CvResult {
  readonly lambda: number;
  readonly oof: Float64Array;
  readonly auroc: number;
  readonly withinRepo: number;
}

/** Out-of-fold scores of the real rows (devset rows, when present, only ever train). */
function crossValidate(real: readonly Row[], extra: readonly Row[], lambda: number): CvResult {
  const oof = new Float64Array(real.length);
  for (let k = 0; k < FOLDS; k++) {
    const m = fit([...real.filter((r) => foldOf(r.repo) !== k), ...extra], lambda);
    real.forEach((r, i) => {
      if (foldOf(r.repo) === k) oof[i] = scoreRow(m, r);
    });
  }
  const scored = real.map((r, i) => ({ score: oof[i] as number, positive: r.y === 1, group: r.repo }));
  return { lambda, oof, auroc: auroc(scored) ?? Number.NaN, withinRepo: withinGroupAuroc(scored, 10).meanAuroc ?? Number.NaN };
}

/** Feature vectors of the development set's train split (as scripts/train.ts builds them). */
async function devsetRows(): Promise<Row[]> {
  const samples = await loadCorpus({ split: 'train' });
  const analyze = devsetFeaturizer();
  return samples.map((sample) => {
    const features: Record<string, number> = {};
    for (const f of analyze(sample).features) features[f.id] = f.value;
    return { x: vector(features), y: sample.label === 'ai' ? 1 : 0, repo: `devset:${sample.source}`, mass: 1 };
  });
}

/**
 * Small hunks and the commit as a unit: for hunks of at most 20 added lines, the AUROC of their
 * own out-of-fold score against the mean out-of-fold score of their commit's sampled hunks.
 */
function smallHunkReport(featureRows: readonly FeatureRow[], oof: Float64Array): void {
  const byCommit = new Map<string, number[]>();
  featureRows.forEach((r, i) => {
    const k = `${r.repo}\0${r.commit}`;
    const list = byCommit.get(k);
    if (list === undefined) byCommit.set(k, [oof[i] as number]);
    else list.push(oof[i] as number);
  });
  const small = featureRows.flatMap((r, i) => (r.added <= 20 ? [{ r, own: oof[i] as number }] : []));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const own = small.map(({ r, own: score }) => ({ score, positive: r.label === 'agent', group: r.repo }));
  const commit = small.map(({ r }) => ({ score: mean(byCommit.get(`${r.repo}\0${r.commit}`)!), positive: r.label === 'agent', group: r.repo }));
  const noFeature = small.filter(({ r }) => Object.keys(r.features).length === 0).length;
  console.log(
    `hunks ≤ 20 lines: ${small.length} (${noFeature} with no feature at all); out-of-fold AUROC own score ${(auroc(own) ?? Number.NaN).toFixed(3)} ` +
      `(within-repo ${(withinGroupAuroc(own, 10).meanAuroc ?? Number.NaN).toFixed(3)}), commit mean ${(auroc(commit) ?? Number.NaN).toFixed(3)} (within-repo ${(withinGroupAuroc(commit, 10).meanAuroc ?? Number.NaN).toFixed(3)})`,
  );
}

async function main(): Promise<void> {
  if (ARGS.includes('--featurize-test')) {
    // Records the test split's features for the final report only; nothing here reads them.
    const rows = await featurize('test', testCache, MAX_TEST_COMMITS);
    console.log(`featurized ${rows.length} test hunks into ${testCache}`);
    return;
  }
  const featureRows = await featurize('train', cache, MAX_COMMITS);
  const real: Row[] = featureRows.map((r) => ({ x: vector(r.features), y: r.label === 'agent' ? 1 : 0, repo: r.repo, mass: 1 }));
  const withDevset = ARGS.includes('--with-devset');
  const dev = await devsetRows();
  // The development set weighs a third of the real rows when it trains.
  const devMass = real.length / 3 / Math.max(1, dev.length);
  const extra: Row[] = withDevset ? dev.map((r) => ({ ...r, mass: devMass })) : [];
  const agents = real.filter((r) => r.y === 1).length;
  console.log(`train rows: ${real.length} real (${agents} agent, ${real.length - agents} human, ${new Set(real.map((r) => r.repo)).size} repos)${extra.length > 0 ? ` + ${extra.length} devset` : ''}`);
  const base = real.map((r) => ({ score: scoreRow({ bias: DEFAULT_MODEL.bias, w: Float64Array.from(featureIds.map((id) => DEFAULT_MODEL.weights[id] ?? 0)) }, r), positive: r.y === 1, group: r.repo }));
  const baseWithin = withinGroupAuroc(base, 10).meanAuroc ?? Number.NaN;
  console.log(`previous model on train: AUROC ${(auroc(base) ?? Number.NaN).toFixed(3)}, within-repo ${baseWithin.toFixed(3)}`);
  let best: CvResult | undefined;
  for (const lambda of LAMBDAS) {
    const cv = crossValidate(real, extra, lambda);
    console.log(`  lambda ${lambda}: grouped-CV AUROC ${cv.auroc.toFixed(3)}, within-repo ${cv.withinRepo.toFixed(3)}`);
    if (best === undefined || cv.auroc + cv.withinRepo > best.auroc + best.withinRepo + 1e-9) best = cv;
  }
  const chosen = best!;
  smallHunkReport(featureRows, chosen.oof);
  const humanOof = real.flatMap((r, i) => (r.y === 0 ? [chosen.oof[i] as number] : []));
  const high = round(Math.min(0.99, Math.ceil(thresholdAtFlagRate(humanOof, HIGH_HUMAN_BUDGET) * 100 - 1e-9) / 100), 2);
  const low = round(Math.min(high, Math.ceil(thresholdAtFlagRate(humanOof, LOW_HUMAN_BUDGET) * 100 - 1e-9) / 100), 2);
  const model = fit([...real, ...extra], chosen.lambda);
  const weights: Record<string, number> = {};
  featureIds.forEach((id, j) => {
    const w = round(model.w[j] as number);
    if (w !== 0) weights[id] = w;
  });
  const digest = createHash('sha256').update(JSON.stringify({ bias: round(model.bias), weights, DETECTORS_VERSION })).digest('hex').slice(0, 12);
  const agentOof = real.flatMap((r, i) => (r.y === 1 ? [chosen.oof[i] as number] : []));
  const share = (xs: readonly number[], t: number): number => xs.filter((x) => x >= t).length / Math.max(1, xs.length);
  const shipped: ScoringModel = {
    id: MODEL_ID,
    version: `2.0.0+${digest}`,
    bias: round(model.bias),
    weights,
    trainedOn:
      `trailmark real-commit corpus v1, train split: ${real.length} hunks (${agents} agent, ${real.length - agents} human) from ${new Set(real.map((r) => r.repo)).size} repositories, scanned with head file context` +
      `${extra.length > 0 ? ` + ${extra.length} devset v1 train hunks at a third of the mass` : ''}; detectors ${DETECTORS_VERSION}; L2 ${chosen.lambda} toward the 1.0 weights (chosen by 5-fold CV grouped by repository), ${ITERATIONS} GD steps, class-balanced, sign-constrained, shape capped at ${SHAPE_CAP}`,
    metrics: {},
    thresholds: { low, high },
  };
  const inSample = real.map((r) => {
    const features = featureIds.flatMap((id, j) => ((r.x[j] as number) > 0 ? [{ id, value: r.x[j] as number, detail: '' }] : []));
    return { score: scoreFeatures(features, shipped).score, positive: r.y === 1, group: r.repo };
  });
  const metrics: Record<string, number> = {
    trainAuroc: round(auroc(inSample) ?? Number.NaN),
    trainWithinRepoAuroc: round(withinGroupAuroc(inSample, 10).meanAuroc ?? Number.NaN),
    trainCvAuroc: round(chosen.auroc),
    trainCvWithinRepoAuroc: round(chosen.withinRepo),
    trainCvHumanFlagRate: round(share(humanOof, high)),
    trainCvAgentRecall: round(share(agentOof, high)),
  };
  console.log(`chosen lambda ${chosen.lambda}; bias ${shipped.bias}`);
  for (const [id, w] of Object.entries(weights).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))) console.log(`  ${w.toFixed(4).padStart(8)}  ${id}`);
  console.log(`thresholds (out-of-fold train): low ${low}, high ${high}`);
  const devScored = dev.map((r) => ({ score: scoreRow(model, r), positive: r.y === 1 }));
  metrics.devsetTrainAuroc = round(auroc(devScored) ?? Number.NaN);
  console.log(JSON.stringify(metrics));
  if (!dryRun) {
    writeFileSync(join(PROJECT_ROOT, 'detectors/model-weights.json'), `${JSON.stringify({ ...shipped, metrics }, null, 2)}\n`);
    console.log('wrote detectors/model-weights.json');
  }
}

await main();
