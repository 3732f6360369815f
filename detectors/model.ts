// The interpretable scoring model: logistic regression over detector features. Every signal is
// one feature's contribution to the log-odds (coefficient × value), so a PR author can see
// exactly what moved the score. The model itself is data (model-weights.json), versioned.

import type { Feature, Signal } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import data from './model-weights.json' with { type: 'json' };

export interface ScoringModel {
  readonly id: string;
  /** Written into every scan result with the detector versions. */
  readonly version: string;
  readonly bias: number;
  /** Coefficient per feature id; features without one weigh 0. */
  readonly weights: Readonly<Record<string, number>>;
  /** What the model was fitted on (data set id, split, sample counts). */
  readonly trainedOn: string;
  /** Held-out and training metrics recorded by scripts/train.ts. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Thresholds chosen on the training split (≤2% of human hunks at or above `high`). */
  readonly thresholds?: { readonly low: number; readonly high: number };
}

export interface HunkScore {
  /** Probability-like score in 0..1: sigmoid(bias + Σ weight). */
  readonly score: number;
  /** Non-zero contributions, by |weight| descending, ties by id then line. */
  readonly signals: Signal[];
}

export interface HunkAnalysis extends HunkScore {
  /** Every feature the detectors reported, sorted by id. */
  readonly features: Feature[];
  /** Detectors that broke their no-throw contract on this hunk (their features are missing). */
  readonly failures: readonly { readonly detector: string; readonly message: string }[];
}

const ROUND = 1e4;

function round(value: number): number {
  return Math.round(value * ROUND) / ROUND;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Coefficient of `id` in `model`, 0 when absent or not finite. */
export function coefficient(model: ScoringModel, id: string): number {
  if (!Object.hasOwn(model.weights, id)) return 0;
  const w = model.weights[id];
  return typeof w === 'number' && Number.isFinite(w) ? w : 0;
}

export function scoreFeatures(features: readonly Feature[], model: ScoringModel): HunkScore {
  let logit = Number.isFinite(model.bias) ? model.bias : 0;
  const signals: Signal[] = [];
  for (const f of features) {
    if (!Number.isFinite(f.value)) continue;
    const contribution = coefficient(model, f.id) * f.value;
    if (contribution === 0) continue;
    logit += contribution;
    const weight = round(contribution);
    if (weight === 0) continue;
    signals.push(f.line !== undefined ? { id: f.id, weight, line: f.line, detail: f.detail } : { id: f.id, weight, detail: f.detail });
  }
  signals.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0));
  return { score: round(sigmoid(logit)), signals };
}

/** Runs `detectors` on the hunk and scores their features with `model`. */
export function analyzeHunk(ctx: DetectorContext, detectors: readonly Detector[], model: ScoringModel): HunkAnalysis {
  const features: Feature[] = [];
  const failures: { detector: string; message: string }[] = [];
  for (const detector of detectors) {
    try {
      features.push(...detector.detect(ctx));
    } catch (err) {
      failures.push({ detector: detector.id, message: err instanceof Error ? err.message : 'non-error thrown' });
    }
  }
  features.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0));
  return { ...scoreFeatures(features, model), features, failures };
}

function finiteRecord(record: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(record).sort()) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** The shipped model: fitted by scripts/train.ts, stored as data in model-weights.json. */
export const DEFAULT_MODEL: ScoringModel = Object.freeze({
  id: data.id,
  version: data.version,
  bias: data.bias,
  weights: Object.freeze(finiteRecord(data.weights)),
  trainedOn: data.trainedOn,
  metrics: Object.freeze(finiteRecord(data.metrics)),
  ...(data.thresholds !== undefined ? { thresholds: Object.freeze({ low: data.thresholds.low, high: data.thresholds.high }) } : {}),
});
