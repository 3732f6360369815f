// The aggregation rules on hand-made entries (the aggregator reads entries, it does not verify
// them: the engine does, see report.test.ts). Bodies follow docs/ledger-format.md §3; the kinds
// other helpers add (drill, retention, analysis.failed) are read by the field names agreed in
// the kinds list.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/ledger/entry.js';
import type { StoredEntry } from '../../src/ledger/read.js';
import type { SubjectRecord } from '../../src/ledger/subjects.js';
import { DEFAULT_SIGNIFICANCE, OTHER_PATH, ReportAggregator, type AggregateOptions, type LedgerInput } from '../../src/report/aggregate.js';
import { fisherExactTwoSided, holmAdjust } from '../../src/report/stats.js';

const WEEK = { since: '2026-11-30T00:00:00.000Z', until: '2026-12-07T00:00:00.000Z' };
const commitment = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function options(over: Partial<AggregateOptions> = {}): AggregateOptions {
  return {
    ...WEEK,
    now: '2026-12-09T00:00:00.000Z',
    trendWeeks: ['2026-W48', '2026-W49'],
    cellWeeks: ['2026-W48', '2026-W49'],
    repositories: [],
    isSensitive: () => false,
    rewriteWindowDays: 30,
    significance: DEFAULT_SIGNIFICANCE,
    cellCap: 5000,
    pathRowCap: 500,
    ...over,
  };
}

function ledgerInput(subjects: SubjectRecord[] = [], over: Partial<LedgerInput> = {}): LedgerInput {
  return { location: 'L', origin: 'o', size: 1_000, root: null, verified: true, problem: null, subjects, ...over };
}

class Feed {
  seq = 0;
  readonly stored: StoredEntry[] = [];
  constructor(readonly agg: ReportAggregator, readonly ledger: number) {}
  add(time: string, kind: string, body: Record<string, unknown>): number {
    const seq = this.seq++;
    const entry = { v: 1, seq, time, kind, prev: '0'.repeat(64), policy: 'p', body, sig: { alg: 'ed25519', kid: 'k', value: '' } } as unknown as Entry;
    const stored: StoredEntry = { seq, hash: seq.toString(16).padStart(64, '0'), entry };
    this.stored.push(stored);
    this.agg.add(this.ledger, stored);
    return seq;
  }
  /** The engine's second pass: re-reads from where the aggregator asks. */
  secondPass(): void {
    for (const { ledger, from } of this.agg.secondPass()) {
      expect(ledger).toBe(this.ledger);
      for (const e of this.stored.slice(from)) if (!this.agg.subtract(ledger, e)) break;
    }
  }
}

interface H {
  path?: string;
  start?: number;
  end?: number;
  verdict: string;
  evidence: string[];
  lines?: number;
  attribution?: { class: string; source: string; agent: string | null; model: string | null; commit: null }[];
}
const hunk = (h: H) => ({ path: h.path ?? 'src/a.ts', startLine: h.start ?? 1, endLine: h.end ?? 10, contentDigest: `sha256:${'0'.repeat(64)}`, verdict: h.verdict, evidence: h.evidence, score: 0.9, ...(h.lines === undefined ? {} : { addedLines: h.lines }), ...(h.attribution === undefined ? {} : { attribution: h.attribution }) });
const change = (o: { repo?: string; pr: number | null; author?: string; hunks: H[]; pages?: number; omissions?: number }) => ({
  schema: 'trailmark.change.analyzed/v1',
  repository: o.repo ?? 'acme/app',
  pullRequest: o.pr,
  base: 'b',
  head: 'h',
  counts: { omissions: o.omissions ?? 0, findings: { unattested: o.hunks.filter((h) => h.verdict === 'unattested').length, contradicted: 0, 'approval-drift': 0 } },
  subjects: o.author === undefined ? {} : { 'pr.author': o.author },
  hunks: o.hunks.map(hunk),
  hunkPages: o.pages ?? 0,
});
const stated = (lines: number): H => ({ verdict: 'attested', evidence: ['declared', 'inferred'], lines });
const gap = (lines: number): H => ({ verdict: 'unattested', evidence: ['inferred'], lines });

/** Authors by login: `author(i)` commits to login i via an opened side-store record. */
function people(rates: { login: string; stated: number; gap: number; changes: number }[], erased: readonly string[] = []) {
  const subjects: SubjectRecord[] = [];
  const byLogin = new Map<string, string>();
  rates.forEach((r, i) => {
    const c = commitment(i + 1);
    byLogin.set(r.login, c);
    subjects.push(erased.includes(r.login) ? { commitment: c, seq: 0, erased: '2026-12-01T00:00:00Z' } : { commitment: c, seq: 0, salt: '00', value: r.login });
  });
  const agg = new ReportAggregator(options());
  const f = new Feed(agg, agg.addLedger(ledgerInput(subjects, { size: 0 })));
  let pr = 1;
  for (const r of rates) {
    for (let k = 0; k < r.changes; k++) {
      const hunks: H[] = [];
      if (r.stated > 0) hunks.push({ ...stated(r.stated), path: `s${pr}.ts` });
      if (r.gap > 0) hunks.push({ ...gap(r.gap), path: `g${pr}.ts` });
      f.add('2026-12-01T10:00:00.000Z', 'change.analyzed', change({ pr: pr++, author: byLogin.get(r.login)!, hunks }));
    }
  }
  return agg.finish().people;
}

describe('people: names only beyond the stated test', () => {
  it('names nobody when rates are alike', () => {
    const p = people([
      { login: 'ann', stated: 20, gap: 10, changes: 3 },
      { login: 'ben', stated: 21, gap: 9, changes: 3 },
      { login: 'cat', stated: 19, gap: 11, changes: 3 },
      { login: 'dan', stated: 20, gap: 11, changes: 3 },
    ]);
    expect(p.authors).toBe(4);
    expect(p.authorsTested).toBe(4);
    expect(p.named).toEqual([]);
    expect(p.distribution.reduce((n, b) => n + b.authors, 0)).toBe(4);
    expect(p.distribution.map((b) => b.authors)).toEqual([0, 0, 0, 0, 0, 0, 3, 1, 0, 0]); // ben: 70%
    expect(p.pooledRate).toBeCloseTo(240 / 363, 12);
  });

  it('names an author whose rate differs, with the Holm-adjusted Fisher p-value', () => {
    const peers = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'].map((login, i) => ({ login, stated: 19 + (i % 3), gap: 11 - (i % 3), changes: 3 }));
    const rows = [...peers, { login: 'low', stated: 0, gap: 30, changes: 3 }];
    const p = people(rows);
    expect(p.authorsTested).toBe(9);
    expect(p.named.map((n) => n.author)).toEqual(['low']);
    const low = p.named[0]!;
    const pooledStated = peers.reduce((n, r) => n + 3 * r.stated, 0);
    expect(low).toMatchObject({ aiLines: 90, attestedLines: 0, rate: 0, direction: 'below' });
    expect(low.peerRate).toBeCloseTo(pooledStated / (8 * 90), 12);
    // Independent computation: each author against the pooled rest, then Holm over the nine.
    const tables = rows.map((r) => {
      const a = 3 * r.stated;
      const ai = 3 * (r.stated + r.gap);
      return [a, ai - a, pooledStated - a, 9 * 90 - ai - (pooledStated - a)] as const;
    });
    const adjusted = holmAdjust(tables.map(([a, b, c, d]) => fisherExactTwoSided(a, b, c, d)));
    expect(low.pValue).toBeCloseTo(adjusted[8]!, 14);
    expect(low.pValue).toBeLessThan(0.05);
    expect(adjusted.slice(0, 8).every((q) => q >= 0.05)).toBe(true);
  });

  it('does not test an author below the data thresholds, whatever the rate', () => {
    const p = people([
      { login: 'ann', stated: 20, gap: 10, changes: 3 },
      { login: 'ben', stated: 21, gap: 9, changes: 3 },
      { login: 'few', stated: 0, gap: 200, changes: 2 }, // too few changes
      { login: 'tiny', stated: 0, gap: 10, changes: 4 }, // too few lines
    ]);
    expect(p.authors).toBe(4);
    expect(p.authorsTested).toBe(2);
    // Untested authors still count in their peers' pool (ann and ben look good next to them)
    // but are never named themselves.
    expect(p.named.map((n) => n.author).sort()).toEqual(['ann', 'ben']);
  });

  it('never names an erased author, even when the test would', () => {
    const p = people([
      { login: 'ann', stated: 20, gap: 10, changes: 3 },
      { login: 'ben', stated: 21, gap: 9, changes: 3 },
      { login: 'cat', stated: 19, gap: 11, changes: 3 },
      { login: 'gone', stated: 0, gap: 30, changes: 3 },
    ], ['gone']);
    expect(p.authorsTested).toBe(4);
    // The erased author is tested (the others are compared with it) but never named.
    expect(p.named.map((n) => n.author).sort()).toEqual(['ann', 'ben', 'cat']);
    expect(JSON.stringify(p)).not.toContain('gone');
    expect(JSON.stringify(p)).not.toContain('[erased]');
  });
});

describe('counting', () => {
  it('counts the latest analysis per change, with its pages, and every analysis', () => {
    const agg = new ReportAggregator(options());
    const f = new Feed(agg, agg.addLedger(ledgerInput()));
    f.add('2026-12-01T09:00:00.000Z', 'change.analyzed', change({ pr: 7, hunks: [gap(100)] }));
    const s = f.add('2026-12-01T10:00:00.000Z', 'change.analyzed', change({ pr: 7, hunks: [gap(5)], pages: 1 }));
    f.add('2026-12-01T10:00:00.000Z', 'change.hunks', { schema: 'trailmark.change.hunks/v1', change: { seq: s, hash: '0'.repeat(64) }, page: 1, hunks: [hunk({ path: 'src/b.ts', verdict: 'attested', evidence: ['recorded'], start: 3, end: 9 })] });
    f.add('2026-12-01T11:00:00.000Z', 'change.analyzed', change({ pr: null, hunks: [stated(4)] }));
    const t = agg.finish().totals;
    expect(t.analyses).toBe(3);
    expect(t.pullRequests).toBe(1);
    expect(t.pushes).toBe(1);
    // 5 (latest page 0) + 7 (page 1: no addedLines, endLine - startLine + 1) + 4 (push).
    expect(t.addedLines).toBe(16);
    expect(t.hunks).toBe(3);
    expect(t.unattestedAiLines).toBe(5);
    expect(t.statedAiLines).toBe(11);
    expect(t.statedShare).toBeCloseTo(11 / 16, 12);
    expect(t.findings.unattested).toBe(1);
  });

  it('counts trend weeks like the period: superseded analyses and their pages are subtracted', () => {
    const agg = new ReportAggregator(options());
    const f = new Feed(agg, agg.addLedger(ledgerInput()));
    const first = f.add('2026-12-01T09:00:00.000Z', 'change.analyzed', change({ pr: 7, hunks: [gap(100)], pages: 1 }));
    f.add('2026-12-01T09:00:00.000Z', 'change.hunks', { schema: 'trailmark.change.hunks/v1', change: { seq: first, hash: '0'.repeat(64) }, page: 1, hunks: [hunk({ path: 'src/c.ts', verdict: 'unattested', evidence: ['inferred'], lines: 40 })] });
    f.add('2026-12-01T09:30:00.000Z', 'change.analyzed', change({ pr: 8, hunks: [stated(9)] }));
    f.add('2026-12-01T10:00:00.000Z', 'change.analyzed', change({ pr: 7, hunks: [gap(5)] }));
    f.add('2026-12-02T10:00:00.000Z', 'change.analyzed', change({ pr: 7, hunks: [stated(6)] }));
    expect(agg.secondPass()).toEqual([{ ledger: 0, from: first }]);
    f.secondPass();
    const r = agg.finish();
    const week = r.trend.at(-1)!;
    expect(week.addedLines).toBe(15);
    expect({ ...week, week: null }).toEqual({ ...r.totals, week: null });
    // The superseded analyses' paths are not cells.
    expect(r.cells.map((c) => [c.path, c.hunks, c.addedLines])).toEqual([['src/a.ts', 2, 15]]);
  });

  it('folds cells beyond the cap into (other) without losing lines', () => {
    const agg = new ReportAggregator(options({ cellCap: 20 }));
    const f = new Feed(agg, agg.addLedger(ledgerInput()));
    for (let i = 0; i < 40; i++) f.add('2026-12-02T09:00:00.000Z', 'change.analyzed', change({ pr: i + 1, hunks: [{ ...gap(i + 1), path: `p${String(i).padStart(2, '0')}.ts` }] }));
    const cells = agg.finish().cells;
    expect(cells.length).toBeLessThanOrEqual(20);
    expect(cells.reduce((n, c) => n + c.addedLines, 0)).toBe((40 * 41) / 2);
    const other = cells.find((c) => c.path === OTHER_PATH)!;
    expect(other.week).toBe('2026-W49');
    // The biggest gaps are kept by name.
    expect(cells.some((c) => c.path === 'p39.ts')).toBe(true);
  });
});

describe('agents and the rewrite proxy', () => {
  it('counts overlapping lines of a later change within the window, once', () => {
    const claude = [{ class: 'declared', source: 'trailer:Assisted-by', agent: 'Claude Code', model: 'opus', commit: null }, { class: 'stamped', source: 'co-author', agent: 'claude-code', model: null, commit: null }];
    const agg = new ReportAggregator(options({ rewriteWindowDays: 3 }));
    const f = new Feed(agg, agg.addLedger(ledgerInput()));
    f.add('2026-12-01T09:00:00.000Z', 'change.analyzed', change({ pr: 1, hunks: [{ verdict: 'attested', evidence: ['declared', 'stamped'], start: 10, end: 29, lines: 20, attribution: claude }] }));
    // Same change re-analysed: not a rewrite. Other change overlapping 20..34 and 25..40: 10 lines.
    f.add('2026-12-01T10:00:00.000Z', 'change.analyzed', change({ pr: 1, hunks: [{ verdict: 'attested', evidence: ['declared', 'stamped'], start: 10, end: 29, lines: 20, attribution: claude }] }));
    f.add('2026-12-02T10:00:00.000Z', 'change.analyzed', change({ pr: 2, hunks: [{ ...gap(15), start: 20, end: 34 }, { ...gap(16), start: 25, end: 40 }] }));
    // Outside the 3-day window: ignored.
    f.add('2026-12-06T10:00:00.000Z', 'change.analyzed', change({ pr: 3, hunks: [{ ...gap(30), start: 1, end: 30 }] }));
    const agents = agg.finish().agents;
    expect(agents).toEqual([{ agent: 'claude-code', model: 'opus', changes: 1, hunks: 1, lines: 20, rewrittenLines: 10, rewrittenShare: 0.5, windowDays: 3 }]);
  });
});

describe('events, erasures, drill and provenance', () => {
  it('reads App kinds and the agreed new kinds, and counts kinds it does not know', () => {
    const subjects: SubjectRecord[] = [
      { commitment: commitment(1), seq: 0, erased: '2026-12-02T00:00:00.000Z' },
      { commitment: commitment(2), seq: 1, erased: '2026-12-03T00:00:00.000Z' },
      { commitment: commitment(3), seq: 1, salt: '00', value: 'merger' },
      // A tombstone beyond the ledger's size (an interrupted append): not shown.
      { commitment: commitment(4), seq: 5_000, erased: '2026-12-03T00:00:00.000Z' },
    ];
    const agg = new ReportAggregator(options());
    const f = new Feed(agg, agg.addLedger(ledgerInput(subjects)));
    f.add('2026-11-20T09:00:00.000Z', 'change.analyzed', change({ pr: 1, author: commitment(1), hunks: [gap(3)] }));
    f.add('2026-12-01T09:00:00.000Z', 'merge', { schema: 'trailmark.merge/v1', repository: 'acme/app', pullRequest: 1, mergeCommit: null, method: 'unknown', head: 'h', diffDigest: `sha256:${'1'.repeat(64)}`, approvedDigest: `sha256:${'2'.repeat(64)}`, subjects: { 'merged-by': commitment(3), other: commitment(2) } });
    f.add('2026-12-01T10:00:00.000Z', 'retention', { schema: 'trailmark.retention/v1', rule: 'subjects', keep: '7y', olderThan: '2019-12-01T00:00:00Z', erased: 1, commitments: [commitment(2)] });
    f.add('2026-12-01T11:00:00.000Z', 'drill', { schema: 'trailmark.drill/v1', repository: 'acme/app', pullRequest: 1, head: null, mergeCommit: null, period: WEEK, outcome: 'passed', links: [], missing: [] });
    f.add('2026-12-02T11:00:00.000Z', 'drill', { schema: 'trailmark.drill/v1', repository: null, pullRequest: null, head: null, mergeCommit: null, period: WEEK, outcome: 'failed', links: [], missing: ['inclusion-proof'] });
    f.add('2026-12-08T11:00:00.000Z', 'drill', { schema: 'trailmark.drill/v1', repository: null, pullRequest: null, head: null, mergeCommit: null, period: WEEK, outcome: 'passed', links: [], missing: [] });
    f.add('2026-12-03T11:00:00.000Z', 'analysis.failed', { schema: 'trailmark.analysis-failed/v1', repository: 'acme/app', pullRequest: 4, head: null, job: 'j', attempts: 3, error: 'tree too large' });
    f.add('2026-12-03T12:00:00.000Z', 'analysis.failed', { schema: 'trailmark.analysis-failed/v1', repository: 'acme/app', pullRequest: 5, head: null, job: 'k', attempts: 3, error: 'timeout' });
    f.add('2026-12-03T13:00:00.000Z', 'future.kind', { schema: 'trailmark.future/v9' });
    f.add('2026-12-03T14:00:00.000Z', 'future.kind', { schema: 'trailmark.future/v9' });
    // A known kind with a malformed body is skipped, not fatal.
    f.add('2026-12-03T15:00:00.000Z', 'change.analyzed', { schema: 'x', hunks: 'nope', counts: null });
    f.add('2026-12-03T16:00:00.000Z', 'change.analyzed', change({ pr: 9, omissions: 2, hunks: [gap(1)] }));
    const r = agg.finish();
    expect(r.events).toEqual([{ kind: 'approval-drift', time: '2026-12-01T09:00:00.000Z', repository: 'acme/app', pullRequest: 1, actor: 'merger', detail: expect.stringContaining('differs from the approved diff') as string, ledger: 'L', seq: 1 }]);
    expect(r.erasures).toEqual([
      { commitment: commitment(1), role: 'pr.author', erasedAt: '2026-12-02T00:00:00.000Z', seq: 0, ledger: 'L', reason: 'erasure' },
      { commitment: commitment(2), role: 'other', erasedAt: '2026-12-03T00:00:00.000Z', seq: 1, ledger: 'L', reason: 'retention' },
    ]);
    expect(r.drill).toEqual({ time: '2026-12-02T11:00:00.000Z', ledger: 'L', seq: 4, outcome: 'failed', repository: null, pullRequest: null, missing: ['inclusion-proof'] });
    expect(r.provenance.ledgers[0]!.unknownKinds).toEqual({ 'future.kind': 2 });
    expect(r.provenance.gaps.map((g) => g.kind)).toEqual(['analysis-failed', 'omissions', 'capture-gap']);
    expect(r.provenance.gaps[0]!.detail).toBe('2 analyses failed; last error: timeout');
    expect(r.totals.analyses).toBe(2);
  });

  it('reports an unverified and a silent ledger as provenance gaps', () => {
    const agg = new ReportAggregator(options());
    const bad = new Feed(agg, agg.addLedger(ledgerInput([], { location: 'bad', verified: false, problem: 'BAD_SIGNATURE at entry 0: signature does not verify' })));
    const quiet = new Feed(agg, agg.addLedger(ledgerInput([], { location: 'quiet' })));
    bad.add('2026-12-01T09:00:00.000Z', 'change.analyzed', change({ pr: 1, hunks: [gap(3)] }));
    quiet.add('2026-11-01T09:00:00.000Z', 'change.analyzed', change({ pr: 2, hunks: [gap(3)] }));
    const g = agg.finish().provenance.gaps;
    expect(g).toEqual([
      { kind: 'unverified', ledger: 'bad', repository: null, detail: 'ledger does not verify: BAD_SIGNATURE at entry 0: signature does not verify' },
      { kind: 'ledger-silent', ledger: 'quiet', repository: null, detail: 'no entries in the period; 1 entry before it, the last at 2026-11-01T09:00:00.000Z' },
    ]);
  });

  it('filters repositories', () => {
    const agg = new ReportAggregator(options({ repositories: ['acme/app'] }));
    const f = new Feed(agg, agg.addLedger(ledgerInput()));
    f.add('2026-12-01T09:00:00.000Z', 'change.analyzed', change({ pr: 1, hunks: [gap(3)] }));
    f.add('2026-12-01T09:00:00.000Z', 'change.analyzed', change({ repo: 'acme/other', pr: 1, hunks: [gap(30)] }));
    const r = agg.finish();
    expect(r.totals.addedLines).toBe(3);
    expect(r.gaps.repositories.map((g) => g.repository)).toEqual(['acme/app']);
  });
});
