// Exact evaluation metrics over scored samples. No sampling, no bootstrap: the same scores give
// the same numbers. A "positive" is an AI-written hunk; "flagged" means score ≥ threshold, the
// same comparison the verdict policy uses for `high`.

export interface Scored {
  readonly score: number;
  /** True for AI-written hunks. */
  readonly positive: boolean;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counted as one half (Mann–Whitney U with midranks). Undefined when either class
 * is empty. Non-finite scores are rejected: they have no rank.
 */
export function auroc(samples: readonly Scored[]): number | undefined {
  for (const s of samples) if (!Number.isFinite(s.score)) throw new RangeError(`score ${s.score} is not finite`);
  const sorted = [...samples].sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && (sorted[j] as Scored).score === (sorted[i] as Scored).score) j++;
    // Ranks i+1..j share their mean.
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if ((sorted[k] as Scored).positive) {
        positives++;
        rankSum += midrank;
      }
    }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  const u = rankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

export interface Confusion {
  /** AI flagged. */
  readonly tp: number;
  /** Human flagged. */
  readonly fp: number;
  /** Human not flagged. */
  readonly tn: number;
  /** AI not flagged. */
  readonly fn: number;
}

export function confusion(samples: readonly Scored[], threshold: number): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const s of samples) {
    const flagged = s.score >= threshold;
    if (s.positive) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

export interface BandCounts {
  readonly total: number;
  /** score ≥ high: would be flagged (unattested when nothing says AI). */
  readonly flagged: number;
  /** low ≤ score < high: counted, not flagged. */
  readonly uncertain: number;
  /** score < low. */
  readonly clear: number;
}

/** Counts of scores in the three policy bands. */
export function bands(scores: readonly number[], thresholds: { readonly low: number; readonly high: number }): BandCounts {
  let flagged = 0;
  let uncertain = 0;
  for (const score of scores) {
    if (score >= thresholds.high) flagged++;
    else if (score >= thresholds.low) uncertain++;
  }
  return { total: scores.length, flagged, uncertain, clear: scores.length - flagged - uncertain };
}

/** `part / whole`, or undefined for an empty whole. */
export function rate(part: number, whole: number): number | undefined {
  return whole === 0 ? undefined : part / whole;
}

/**
 * The lowest threshold at which at most `maxRate` of the negatives score at or above it, chosen
 * among the observed negative scores (and +Infinity when even the top score is too many).
 * A lower threshold catches more positives, so this is the most sensitive compliant cut.
 */
export function thresholdAtFlagRate(negativeScores: readonly number[], maxRate: number): number {
  if (negativeScores.length === 0) return -Infinity;
  const allowed = Math.floor(maxRate * negativeScores.length + 1e-9);
  const sorted = [...negativeScores].sort((a, b) => b - a);
  if (allowed >= sorted.length) return -Infinity;
  // The (allowed+1)-th highest negative must stay clear, so the cut sits just above it; every
  // negative at or above the cut is one of the `allowed` highest (ties with it stay clear too).
  return nextUp(sorted[allowed] as number);
}

function nextUp(x: number): number {
  if (x === Infinity || Number.isNaN(x)) return x;
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}
