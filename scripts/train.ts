// Fits the scoring model on the TRAIN split of the development set and writes
// detectors/model-weights.json; then prints metrics on the held-out TEST split.
//
//   npx tsx scripts/train.ts            fit, write weights, report train and test metrics
//   npx tsx scripts/train.ts --no-test  fit and report on train only (use while tuning features)
//   npx tsx scripts/train.ts --dry-run  do not write the weights file
//
// Model: L2-regularised logistic regression, batch gradient descent with a fixed iteration count
// and step (deterministic: same samples, same weights), regularised toward expert prior weights
// so features the data never exercises keep a considered value. Each weight is kept on the side its
// feature's declared direction says (AI features ≥ 0, human markers ≤ 0), so no feature can
// end up arguing the opposite of what its detail tells the PR author. Thresholds are chosen on
// out-of-fold train scores (5 folds grouped by source, so one package never trains and scores
// itself): `high` flags at most 2% of human hunks, `low` at most 10%.

import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeatureDirection } from '../detectors/detector.js';
import { scoreFeatures, type ScoringModel } from '../detectors/model.js';
import { DETECTORS_VERSION, FEATURE_DETECTORS } from '../detectors/registry.js';
import { loadCorpus, type Sample } from '../src/eval/corpus.js';
import { devsetFeaturizer } from './devset-features.js';
import { auroc, confusion, thresholdAtFlagRate } from '../src/eval/metrics.js';

const HIGH_HUMAN_BUDGET = 0.02;
const LOW_HUMAN_BUDGET = 0.1;
const LAMBDA = Number(process.env.LAMBDA ?? 0.001);
const ITERATIONS = 4000;
const STEP = 0.5;
const FOLDS = 5;
const MODEL_ID = 'trailmark-logistic';
/**
 * Caps on features that describe the change's shape rather than its content: a large hunk of
 * complete units is no evidence about who wrote it, so shape may tip a score but never make one.
 */
const SHAPE_CAP = Number(process.env.SHAPE_CAP ?? 0.25);
const MAX_WEIGHT: Readonly<Record<string, number>> = { 'hunk-shape/size': SHAPE_CAP, 'hunk-shape/whole-units': SHAPE_CAP };

/**
 * Prior weights (expert-set, before any data): the fit is L2-regularised toward these rather than
 * toward 0, and starts from them. A feature the development set never exercises (assistant
 * phrases, code fences and placeholders do not occur in it) keeps its prior instead of silently
 * dropping to 0; a feature the data speaks about moves to where the data puts it.
 */
const PRIOR: Readonly<Record<string, number>> = {
  'assistant-text/chat-phrase': 4,
  'assistant-text/code-fence': 4,
  'assistant-text/placeholder': 3.5,
  'narration/step-comment': 1.5,
  'narration/stock-vocabulary': 0.8,
  'comment-density/density': 1.2,
  'comment-density/trailing': 0.5,
  'restating-comment/restates-code': 1,
  'jsdoc/uniform': 1,
  'jsdoc/trivial': 0.6,
  'jsdoc/typed-in-ts': 0.6,
  'defensive/log-rethrow': 0.8,
  'defensive/log-swallow': 0.4,
  'defensive/error-idiom': 0.8,
  'defensive/input-guards': 0.6,
  'lexical/identifier-length': 0.8,
  'lexical/descriptive-names': 0.6,
  'lexical/uniform-lines': 0.2,
  'lexical/emoji': 1,
  'hunk-shape/whole-units': 0.5,
  'hunk-shape/size': 0.5,
  'consistency/quote-style': 1,
  'consistency/semicolons': 1,
  'consistency/indentation': 0.8,
  'consistency/naming': 0.8,
  'consistency/comment-excess': 1,
  'consistency/identifier-excess': 0.8,
  'consistency/jsdoc-excess': 0.8,
  'human-markers/todo': -1.5,
  'human-markers/commented-out-code': -1,
  'human-markers/informal': -1.5,
  'human-markers/lowercase-comments': -0.8,
  'human-markers/terse-names': -0.8,
};
const PRIOR_BIAS = -3.2;

const args = new Set(process.argv.slice(2));
const withTest = !args.has('--no-test');
const dryRun = args.has('--dry-run');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const weightsPath = join(root, 'detectors/model-weights.json');

const specs = FEATURE_DETECTORS.flatMap((d) => d.features);
const featureIds = specs.map((s) => s.id);
const directions: FeatureDirection[] = specs.map((s) => s.direction);
const index = new Map(featureIds.map((id, i) => [id, i]));
const caps = featureIds.map((id) => MAX_WEIGHT[id] ?? Infinity);
const prior = featureIds.map((id) => Math.min(PRIOR[id] ?? 0, MAX_WEIGHT[id] ?? Infinity));

interface Row {
  readonly sample: Sample;
  readonly x: Float64Array;
  readonly y: number;
}

/** Feature vectors of the samples; samples sharing a file text share one parse. */
function featurize(samples: readonly Sample[]): Row[] {
  const analyze = devsetFeaturizer();
  const rows: Row[] = [];
  for (const sample of samples) {
    const analysis = analyze(sample);
    if (analysis.failures.length > 0) throw new Error(`detector failure on ${sample.id}: ${analysis.failures.map((f) => f.message).join('; ')}`);
    const x = new Float64Array(featureIds.length);
    for (const f of analysis.features) {
      const i = index.get(f.id);
      if (i !== undefined) x[i] = f.value;
    }
    rows.push({ sample, x, y: sample.label === 'ai' ? 1 : 0 });
  }
  return rows;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

interface Fit {
  readonly bias: number;
  readonly w: Float64Array;
}

/**
 * Projected batch gradient descent on the mean log-loss plus LAMBDA/2·|w − prior|² (bias
 * unpenalised), starting from the prior.
 * Classes are weighted to equal total mass so the rare class shapes the fit.
 */
function fit(rows: readonly Row[]): Fit {
  const d = featureIds.length;
  const w = Float64Array.from(prior);
  let bias = PRIOR_BIAS;
  const positives = rows.filter((r) => r.y === 1).length;
  const negatives = rows.length - positives;
  const weightOf = (y: number): number => (y === 1 ? rows.length / (2 * Math.max(1, positives)) : rows.length / (2 * Math.max(1, negatives)));
  const grad = new Float64Array(d);
  for (let it = 0; it < ITERATIONS; it++) {
    grad.fill(0);
    let gradBias = 0;
    for (const r of rows) {
      let z = bias;
      for (let j = 0; j < d; j++) z += (w[j] as number) * (r.x[j] as number);
      const err = (sigmoid(z) - r.y) * weightOf(r.y);
      gradBias += err;
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + err * (r.x[j] as number);
    }
    bias -= (STEP * gradBias) / rows.length;
    for (let j = 0; j < d; j++) {
      let next = (w[j] as number) - STEP * ((grad[j] as number) / rows.length + LAMBDA * ((w[j] as number) - (prior[j] as number)));
      if (directions[j] === 'ai' && next < 0) next = 0;
      if (directions[j] === 'human' && next > 0) next = 0;
      const cap = caps[j] as number;
      if (next > cap) next = cap;
      w[j] = next;
    }
  }
  return { bias, w };
}

function scoreRow(model: Fit, r: Row): number {
  let z = model.bias;
  for (let j = 0; j < featureIds.length; j++) z += (model.w[j] as number) * (r.x[j] as number);
  return sigmoid(z);
}

function foldOf(sample: Sample): number {
  // Group by source so a package's hunks never score themselves.
  return createHash('sha256').update(sample.source).digest().readUInt32BE(0) % FOLDS;
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

interface Report {
  readonly auroc: number;
  readonly humanFlagRate: number;
  readonly aiRecall: number;
  readonly humanUncertainRate: number;
  readonly aiUncertainRate: number;
  readonly n: number;
  readonly ai: number;
  readonly human: number;
}

function report(scores: readonly { score: number; positive: boolean }[], low: number, high: number): Report {
  const c = confusion(scores, high);
  const humans = scores.filter((s) => !s.positive);
  const ais = scores.filter((s) => s.positive);
  return {
    auroc: auroc(scores) ?? Number.NaN,
    humanFlagRate: c.fp / Math.max(1, c.fp + c.tn),
    aiRecall: c.tp / Math.max(1, c.tp + c.fn),
    humanUncertainRate: humans.filter((s) => s.score >= low && s.score < high).length / Math.max(1, humans.length),
    aiUncertainRate: ais.filter((s) => s.score >= low && s.score < high).length / Math.max(1, ais.length),
    n: scores.length,
    ai: ais.length,
    human: humans.length,
  };
}

function printReport(title: string, r: Report, rows?: readonly { sample: Sample; score: number }[], high?: number): void {
  console.log(
    `${title}: n=${r.n} (ai ${r.ai}, human ${r.human})  AUROC ${r.auroc.toFixed(3)}  human flagged ${(r.humanFlagRate * 100).toFixed(1)}%  ` +
      `AI recall ${(r.aiRecall * 100).toFixed(1)}%  uncertain: human ${(r.humanUncertainRate * 100).toFixed(1)}% / AI ${(r.aiUncertainRate * 100).toFixed(1)}%`,
  );
  if (rows === undefined || high === undefined) return;
  const groups = new Map<string, { total: number; flagged: number }>();
  for (const { sample, score } of rows) {
    const key = `${sample.label}:${sample.style ?? '?'}`;
    const g = groups.get(key) ?? { total: 0, flagged: 0 };
    g.total++;
    if (score >= high) g.flagged++;
    groups.set(key, g);
  }
  for (const [key, g] of [...groups.entries()].sort()) console.log(`    ${key.padEnd(28)} ${String(g.flagged).padStart(4)}/${String(g.total).padEnd(4)} flagged`);
}

async function main(): Promise<void> {
  const train = await loadCorpus({ split: 'train' });
  const rows = featurize(train);
  const positives = rows.filter((r) => r.y === 1).length;

  // Out-of-fold scores on train for thresholds and an honest train-side estimate.
  const oof = new Float64Array(rows.length);
  for (let k = 0; k < FOLDS; k++) {
    const fitted = fit(rows.filter((r) => foldOf(r.sample) !== k));
    rows.forEach((r, i) => {
      if (foldOf(r.sample) === k) oof[i] = scoreRow(fitted, r);
    });
  }
  const model = fit(rows);
  const oofScored = rows.map((r, i) => ({ score: oof[i] as number, positive: r.y === 1 }));
  const humanOof = oofScored.filter((s) => !s.positive).map((s) => s.score);
  const high = round(Math.min(0.99, Math.ceil(thresholdAtFlagRate(humanOof, HIGH_HUMAN_BUDGET) * 100) / 100), 2);
  const low = round(Math.min(high, Math.ceil(thresholdAtFlagRate(humanOof, LOW_HUMAN_BUDGET) * 100) / 100), 2);

  const weights: Record<string, number> = {};
  featureIds.forEach((id, j) => {
    const w = round(model.w[j] as number);
    if (w !== 0) weights[id] = w;
  });
  const digest = createHash('sha256').update(JSON.stringify({ bias: round(model.bias), weights, DETECTORS_VERSION })).digest('hex').slice(0, 12);
  const shipped: ScoringModel = {
    id: MODEL_ID,
    version: `1.0.0+${digest}`,
    bias: round(model.bias),
    weights,
    trainedOn: `trailmark devset v1, train split: ${rows.length} hunks (${positives} ai, ${rows.length - positives} human); detectors ${DETECTORS_VERSION}; L2 ${LAMBDA} toward expert priors, ${ITERATIONS} GD steps, class-balanced, sign-constrained, shape capped at ${SHAPE_CAP}`,
    metrics: {},
    thresholds: { low, high },
  };
  // In-sample train scores with the shipped (rounded) model, through the production scorer.
  const trainScored = rows.map((r) => {
    const features = featureIds.flatMap((id, j) => ((r.x[j] as number) > 0 ? [{ id, value: r.x[j] as number, detail: '' }] : []));
    return { sample: r.sample, score: scoreFeatures(features, shipped).score };
  });
  const trainReport = report(trainScored.map((s) => ({ score: s.score, positive: s.sample.label === 'ai' })), low, high);
  const oofReport = report(oofScored, low, high);
  const metrics: Record<string, number> = {
    trainAuroc: round(trainReport.auroc),
    trainHumanFlagRate: round(trainReport.humanFlagRate),
    trainAiRecall: round(trainReport.aiRecall),
    trainCvAuroc: round(oofReport.auroc),
    trainCvHumanFlagRate: round(oofReport.humanFlagRate),
    trainCvAiRecall: round(oofReport.aiRecall),
  };

  console.log(`features: ${featureIds.length}; bias ${shipped.bias}`);
  for (const [id, w] of Object.entries(weights).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))) console.log(`  ${w.toFixed(4).padStart(8)}  ${id}`);
  console.log(`thresholds (from out-of-fold train scores): low ${low} (≤${LOW_HUMAN_BUDGET * 100}% human), high ${high} (≤${HIGH_HUMAN_BUDGET * 100}% human)`);
  printReport('train (in-sample)', trainReport, trainScored, high);
  printReport('train (5-fold out-of-fold)', oofReport);

  if (withTest) {
    const test = await loadCorpus({ split: 'test' });
    const testRows = featurize(test);
    const testScored = testRows.map((r) => {
      const features = featureIds.flatMap((id, j) => ((r.x[j] as number) > 0 ? [{ id, value: r.x[j] as number, detail: '' }] : []));
      return { sample: r.sample, score: scoreFeatures(features, shipped).score };
    });
    const testReport = report(testScored.map((s) => ({ score: s.score, positive: s.sample.label === 'ai' })), low, high);
    printReport('TEST (held out)', testReport, testScored, high);
    metrics.testAuroc = round(testReport.auroc);
    metrics.testHumanFlagRate = round(testReport.humanFlagRate);
    metrics.testAiRecall = round(testReport.aiRecall);
  }

  if (!dryRun) {
    const out = { ...shipped, metrics };
    await writeFile(weightsPath, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${weightsPath}`);
  }
}

await main();
