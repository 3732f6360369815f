// Scores development-set samples with the real detectors and model, and summarises the result
// per split. No I/O here: main.ts loads the corpus and prints.

import type { Feature } from '../core/types.js';
import {
  analyzeHunk,
  hunkContext,
  languageOfPath,
  parseSource,
  splitLines,
  type Detector,
  type FeatureDirection,
  type ParsedFile,
  type ScoringModel,
} from '../../detectors/index.js';
import type { Sample } from './corpus.js';
import { auroc, bands, confusion, rate, thresholdAtFlagRate, type BandCounts } from './metrics.js';

/** The human flag-rate budget the product aims for: no more than 1 in 50 human hunks flagged. */
export const HUMAN_FLAG_BUDGET = 0.02;

export interface ScoredSample {
  readonly id: string;
  readonly label: 'ai' | 'human';
  readonly split: 'train' | 'test';
  readonly style: string;
  readonly score: number;
  /** Number of added lines. */
  readonly size: number;
  /** Contribution to the log-odds per detector id (Σ coefficient × value of its features). */
  readonly contributions: Readonly<Record<string, number>>;
  /** Raw value per reported feature id, before weighting. */
  readonly features: Readonly<Record<string, number>>;
  readonly failures: number;
}

export interface Thresholds {
  readonly low: number;
  readonly high: number;
}

export interface BandReport extends BandCounts {
  readonly flaggedRate: number | null;
  readonly uncertainRate: number | null;
}

export interface GroupRecall {
  readonly name: string;
  readonly total: number;
  readonly flagged: number;
  readonly flaggedRate: number | null;
}

export interface DetectorReport {
  readonly id: string;
  /** Mean contribution to the log-odds on AI and on human hunks. */
  readonly meanAi: number | null;
  readonly meanHuman: number | null;
  /** AUROC when the hunk is ranked by this detector's contributions alone (the model's weights). */
  readonly auroc: number | null;
  /**
   * AUROC when ranked by this detector's raw feature values, each signed by its declared
   * direction, unweighted: what the detector's features carry whatever the model makes of them.
   */
  readonly aurocUnweighted: number | null;
}

export interface FeatureReport {
  readonly id: string;
  readonly direction: FeatureDirection;
  /** Share of AI and of human hunks on which the feature fired (value > 0). */
  readonly firesAi: number | null;
  readonly firesHuman: number | null;
  /** AUROC of the raw value, signed by direction (a human-pointing feature counts negatively). */
  readonly auroc: number | null;
}

/** Added-line count buckets for the size breakdown; upper bounds inclusive. */
export const SIZE_BUCKETS: readonly { readonly name: string; readonly max: number }[] = [
  { name: '1-3 lines', max: 3 },
  { name: '4-10 lines', max: 10 },
  { name: '11-40 lines', max: 40 },
  { name: '41+ lines', max: Infinity },
];

export interface SplitReport {
  readonly split: 'train' | 'test';
  readonly counts: { readonly human: number; readonly ai: number };
  readonly auroc: number | null;
  readonly human: BandReport;
  readonly ai: BandReport;
  /** AI recall (flagged at `high`) per writing style. */
  readonly aiByStyle: readonly GroupRecall[];
  /** Human flag rate per span kind. */
  readonly humanBySpan: readonly GroupRecall[];
  readonly detectors: readonly DetectorReport[];
  readonly features: readonly FeatureReport[];
  /** Flag rate at `high` per added-line bucket, for each label. */
  readonly aiBySize: readonly GroupRecall[];
  readonly humanBySize: readonly GroupRecall[];
  /** At the train-chosen cut with ≤2% human flags on train: rates on this split. */
  readonly operatingPoint: { readonly threshold: number | null; readonly humanFlagged: number | null; readonly aiRecall: number | null };
  readonly detectorFailures: number;
}

function detectorOf(featureId: string): string {
  const slash = featureId.indexOf('/');
  return slash === -1 ? featureId : featureId.slice(0, slash);
}

function contributionsOf(features: readonly Feature[], model: ScoringModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of features) {
    if (!Number.isFinite(f.value) || !Object.hasOwn(model.weights, f.id)) continue;
    const w = model.weights[f.id];
    if (typeof w !== 'number' || !Number.isFinite(w)) continue;
    const d = detectorOf(f.id);
    out[d] = (out[d] ?? 0) + w * f.value;
  }
  return out;
}

/**
 * Scores every sample. `onProgress` is called after each sample. Samples sharing a file text
 * (adjacent in id order) share one parse.
 */
export function scoreSamples(
  samples: readonly Sample[],
  detectors: readonly Detector[],
  model: ScoringModel,
  onProgress?: (done: number, total: number) => void,
): ScoredSample[] {
  let lastText: string | undefined;
  let lastPath: string | undefined;
  let parsed: ParsedFile | undefined;
  let lines: readonly string[] = [];
  const out: ScoredSample[] = [];
  for (const sample of samples) {
    const language = languageOfPath(sample.path);
    if (sample.fileText !== lastText || sample.path !== lastPath) {
      lastText = sample.fileText;
      lastPath = sample.path;
      parsed = parseSource(sample.fileText, language);
      lines = parsed?.lines ?? splitLines(sample.fileText);
    }
    const ctx = hunkContext(
      { path: sample.path, language, lines, ...(parsed !== undefined ? { parsed } : {}) },
      sample.startLine,
      sample.endLine,
      sample.deleted !== undefined ? { deleted: sample.deleted } : {},
    );
    const analysis = analyzeHunk(ctx, detectors, model);
    const features: Record<string, number> = {};
    for (const f of analysis.features) if (Number.isFinite(f.value)) features[f.id] = (features[f.id] ?? 0) + f.value;
    out.push({
      id: sample.id,
      label: sample.label,
      split: sample.split,
      style: sample.style ?? 'unknown',
      score: analysis.score,
      size: ctx.hunk.added.length,
      contributions: contributionsOf(analysis.features, model),
      features,
      failures: analysis.failures.length,
    });
    onProgress?.(out.length, samples.length);
  }
  return out;
}

function nullable(x: number | undefined): number | null {
  return x === undefined ? null : x;
}

function bandReport(scores: readonly number[], thresholds: Thresholds): BandReport {
  const b = bands(scores, thresholds);
  return { ...b, flaggedRate: nullable(rate(b.flagged, b.total)), uncertainRate: nullable(rate(b.uncertain, b.total)) };
}

function byGroup(samples: readonly ScoredSample[], high: number, groupOf: (s: ScoredSample) => string, order?: readonly string[]): GroupRecall[] {
  const groups = new Map<string, { total: number; flagged: number }>();
  for (const s of samples) {
    const name = groupOf(s);
    const g = groups.get(name) ?? { total: 0, flagged: 0 };
    g.total++;
    if (s.score >= high) g.flagged++;
    groups.set(name, g);
  }
  const rank = (name: string): number => (order === undefined ? 0 : order.indexOf(name));
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, g]) => ({ name, total: g.total, flagged: g.flagged, flaggedRate: nullable(rate(g.flagged, g.total)) }));
}

function sizeBucket(size: number): string {
  // The last bucket's bound is Infinity, so a bucket always matches.
  return SIZE_BUCKETS.find((b) => size <= b.max)?.name ?? '';
}

/** Feature id → declared direction, from the detectors' specs. */
export function featureDirections(detectors: readonly Detector[]): ReadonlyMap<string, FeatureDirection> {
  const out = new Map<string, FeatureDirection>();
  for (const d of detectors) for (const f of d.features) out.set(f.id, f.direction);
  return out;
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The cut with at most HUMAN_FLAG_BUDGET of human train hunks flagged, or null without humans. */
export function trainOperatingThreshold(scored: readonly ScoredSample[]): number | null {
  const humans = scored.filter((s) => s.split === 'train' && s.label === 'human').map((s) => s.score);
  return humans.length === 0 ? null : thresholdAtFlagRate(humans, HUMAN_FLAG_BUDGET);
}

function signedSum(s: ScoredSample, ids: readonly string[], directions: ReadonlyMap<string, FeatureDirection>): number {
  let sum = 0;
  for (const id of ids) sum += (directions.get(id) === 'human' ? -1 : 1) * (s.features[id] ?? 0);
  return sum;
}

function share(samples: readonly ScoredSample[], id: string): number | null {
  return nullable(rate(samples.filter((s) => (s.features[id] ?? 0) > 0).length, samples.length));
}

export function splitReport(
  scored: readonly ScoredSample[],
  split: 'train' | 'test',
  thresholds: Thresholds,
  directions: ReadonlyMap<string, FeatureDirection>,
  operatingThreshold: number | null,
): SplitReport {
  const mine = scored.filter((s) => s.split === split);
  const ai = mine.filter((s) => s.label === 'ai');
  const human = mine.filter((s) => s.label === 'human');
  const featureIds = [...directions.keys()].sort();
  const detectorIds = [...new Set(featureIds.map(detectorOf))].sort();
  const detectors = detectorIds.map((id): DetectorReport => {
    const own = featureIds.filter((f) => detectorOf(f) === id);
    return {
      id,
      meanAi: mean(ai.map((s) => s.contributions[id] ?? 0)),
      meanHuman: mean(human.map((s) => s.contributions[id] ?? 0)),
      auroc: nullable(auroc(mine.map((s) => ({ score: s.contributions[id] ?? 0, positive: s.label === 'ai' })))),
      aurocUnweighted: nullable(auroc(mine.map((s) => ({ score: signedSum(s, own, directions), positive: s.label === 'ai' })))),
    };
  });
  const features = featureIds.map((id): FeatureReport => ({
    id,
    direction: directions.get(id) ?? 'ai',
    firesAi: share(ai, id),
    firesHuman: share(human, id),
    auroc: nullable(auroc(mine.map((s) => ({ score: signedSum(s, [id], directions), positive: s.label === 'ai' })))),
  }));
  let operatingPoint: SplitReport['operatingPoint'] = { threshold: null, humanFlagged: null, aiRecall: null };
  if (operatingThreshold !== null) {
    const c = confusion(mine.map((s) => ({ score: s.score, positive: s.label === 'ai' })), operatingThreshold);
    operatingPoint = {
      threshold: Number.isFinite(operatingThreshold) ? operatingThreshold : null,
      humanFlagged: nullable(rate(c.fp, c.fp + c.tn)),
      aiRecall: nullable(rate(c.tp, c.tp + c.fn)),
    };
  }
  return {
    split,
    counts: { human: human.length, ai: ai.length },
    auroc: nullable(auroc(mine.map((s) => ({ score: s.score, positive: s.label === 'ai' })))),
    human: bandReport(human.map((s) => s.score), thresholds),
    ai: bandReport(ai.map((s) => s.score), thresholds),
    aiByStyle: byGroup(ai, thresholds.high, (s) => s.style),
    humanBySpan: byGroup(human, thresholds.high, (s) => s.style),
    detectors,
    features,
    aiBySize: byGroup(ai, thresholds.high, (s) => sizeBucket(s.size), SIZE_BUCKETS.map((b) => b.name)),
    humanBySize: byGroup(human, thresholds.high, (s) => sizeBucket(s.size), SIZE_BUCKETS.map((b) => b.name)),
    operatingPoint,
    detectorFailures: mine.reduce((n, s) => n + s.failures, 0),
  };
}
