// Scores development-set samples with the real detectors and model, and summarises the result
// per split. No I/O here: main.ts loads the corpus and prints.

import type { Feature } from '../core/types.js';
import { analyzeHunk, hunkContext, languageOfPath, parseSource, splitLines, type Detector, type ParsedFile, type ScoringModel } from '../detectors/index.js';
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
  /** Contribution to the log-odds per detector id (Σ coefficient × value of its features). */
  readonly contributions: Readonly<Record<string, number>>;
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
  /** AUROC when the hunk is ranked by this detector's contributions alone. */
  readonly auroc: number | null;
}

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
    out.push({
      id: sample.id,
      label: sample.label,
      split: sample.split,
      style: sample.style ?? 'unknown',
      score: analysis.score,
      contributions: contributionsOf(analysis.features, model),
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

function byGroup(samples: readonly ScoredSample[], high: number): GroupRecall[] {
  const groups = new Map<string, { total: number; flagged: number }>();
  for (const s of samples) {
    const g = groups.get(s.style) ?? { total: 0, flagged: 0 };
    g.total++;
    if (s.score >= high) g.flagged++;
    groups.set(s.style, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, g]) => ({ name, total: g.total, flagged: g.flagged, flaggedRate: nullable(rate(g.flagged, g.total)) }));
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

export function splitReport(
  scored: readonly ScoredSample[],
  split: 'train' | 'test',
  thresholds: Thresholds,
  detectorIds: readonly string[],
  operatingThreshold: number | null,
): SplitReport {
  const mine = scored.filter((s) => s.split === split);
  const ai = mine.filter((s) => s.label === 'ai');
  const human = mine.filter((s) => s.label === 'human');
  const detectors = detectorIds.map((id): DetectorReport => ({
    id,
    meanAi: mean(ai.map((s) => s.contributions[id] ?? 0)),
    meanHuman: mean(human.map((s) => s.contributions[id] ?? 0)),
    auroc: nullable(auroc(mine.map((s) => ({ score: s.contributions[id] ?? 0, positive: s.label === 'ai' })))),
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
    aiByStyle: byGroup(ai, thresholds.high),
    humanBySpan: byGroup(human, thresholds.high),
    detectors,
    operatingPoint,
    detectorFailures: mine.reduce((n, s) => n + s.failures, 0),
  };
}
