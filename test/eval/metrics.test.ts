import { describe, expect, it } from 'vitest';
import { auroc, bands, confusion, rate, thresholdAtFlagRate, type Scored } from '../../src/eval/metrics.js';

const s = (score: number, positive: boolean): Scored => ({ score, positive });

describe('auroc', () => {
  it.each([
    // [name, samples, expected] — computed by hand from pairwise comparisons (ties count 1/2).
    ['perfect separation', [s(0.9, true), s(0.8, true), s(0.1, false), s(0.2, false)], 1],
    ['perfectly wrong', [s(0.1, true), s(0.9, false)], 0],
    ['all tied', [s(0.5, true), s(0.5, false), s(0.5, false)], 0.5],
    // pairs (p,n): (0.8,0.3)=1 (0.8,0.6)=1 (0.8,0.8)=.5 (0.4,0.3)=1 (0.4,0.6)=0 (0.4,0.8)=0 → 3.5/6
    ['mixed with one tie', [s(0.8, true), s(0.4, true), s(0.3, false), s(0.6, false), s(0.8, false)], 3.5 / 6],
    // pairs: (0.7: vs .2=1 .7=.5 .9=0) (0.2: vs .2=.5 .7=0 .9=0) (1.0: 1 1 1) → 5/9
    ['ties on both sides', [s(0.7, true), s(0.2, true), s(1, true), s(0.2, false), s(0.7, false), s(0.9, false)], 5 / 9],
  ])('%s', (_name, samples, expected) => {
    expect(auroc(samples)).toBeCloseTo(expected, 12);
  });

  it('does not depend on input order', () => {
    const samples = [s(0.8, true), s(0.4, true), s(0.3, false), s(0.6, false), s(0.8, false)];
    expect(auroc([...samples].reverse())).toBe(auroc(samples));
  });

  it('is undefined when a class is missing and rejects non-finite scores', () => {
    expect(auroc([s(0.3, true)])).toBeUndefined();
    expect(auroc([])).toBeUndefined();
    expect(() => auroc([s(Number.NaN, true), s(0.1, false)])).toThrow(RangeError);
  });
});

describe('confusion and bands', () => {
  const samples = [s(0.95, true), s(0.8, true), s(0.6, true), s(0.1, true), s(0.85, false), s(0.5, false), s(0.2, false)];
  it('counts flagged as score ≥ threshold', () => {
    expect(confusion(samples, 0.8)).toEqual({ tp: 2, fp: 1, tn: 2, fn: 2 });
    expect(confusion(samples, 0.5)).toEqual({ tp: 3, fp: 2, tn: 1, fn: 1 });
  });
  it('splits scores into flagged, uncertain and clear bands', () => {
    expect(bands([0.95, 0.8, 0.79, 0.5, 0.49, 0], { low: 0.5, high: 0.8 })).toEqual({ total: 6, flagged: 2, uncertain: 2, clear: 2 });
    expect(rate(1, 4)).toBe(0.25);
    expect(rate(0, 0)).toBeUndefined();
  });
});

describe('thresholdAtFlagRate', () => {
  it('flags at most the allowed share of negatives, as low as possible', () => {
    const humans = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    const t = thresholdAtFlagRate(humans, 0.2);
    expect(humans.filter((x) => x >= t)).toEqual([0.9, 0.95]);
    expect(t).toBeGreaterThan(0.8);
    expect(t).toBeLessThan(0.8 + 1e-12);
  });
  it('keeps tied negatives clear rather than exceed the budget', () => {
    const t = thresholdAtFlagRate([0.9, 0.9, 0.9, 0.1], 0.25);
    expect([0.9, 0.9, 0.9, 0.1].filter((x) => x >= t)).toEqual([]);
  });
  it('handles budgets of zero and everything', () => {
    expect(thresholdAtFlagRate([0.3, 0.7], 0)).toBeGreaterThan(0.7);
    expect(thresholdAtFlagRate([0.3, 0.7], 1)).toBe(-Infinity);
  });
});
