// The significance test behind the people section: is one author's attestation rate different
// from the pooled rate of everyone else? Two-sided Fisher exact test on the 2x2 table
//   [author attested, author not attested]
//   [peers  attested, peers  not attested]
// computed as R's fisher.test does (sum of the hypergeometric probabilities of every table
// with the same margins that is no more likely than the observed one, with R's relative
// tolerance 1e-7), then Holm's step-down correction over the authors tested. Implemented here
// (log-gamma, no dependency) because it is thirty lines and the npm statistics packages either
// lack Fisher's exact test or approximate it; tests pin it to R's published results.

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error < 1e-13). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Two-sided p-value of Fisher's exact test for the table [[a, b], [c, d]] (R: fisher.test).
 * Counts must be non-negative integers.
 */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  for (const v of [a, b, c, d]) if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`fisher exact test needs non-negative integer counts, got ${v}`);
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  const lo = Math.max(0, col1 - (n - row1));
  const hi = Math.min(row1, col1);
  if (lo === hi) return 1;
  const denom = logChoose(n, col1);
  const logP = (x: number) => logChoose(row1, x) + logChoose(n - row1, col1 - x) - denom;
  const observed = logP(a);
  // R: relErr <- 1 + 10^(-7); sum(d[d <= d[x] * relErr])
  const threshold = observed + Math.log1p(1e-7);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const lp = logP(x);
    if (lp <= threshold) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/** Holm's step-down adjusted p-values (same order as the input), as R's p.adjust(method = "holm"). */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

export interface RateBin {
  readonly from: number;
  readonly to: number;
  readonly authors: number;
}

/** Ten bins of width 0.1 over [0, 1]; the last bin includes 1. */
export function rateHistogram(rates: readonly number[]): RateBin[] {
  const counts = new Array<number>(10).fill(0);
  for (const r of rates) counts[Math.min(9, Math.max(0, Math.floor(r * 10)))]! += 1;
  return counts.map((authors, i) => ({ from: i / 10, to: (i + 1) / 10, authors }));
}
