import { describe, expect, it } from 'vitest';
import { fisherExactTwoSided, holmAdjust, logGamma, rateHistogram } from '../../src/report/stats.js';

describe('Fisher exact test (two-sided, as R fisher.test)', () => {
  // R 4.x, example(fisher.test): TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2);
  // fisher.test(TeaTasting)$p.value = 0.4857 (Agresti 1990, p. 61).
  it('matches R on the tea-tasting table', () => {
    expect(fisherExactTwoSided(3, 1, 1, 3)).toBeCloseTo(0.4857143, 6);
  });

  // R, example(fisher.test): Convictions <- matrix(c(2, 10, 15, 3), nrow = 2) (column-major:
  // [[2, 15], [10, 3]]); fisher.test(Convictions)$p.value = 0.0005367.
  it('matches R on the convictions table', () => {
    expect(fisherExactTwoSided(2, 15, 10, 3)).toBeCloseTo(0.0005367241, 9);
    // The test is symmetric in the transposition.
    expect(fisherExactTwoSided(2, 10, 15, 3)).toBeCloseTo(0.0005367241, 9);
  });

  // Wikipedia, "Fisher's exact test", example (a=1, b=9, c=11, d=3): two-tailed p = 0.002759.
  it('matches the textbook example', () => {
    expect(fisherExactTwoSided(1, 9, 11, 3)).toBeCloseTo(0.002759456, 8);
  });

  it('gives exact small-table values and 1 for degenerate tables', () => {
    // [[5, 0], [0, 5]]: two tables as extreme, each 1 / C(10, 5).
    expect(fisherExactTwoSided(5, 0, 0, 5)).toBeCloseTo(2 / 252, 12);
    expect(fisherExactTwoSided(0, 0, 0, 0)).toBe(1);
    expect(fisherExactTwoSided(4, 0, 6, 0)).toBe(1);
    expect(() => fisherExactTwoSided(-1, 0, 0, 0)).toThrow(RangeError);
  });

  it('stays finite for large tables (log-gamma)', () => {
    const p = fisherExactTwoSided(0, 197, 252, 308);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-30);
    // Python: math.lgamma(171) = 706.5730622457874 (ln 170!), math.lgamma(1001) = 5912.128178488163.
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 9);
    expect(logGamma(1001)).toBeCloseTo(5912.128178488163, 8);
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe('Holm correction (as R p.adjust(method = "holm"))', () => {
  it('multiplies by the remaining count and keeps monotonicity', () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
    const out = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});

describe('rate histogram', () => {
  it('puts rates in ten bins, 1 in the last', () => {
    const h = rateHistogram([0, 0.05, 0.1, 0.99, 1]);
    expect(h.map((b) => b.authors)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(h[3]).toEqual({ from: 0.3, to: 0.4, authors: 0 });
  });
});
