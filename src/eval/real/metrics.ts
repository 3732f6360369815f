// Metrics of the real-commit eval, built on ../metrics.ts: operating points chosen on one set of
// negatives and applied to another, and within-repository AUROC (per repository, and pooled over
// within-repository ranks).

import { auroc, rate, thresholdAtFlagRate, type Scored } from '../metrics.js';

export interface OperatingPoint {
  /** The flag-rate budget the threshold was chosen for, on the tuning negatives. */
  readonly targetFpr: number;
  /** Threshold chosen on the tuning negatives (null when none exist: ±Infinity is not JSON). */
  readonly threshold: number | null;
  /** Share of the evaluated positives at or above the threshold. */
  readonly tpr: number | null;
  /** Share of the evaluated negatives at or above it: the FPR the threshold actually produces. */
  readonly fpr: number | null;
  /** TPR at the threshold chosen on the evaluated negatives themselves (an oracle, for reference). */
  readonly oracleTpr: number | null;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function flaggedShare(scores: readonly number[], threshold: number): number | null {
  let n = 0;
  for (const s of scores) if (s >= threshold) n++;
  return rate(n, scores.length) ?? null;
}

/**
 * TPR at a target FPR: the threshold is chosen on `tuningNegatives` (the train split's human
 * scores) and applied to `samples` (the test split); the oracle TPR uses the test negatives.
 */
export function operatingPoint(tuningNegatives: readonly number[], samples: readonly Scored[], targetFpr: number): OperatingPoint {
  const pos = samples.filter((s) => s.positive).map((s) => s.score);
  const neg = samples.filter((s) => !s.positive).map((s) => s.score);
  const threshold = tuningNegatives.length === 0 ? NaN : thresholdAtFlagRate(tuningNegatives, targetFpr);
  const oracle = neg.length === 0 ? NaN : thresholdAtFlagRate(neg, targetFpr);
  return {
    targetFpr,
    threshold: finite(threshold),
    tpr: Number.isNaN(threshold) ? null : flaggedShare(pos, threshold),
    fpr: Number.isNaN(threshold) ? null : flaggedShare(neg, threshold),
    oracleTpr: Number.isNaN(oracle) ? null : flaggedShare(pos, oracle),
  };
}

export interface GroupedScored extends Scored {
  /** The group ranks are taken within (a repository). */
  readonly group: string;
}

export interface WithinGroup {
  /** Mean of per-group AUROC over groups with at least `minEach` positives and negatives. */
  readonly meanAuroc: number | null;
  readonly groups: number;
  /**
   * AUROC after replacing every score by its rank within its group, scaled to (0, 1]
   * (midrank / group size), pooled over all groups with both classes.
   */
  readonly pooledRankAuroc: number | null;
}

export function withinGroupAuroc(samples: readonly GroupedScored[], minEach = 10): WithinGroup {
  const groups = new Map<string, GroupedScored[]>();
  for (const s of samples) {
    const g = groups.get(s.group);
    if (g === undefined) groups.set(s.group, [s]);
    else g.push(s);
  }
  const per: number[] = [];
  const pooled: Scored[] = [];
  for (const g of groups.values()) {
    const p = g.filter((s) => s.positive).length;
    const n = g.length - p;
    if (p === 0 || n === 0) continue;
    if (p >= minEach && n >= minEach) {
      const a = auroc(g);
      if (a !== undefined) per.push(a);
    }
    for (const [i, r] of midranks(g.map((s) => s.score)).entries()) pooled.push({ score: r / g.length, positive: g[i]!.positive });
  }
  return {
    meanAuroc: per.length === 0 ? null : per.reduce((a, b) => a + b, 0) / per.length,
    groups: per.length,
    pooledRankAuroc: auroc(pooled) ?? null,
  };
}

/** 1-based ranks with ties given their mean rank, in input order. */
export function midranks(scores: readonly number[]): number[] {
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const out = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]!.s === order[i]!.s) j++;
    const mid = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) out[order[k]!.i] = mid;
    i = j;
  }
  return out;
}
