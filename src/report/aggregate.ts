// The report's aggregation: fed one ledger entry at a time (in time order across ledgers, by
// the engine), it keeps only aggregates keyed by change, pull request, repository, path, author
// and agent, never the entries themselves. `finish()` turns them into the report model's
// sections. Pure: no I/O, no clock (the instants come in as options).
//
// Counting rules (docs/report.md §counting):
//  - a change key is (repository, pull request), or (repository, base..head) for a push;
//  - volume and lines of a period (the report's period, or one trend week) come from the latest
//    `change.analyzed` of each change key analysed in that period; `change.hunks` pages belong
//    to their change entry (paired by ledger/kinds/change-hunks.ts AnalysisPages, the reader
//    blame and calibration share); re-analyses are counted in `analyses` but never double count lines;
//  - a hunk's lines are `addedLines` when recorded, else `endLine - startLine + 1`.
import { EVIDENCE_CLASSES, VERDICTS, type EvidenceClass, type FindingKind, type Verdict } from '../core/types.js';
import type { StoredEntry } from '../ledger/read.js';
import { ERASED, type SubjectRecord } from '../ledger/subjects.js';
import type {
  CaptureGapRow,
  AgentRow,
  DrillSummary,
  ErasureRow,
  EventRow,
  GapRow,
  LedgerProvenance,
  PeopleSection,
  ProvenanceGap,
  ReportCell,
  VolumeTotals,
} from './model.js';
import { AnalysisPages } from '../ledger/kinds/change-hunks.js';
import { CaptureGapTracker } from './capture-gaps.js';
import { fisherExactTwoSided, holmAdjust, rateHistogram } from './stats.js';
import { isoWeekOf, weekRange } from './week.js';

const DAY_MS = 86_400_000;
const FINDING_KINDS: readonly FindingKind[] = ['unattested', 'contradicted', 'approval-drift'];
const STATED: ReadonlySet<string> = new Set(['recorded', 'declared', 'stamped']);
/** Kinds the report reads (others are counted as unknown in provenance). */
export const REPORT_KINDS: ReadonlySet<string> = new Set([
  'change.analyzed',
  'change.hunks',
  'finding',
  'merge',
  'record',
  'remediation',
  'review.approved',
  'drill',
  'access',
  'retention',
  'analysis.failed',
  'report.published',
]);
export const OTHER_PATH = '(other)';
const NO_REPOSITORY = '(none)';

export interface SignificanceSettings {
  /** Family-wise error rate (Holm). Default 0.05. */
  readonly alpha: number;
  readonly minLines: number;
  readonly minChanges: number;
}

export const DEFAULT_SIGNIFICANCE: SignificanceSettings = { alpha: 0.05, minLines: 50, minChanges: 3 };
export const SIGNIFICANCE_METHOD = 'two-sided Fisher exact test of each author against the pooled rest, Holm-corrected';

export interface AggregateOptions {
  readonly since: string;
  readonly until: string;
  /** The instant the report is made: rewrites are looked for up to it. */
  readonly now: string;
  /** Week labels of the trend, oldest first. */
  readonly trendWeeks: readonly string[];
  /** Week labels that get cells (the trend weeks and the period's weeks). */
  readonly cellWeeks: readonly string[];
  /** Empty: every repository. */
  readonly repositories: readonly string[];
  readonly isSensitive: (repository: string, path: string) => boolean;
  readonly rewriteWindowDays: number;
  readonly significance: SignificanceSettings;
  /** Maximum cells; the rest is folded into path `(other)` per (week, repository). */
  readonly cellCap: number;
  /** Maximum rows of `gaps.paths` (and `gaps.sensitivePaths`). */
  readonly pathRowCap: number;
}

export interface LedgerInput {
  readonly location: string;
  readonly origin: string | null;
  readonly size: number;
  readonly root: string | null;
  readonly verified: boolean;
  readonly problem: string | null;
  readonly subjects: readonly SubjectRecord[];
}

// ---------------------------------------------------------------------------------------------
// Per-path and per-change aggregates

interface PathAgg {
  hunks: number;
  addedLines: number;
  hunksByVerdict: Record<Verdict, number>;
  linesByVerdict: Record<Verdict, number>;
  linesByEvidence: Record<EvidenceClass, number>;
  statedAiLines: number;
  unattestedAiLines: number;
  unattested: number;
  contradicted: number;
}

const zeroVerdicts = (): Record<Verdict, number> => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
const zeroEvidence = (): Record<EvidenceClass, number> => Object.fromEntries(EVIDENCE_CLASSES.map((v) => [v, 0])) as Record<EvidenceClass, number>;
const zeroFindings = (): Record<FindingKind, number> => Object.fromEntries(FINDING_KINDS.map((v) => [v, 0])) as Record<FindingKind, number>;

function newPathAgg(): PathAgg {
  return { hunks: 0, addedLines: 0, hunksByVerdict: zeroVerdicts(), linesByVerdict: zeroVerdicts(), linesByEvidence: zeroEvidence(), statedAiLines: 0, unattestedAiLines: 0, unattested: 0, contradicted: 0 };
}

function addPathAgg(into: PathAgg, from: PathAgg): void {
  into.hunks += from.hunks;
  into.addedLines += from.addedLines;
  for (const v of VERDICTS) {
    into.hunksByVerdict[v] += from.hunksByVerdict[v];
    into.linesByVerdict[v] += from.linesByVerdict[v];
  }
  for (const e of EVIDENCE_CLASSES) into.linesByEvidence[e] += from.linesByEvidence[e];
  into.statedAiLines += from.statedAiLines;
  into.unattestedAiLines += from.unattestedAiLines;
  into.unattested += from.unattested;
  into.contradicted += from.contradicted;
}

// Per-analysis path counters are a Float64Array (one allocation, exact integers) rather than
// a PathAgg object with three records: analyses of the trend weeks are kept until the end,
// and this is most of the report's memory.
const V_HUNKS = 0;
const V_LINES = 1;
const V_HUNKS_BY_VERDICT = 2;
const V_LINES_BY_VERDICT = V_HUNKS_BY_VERDICT + VERDICTS.length;
const V_LINES_BY_EVIDENCE = V_LINES_BY_VERDICT + VERDICTS.length;
const V_STATED = V_LINES_BY_EVIDENCE + EVIDENCE_CLASSES.length;
const V_GAP_LINES = V_STATED + 1;
const V_UNATTESTED = V_GAP_LINES + 1;
const V_CONTRADICTED = V_UNATTESTED + 1;
const V_SIZE = V_CONTRADICTED + 1;
const VERDICT_INDEX: ReadonlyMap<string, number> = new Map(VERDICTS.map((v, i) => [v, i]));
const EVIDENCE_INDEX: ReadonlyMap<string, number> = new Map(EVIDENCE_CLASSES.map((e, i) => [e, i]));

function addVector(into: PathAgg, v: Float64Array): void {
  into.hunks += v[V_HUNKS]!;
  into.addedLines += v[V_LINES]!;
  VERDICTS.forEach((k, i) => {
    into.hunksByVerdict[k] += v[V_HUNKS_BY_VERDICT + i]!;
    into.linesByVerdict[k] += v[V_LINES_BY_VERDICT + i]!;
  });
  EVIDENCE_CLASSES.forEach((k, i) => (into.linesByEvidence[k] += v[V_LINES_BY_EVIDENCE + i]!));
  into.statedAiLines += v[V_STATED]!;
  into.unattestedAiLines += v[V_GAP_LINES]!;
  into.unattested += v[V_UNATTESTED]!;
  into.contradicted += v[V_CONTRADICTED]!;
}

interface AgentAgg {
  readonly agent: string;
  readonly model: string | null;
  hunks: number;
  lines: number;
}

/** A live agent hunk in the rewrite index. */
interface AgentHunk {
  readonly analysis: Analysis;
  readonly agents: readonly string[];
  readonly start: number;
  readonly end: number;
  readonly lines: number;
  readonly time: number;
  /** Disjoint, sorted covered ranges of the hunk's line range. */
  covered: [number, number][];
}

/** One `change.analyzed` entry and its pages, aggregated. */
interface Analysis {
  readonly changeKey: string;
  readonly ledger: string;
  readonly seq: number;
  readonly repository: string;
  readonly pullRequest: number | null;
  readonly time: number;
  /** Display author (clear login or `[erased]`) and the key people are grouped by; null when not recorded. */
  readonly author: { readonly display: string; readonly key: string; readonly erased: boolean } | null;
  readonly findings: Record<FindingKind, number>;
  readonly omissions: number;
  readonly paths: Map<string, Float64Array>;
  /**
   * Lines for the people section: AI-involved (stated or gap) and, of those, attested. A
   * separate small object, so that a pull request keeps only it (not the whole analysis).
   */
  readonly lines: { ai: number; attested: number };
  hasDeclared: boolean;
  readonly afterApproval: boolean;
  readonly inPeriod: boolean;
  /** The trend week this analysis is counted in (null: none, or superseded on arrival). */
  week: WeekBucket | null;
  /** Only for analyses in the period with stated hunks (null otherwise: most analyses). */
  agents: Map<string, AgentAgg> | null;
  agentHunks: AgentHunk[] | null;
}

interface Bucket {
  readonly week: string | null;
  readonly since: number;
  readonly until: number;
  analyses: number;
  pushes: number;
  /** Latest analysis per change key. */
  readonly changes: Map<string, Analysis>;
}

/**
 * A trend week: sums per (repository, path) and, per change key, only where its counted
 * analysis is. When a later analysis of the same change arrives, the earlier one's share is
 * subtracted in a second pass that re-reads just those entries (`secondPass`/`subtract`), so
 * the weeks hold no analysis in memory.
 */
interface WeekBucket {
  readonly week: string;
  readonly since: number;
  readonly until: number;
  analyses: number;
  pushes: number;
  readonly latest: Map<string, { readonly ledger: number; readonly seq: number; readonly time: number; readonly pr: boolean }>;
  readonly cells: Map<string, { readonly repository: string; readonly path: string; readonly v: Float64Array }>;
  readonly findings: Float64Array;
}

interface PullRequestState {
  firstApproval: number | null;
  /** The latest analysis before the first approval (or the latest so far when none yet): its author and people lines. */
  pre: Pick<Analysis, 'author' | 'lines'> | null;
  inPeriod: boolean;
  declaredBefore: boolean;
  lateEmitted: boolean;
}

interface LedgerState {
  /** The input without its subject records (indexed below; the array is not kept). */
  readonly input: Omit<LedgerInput, 'subjects'>;
  readonly index: number;
  readonly values: Map<string, string>;
  /** Tombstones by the seq of the entry that committed to them. */
  readonly tombstones: Map<number, { commitment: string; erased: string }[]>;
  firstEntry: string | null;
  lastEntry: string | null;
  entriesInPeriod: number;
  entriesBefore: number;
  readonly unknownKinds: Map<string, number>;
  /** Pages still expected, by the seq of their change entry. */
  readonly pending: AnalysisPages<Analysis | null>;
  /** Recent change and merge entries by seq: what a finding refers to (repository, pull request). */
  readonly refs: RecentRefs;
  readonly failed: Map<string, { count: number; last: string }>;
  readonly omissions: Map<string, { changes: number; omitted: number }>;
}

export interface ChangeRef {
  readonly kind: 'change' | 'merge';
  readonly repository: string | null;
  readonly pullRequest: number | null;
  readonly head: string | null;
}

// ---------------------------------------------------------------------------------------------
// Defensive readers: entries of an unverified ledger are still shown, so nothing about a body
// is assumed beyond what is checked here.

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const uint = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

interface Hunk {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly verdict: Verdict;
  readonly evidence: readonly EvidenceClass[];
  readonly lines: number;
  readonly attribution: readonly { readonly cls: string; readonly agent: string | null; readonly model: string | null }[];
}

const VERDICT_SET: ReadonlySet<string> = new Set(VERDICTS);
const EVIDENCE_SET: ReadonlySet<string> = new Set(EVIDENCE_CLASSES);

function readHunk(v: unknown): Hunk | null {
  if (!isObj(v)) return null;
  const path = str(v.path);
  const startLine = uint(v.startLine);
  const endLine = uint(v.endLine);
  const verdict = str(v.verdict);
  if (path === null || startLine === null || endLine === null || verdict === null || !VERDICT_SET.has(verdict)) return null;
  const evidence = strings(v.evidence).filter((e): e is EvidenceClass => EVIDENCE_SET.has(e));
  const added = uint(v.addedLines);
  const lines = added ?? Math.max(0, endLine - startLine + 1);
  const attribution = Array.isArray(v.attribution)
    ? v.attribution.filter(isObj).map((a) => ({ cls: str(a.class) ?? '', agent: str(a.agent), model: str(a.model) }))
    : [];
  return { path, startLine, endLine, verdict: verdict as Verdict, evidence, lines, attribution };
}

// ---------------------------------------------------------------------------------------------

export interface AggregateResult {
  readonly totals: VolumeTotals;
  readonly trend: VolumeTotals[];
  readonly gaps: { readonly repositories: GapRow[]; readonly paths: GapRow[]; readonly sensitivePaths: GapRow[] };
  readonly people: PeopleSection;
  readonly agents: AgentRow[];
  readonly events: EventRow[];
  readonly erasures: ErasureRow[];
  readonly provenance: { readonly ledgers: LedgerProvenance[]; readonly gaps: ProvenanceGap[] };
  readonly drill: DrillSummary | null;
  readonly cells: ReportCell[];
  /** Present only when some `record` entry carries a device and seq. */
  readonly captureGaps?: CaptureGapRow[];
}

export class ReportAggregator {
  private readonly since: number;
  private readonly until: number;
  private readonly now: number;
  private readonly windowMs: number;
  private readonly period: Bucket;
  private readonly weeks = new Map<string, WeekBucket>();
  /** Superseded analyses to subtract, by ledger: seq → the week they were counted in. */
  private readonly superseded = new Map<number, Map<number, WeekBucket>>();
  /** Pages of superseded analyses still to subtract, by ledger and change seq. */
  private readonly subtractPages = new Map<number, AnalysisPages<{ readonly week: WeekBucket; readonly repository: string }>>();
  private readonly ledgers: LedgerState[] = [];
  private readonly prs = new Map<string, PullRequestState>();
  /** Live agent hunks by repository and path, for the rewrite proxy. */
  private readonly rewriteIndex = new Map<string, AgentHunk[]>();
  private readonly events: EventRow[] = [];
  private readonly retentionCommitments = new Set<string>();
  private readonly erasures: (Omit<ErasureRow, 'reason'> & { ledgerIndex: number })[] = [];
  private drill: DrillSummary | null = null;
  private readonly captureGaps = new CaptureGapTracker();
  private drillTime = -Infinity;
  private readonly repoFilter: ReadonlySet<string> | null;
  private readonly persons = new Map<string, { readonly display: string; readonly key: string; readonly erased: boolean }>();
  /** One copy of each repository and path string, however many analyses name it. */
  private readonly strings = new Map<string, string>();

  constructor(private readonly options: AggregateOptions) {
    this.since = Date.parse(options.since);
    this.until = Date.parse(options.until);
    this.now = Date.parse(options.now);
    this.windowMs = options.rewriteWindowDays * DAY_MS;
    this.period = { week: null, since: this.since, until: this.until, analyses: 0, pushes: 0, changes: new Map() };
    for (const w of new Set([...options.trendWeeks, ...options.cellWeeks])) {
      const r = weekRange(w);
      this.weeks.set(w, { week: w, since: Date.parse(r.since), until: Date.parse(r.until), analyses: 0, pushes: 0, latest: new Map(), cells: new Map(), findings: new Float64Array(FINDING_KINDS.length) });
    }
    this.repoFilter = options.repositories.length > 0 ? new Set(options.repositories) : null;
  }

  /** Registers a ledger before its entries are fed; returns its index for `add`. */
  addLedger(input: LedgerInput): number {
    const values = new Map<string, string>();
    const tombstones = new Map<number, { commitment: string; erased: string }[]>();
    for (const r of input.subjects) {
      if ('value' in r) values.set(r.commitment, r.value);
      // Only tombstones whose committing entry is in the ledger (a side store may hold records
      // of an interrupted append beyond the committed size).
      else if ('erased' in r && r.seq < input.size) tombstones.set(r.seq, [...(tombstones.get(r.seq) ?? []), { commitment: r.commitment, erased: r.erased }]);
    }
    const index = this.ledgers.length;
    const { subjects: _subjects, ...rest } = input;
    this.ledgers.push({
      input: rest,
      index,
      values,
      tombstones,
      firstEntry: null,
      lastEntry: null,
      entriesInPeriod: 0,
      entriesBefore: 0,
      unknownKinds: new Map(),
      pending: new AnalysisPages({ byHash: false }),
      refs: new RecentRefs(),
      failed: new Map(),
      omissions: new Map(),
    });
    return index;
  }

  private display(ledger: LedgerState, commitment: string | null): { display: string; key: string; erased: boolean } | null {
    if (commitment === null) return null;
    const value = ledger.values.get(commitment);
    // Erased (or never opened) values are grouped by commitment: never named, never merged.
    if (value === undefined) return { display: ERASED, key: `erased:${commitment}`, erased: true };
    // One object per person, shared by all their analyses.
    let known = this.persons.get(value);
    if (known === undefined) {
      known = { display: value, key: `login:${value}`, erased: false };
      this.persons.set(value, known);
    }
    return known;
  }

  private intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  private wanted(repository: string | null): boolean {
    return this.repoFilter === null || (repository !== null && this.repoFilter.has(repository));
  }

  /** Feeds one entry of ledger `ledgerIndex`. Entries must come in time order across ledgers. */
  add(ledgerIndex: number, stored: StoredEntry): void {
    const ledger = this.ledgers[ledgerIndex]!;
    const { entry, seq } = stored;
    const time = Date.parse(entry.time);
    ledger.firstEntry ??= entry.time;
    ledger.lastEntry = entry.time;
    if (time >= this.since && time < this.until) ledger.entriesInPeriod++;
    else if (time < this.since) ledger.entriesBefore++;
    const body: Obj = isObj(entry.body) ? entry.body : {};
    const tomb = ledger.tombstones.get(seq);
    if (tomb !== undefined) this.noteErasures(ledger, seq, body, tomb);
    if (!REPORT_KINDS.has(entry.kind)) {
      ledger.unknownKinds.set(entry.kind, (ledger.unknownKinds.get(entry.kind) ?? 0) + 1);
      return;
    }
    switch (entry.kind) {
      case 'change.analyzed':
        return this.change(ledger, seq, stored.hash, time, body);
      case 'change.hunks':
        return this.page(ledger, body);
      case 'review.approved':
        return this.approval(time, body);
      case 'merge':
        return this.merge(ledger, seq, entry.time, time, body);
      case 'finding':
        return this.finding(ledger, seq, entry.time, time, body);
      case 'remediation':
        return this.remediation(ledger, seq, entry.time, time, body);
      case 'retention':
        for (const c of strings(body.commitments)) this.retentionCommitments.add(c);
        return;
      case 'drill':
        return this.drillEntry(ledger, seq, entry.time, time, body);
      case 'analysis.failed':
        return this.failed(ledger, time, body);
      case 'record':
        if (time < this.until) this.captureGaps.add(ledger.input.location, body);
        return;
      default:
        // access, report.published: read for provenance counts only.
        return;
    }
  }

  private noteErasures(ledger: LedgerState, seq: number, body: Obj, tomb: readonly { commitment: string; erased: string }[]): void {
    const subjects = isObj(body.subjects) ? body.subjects : {};
    for (const t of tomb) {
      const role = Object.keys(subjects).sort().find((k) => subjects[k] === t.commitment) ?? null;
      this.erasures.push({ commitment: t.commitment, role, erasedAt: t.erased, seq, ledger: ledger.input.location, ledgerIndex: ledger.index });
    }
  }

  private inPeriod(time: number): boolean {
    return time >= this.since && time < this.until;
  }

  private change(ledger: LedgerState, seq: number, hash: string, time: number, body: Obj): void {
    const repository = str(body.repository);
    const pullRequest = uint(body.pullRequest);
    const head = str(body.head);
    ledger.refs.set(seq, { kind: 'change', repository, pullRequest, head });
    if (!this.wanted(repository)) {
      ledger.pending.analysis(seq, hash, body, null);
      return;
    }
    const repo = this.intern(repository ?? NO_REPOSITORY);
    const changeKey = pullRequest !== null ? `${repo}#${pullRequest}` : `${repo}@${str(body.base) ?? ''}..${head ?? ''}`;
    const subjects = isObj(body.subjects) ? body.subjects : {};
    const prKey = pullRequest !== null ? changeKey : null;
    const pr = prKey === null ? null : this.prState(prKey);
    const beforeUntil = time < this.until;
    const counts = isObj(body.counts) ? body.counts : {};
    const findingCounts = isObj(counts.findings) ? counts.findings : {};
    const findings = zeroFindings();
    for (const k of FINDING_KINDS) findings[k] = uint(findingCounts[k]) ?? 0;
    const analysis: Analysis = {
      changeKey,
      ledger: ledger.input.location,
      seq,
      repository: repo,
      pullRequest,
      time,
      author: this.display(ledger, str(subjects['pr.author'])),
      findings,
      omissions: uint(counts.omissions) ?? 0,
      paths: new Map(),
      lines: { ai: 0, attested: 0 },
      hasDeclared: false,
      afterApproval: pr !== null && pr.firstApproval !== null,
      inPeriod: this.inPeriod(time),
      agents: null,
      agentHunks: null,
      week: null,
    };
    if (analysis.inPeriod && analysis.omissions > 0) {
      const o = ledger.omissions.get(repo) ?? { changes: 0, omitted: 0 };
      o.changes++;
      o.omitted += analysis.omissions;
      ledger.omissions.set(repo, o);
    }
    if (analysis.inPeriod) {
      const bucket = this.period;
      bucket.analyses++;
      if (pullRequest === null) bucket.pushes++;
      const prior = bucket.changes.get(changeKey);
      if (prior === undefined || prior.time <= time) bucket.changes.set(changeKey, analysis);
    }
    const week = this.weeks.get(isoWeekOf(time));
    if (week !== undefined) {
      week.analyses++;
      if (pullRequest === null) week.pushes++;
      const prior = week.latest.get(changeKey);
      if (prior === undefined || prior.time <= time) {
        if (prior !== undefined) {
          const m = this.superseded.get(prior.ledger) ?? new Map<number, WeekBucket>();
          this.superseded.set(prior.ledger, m);
          m.set(prior.seq, week);
        }
        week.latest.set(changeKey, { ledger: ledger.index, seq, time, pr: pullRequest !== null });
        analysis.week = week;
        FINDING_KINDS.forEach((k, i) => (week.findings[i]! += findings[k]));
      }
    }
    if (pr !== null && beforeUntil) {
      if (pr.firstApproval === null) pr.pre = { author: analysis.author, lines: analysis.lines };
      if (analysis.inPeriod) pr.inPeriod = true;
    }
    ledger.pending.analysis(seq, hash, body, analysis);
    for (const h of Array.isArray(body.hunks) ? body.hunks : []) this.hunk(analysis, readHunk(h));
  }

  private page(ledger: LedgerState, body: Obj): void {
    const found = ledger.pending.page(body);
    if (found === undefined || found.value === null) return;
    for (const h of found.hunks) this.hunk(found.value, readHunk(h));
  }

  /** Ledgers to read again from `from` to subtract superseded analyses; empty when none. */
  secondPass(): { ledger: number; from: number }[] {
    return [...this.superseded].filter(([, m]) => m.size > 0).map(([ledger, m]) => ({ ledger, from: Math.min(...m.keys()) }));
  }

  /**
   * Second pass: subtracts a superseded analysis (and its pages) from the week it was counted
   * in. Returns false once nothing is left to subtract in this ledger (the caller stops reading).
   */
  subtract(ledgerIndex: number, stored: StoredEntry): boolean {
    const todo = this.superseded.get(ledgerIndex);
    const pages = this.subtractPages.get(ledgerIndex) ?? new AnalysisPages<{ readonly week: WeekBucket; readonly repository: string }>({ byHash: false });
    this.subtractPages.set(ledgerIndex, pages);
    const body: Obj = isObj(stored.entry.body) ? stored.entry.body : {};
    const week = todo?.get(stored.seq);
    if (stored.entry.kind === 'change.analyzed' && week !== undefined) {
      todo!.delete(stored.seq);
      const repository = this.intern(str(body.repository) ?? NO_REPOSITORY);
      const counts = isObj(body.counts) ? body.counts : {};
      const findingCounts = isObj(counts.findings) ? counts.findings : {};
      FINDING_KINDS.forEach((k, i) => (week.findings[i]! -= uint(findingCounts[k]) ?? 0));
      for (const h of Array.isArray(body.hunks) ? body.hunks : []) this.weekHunk(week, repository, readHunk(h), -1);
      pages.analysis(stored.seq, stored.hash, body, { week, repository });
    } else if (stored.entry.kind === 'change.hunks') {
      const p = pages.page(body);
      if (p !== undefined) for (const h of p.hunks) this.weekHunk(p.value.week, p.value.repository, readHunk(h), -1);
    }
    return (todo?.size ?? 0) > 0 || pages.waiting > 0;
  }

  private weekHunk(week: WeekBucket, repository: string, h: Hunk | null, sign: 1 | -1): void {
    if (h === null) return;
    const key = `${repository}\u0000${h.path}`;
    let c = week.cells.get(key);
    if (c === undefined) {
      c = { repository, path: this.intern(h.path), v: new Float64Array(V_SIZE) };
      week.cells.set(key, c);
    }
    applyHunk(c.v, h, sign);
  }

  private prState(key: string): PullRequestState {
    let s = this.prs.get(key);
    if (s === undefined) {
      s = { firstApproval: null, pre: null, inPeriod: false, declaredBefore: false, lateEmitted: false };
      this.prs.set(key, s);
    }
    return s;
  }

  private hunk(a: Analysis, h: Hunk | null): void {
    if (h === null) return;
    // Rewrites first: this hunk may rewrite earlier agent hunks of other changes.
    this.checkRewrites(a, h);
    // Per-path counters are kept only for analyses of the period (gaps, agents, totals); a
    // trend week keeps sums (weekHunk).
    if (a.inPeriod) {
      let p = a.paths.get(h.path);
      if (p === undefined) {
        p = new Float64Array(V_SIZE);
        a.paths.set(this.intern(h.path), p);
      }
      applyHunk(p, h, 1);
    }
    if (a.week !== null) this.weekHunk(a.week, a.repository, h, 1);
    const { gap, stated } = classify(h);
    // People: a line is AI-involved when stated or a gap, attested when stated and not a gap.
    if (stated || gap) a.lines.ai += h.lines;
    if (stated && !gap) a.lines.attested += h.lines;
    if (h.evidence.includes('declared') && a.pullRequest !== null && a.time < this.until) this.declared(a);
    if (stated && a.inPeriod) this.agentHunk(a, h);
  }

  private declared(a: Analysis): void {
    if (a.hasDeclared) return;
    a.hasDeclared = true;
    const pr = this.prState(a.changeKey);
    if (!a.afterApproval) {
      pr.declaredBefore = true;
      return;
    }
    if (pr.declaredBefore || pr.lateEmitted) return;
    pr.lateEmitted = true;
    if (!a.inPeriod) return;
    this.events.push({
      kind: 'late-declaration',
      time: new Date(a.time).toISOString(),
      repository: a.repository,
      pullRequest: a.pullRequest,
      actor: null,
      detail: 'declared AI evidence first appears in an analysis after the first approval',
      ledger: a.ledger,
      seq: a.seq,
    });
  }

  private agentHunk(a: Analysis, h: Hunk): void {
    const keys = new Set<string>();
    const statedAttr = h.attribution.filter((x) => STATED.has(x.cls)).map((x) => ({ agent: normaliseAgent(x.agent), model: x.model }));
    // Several pieces of evidence often name the same agent, one with the model and one
    // without (a co-author trailer and a "Generated with" line): the hunk counts once per
    // agent and model, and an agent's model-less mention is dropped when a model is named.
    const withModel = new Set(statedAttr.filter((x) => x.model !== null).map((x) => x.agent));
    for (const x of statedAttr) if (x.model !== null || !withModel.has(x.agent)) keys.add(agentKey(x.agent, x.model));
    if (keys.size === 0) keys.add(agentKey('unknown', null));
    for (const k of keys) {
      a.agents ??= new Map();
      let agg = a.agents.get(k);
      if (agg === undefined) {
        const [agent, model] = splitAgentKey(k);
        agg = { agent, model, hunks: 0, lines: 0 };
        a.agents.set(k, agg);
      }
      agg.hunks++;
      agg.lines += h.lines;
    }
    const live: AgentHunk = { analysis: a, agents: [...keys], start: h.startLine, end: Math.max(h.startLine, h.endLine), lines: h.lines, time: a.time, covered: [] };
    (a.agentHunks ??= []).push(live);
    const indexKey = `${a.repository}\u0000${h.path}`;
    const list = this.rewriteIndex.get(indexKey);
    if (list === undefined) this.rewriteIndex.set(indexKey, [live]);
    else list.push(live);
  }

  private checkRewrites(a: Analysis, h: Hunk): void {
    if (a.time > this.now) return;
    const indexKey = `${a.repository}\u0000${h.path}`;
    const list = this.rewriteIndex.get(indexKey);
    if (list === undefined) return;
    const start = h.startLine;
    const end = Math.max(h.startLine, h.endLine);
    let kept = 0;
    for (const live of list) {
      // Expired hunks leave the index: memory stays bounded by the window.
      if (a.time > live.time + this.windowMs) continue;
      list[kept++] = live;
      if (live.analysis.changeKey === a.changeKey || a.time <= live.time) continue;
      const lo = Math.max(start, live.start);
      const hi = Math.min(end, live.end);
      if (lo <= hi) live.covered = mergeRange(live.covered, lo, hi);
    }
    list.length = kept;
    if (kept === 0) this.rewriteIndex.delete(indexKey);
  }

  private approval(time: number, body: Obj): void {
    const repository = str(body.repository);
    const pullRequest = uint(body.pullRequest);
    if (repository === null || pullRequest === null || !this.wanted(repository) || time >= this.until) return;
    const pr = this.prState(`${repository}#${pullRequest}`);
    pr.firstApproval ??= time;
  }

  private merge(ledger: LedgerState, seq: number, iso: string, time: number, body: Obj): void {
    const repository = str(body.repository);
    ledger.refs.set(seq, { kind: 'merge', repository, pullRequest: uint(body.pullRequest), head: str(body.head) });
    if (!this.inPeriod(time) || !this.wanted(repository)) return;
    const diff = str(body.diffDigest);
    const approved = str(body.approvedDigest);
    if (approved === null || diff === approved) return;
    const subjects = isObj(body.subjects) ? body.subjects : {};
    this.events.push({
      kind: 'approval-drift',
      time: iso,
      repository: repository ?? NO_REPOSITORY,
      pullRequest: uint(body.pullRequest),
      actor: this.display(ledger, str(subjects['merged-by']))?.display ?? null,
      detail: `merged diff ${short(diff)} differs from the approved diff ${short(approved)}`,
      ledger: ledger.input.location,
      seq,
    });
  }

  private finding(ledger: LedgerState, seq: number, iso: string, time: number, body: Obj): void {
    if (str(body.finding) !== 'approval-drift' || !this.inPeriod(time)) return;
    const ref = isObj(body.change) ? uint(body.change.seq) : null;
    const change = ref === null ? undefined : ledger.refs.get(ref);
    // The App writes the drift finding with the merge it concerns (engine/outcome.ts): the
    // merge's own event already shows it.
    if (change?.kind === 'merge' || !this.wanted(change?.repository ?? null)) return;
    this.events.push({
      kind: 'approval-drift',
      time: iso,
      repository: change?.repository ?? NO_REPOSITORY,
      pullRequest: change?.pullRequest ?? null,
      actor: null,
      detail: `approval-drift finding on ${str(body.path) ?? '?'}`,
      ledger: ledger.input.location,
      seq,
    });
  }

  private remediation(ledger: LedgerState, seq: number, iso: string, time: number, body: Obj): void {
    const repository = str(body.repository);
    if (!this.inPeriod(time) || !this.wanted(repository)) return;
    const subjects = isObj(body.subjects) ? body.subjects : {};
    const paths = strings(body.paths);
    this.events.push({
      kind: 'remediation',
      time: iso,
      repository: repository ?? NO_REPOSITORY,
      pullRequest: uint(body.pullRequest),
      actor: this.display(ledger, str(subjects['declared-by']))?.display ?? null,
      detail: `${str(body.declaration) ?? ''} (${paths.length === 0 ? 'whole pull request' : `${paths.length} path${paths.length === 1 ? '' : 's'}`})`,
      ledger: ledger.input.location,
      seq,
    });
  }

  private drillEntry(ledger: LedgerState, seq: number, iso: string, time: number, body: Obj): void {
    const repository = str(body.repository);
    if (time >= this.until || time < this.drillTime) return;
    if (repository !== null && !this.wanted(repository)) return;
    const outcome = str(body.outcome);
    if (outcome !== 'passed' && outcome !== 'failed' && outcome !== 'incomplete') return;
    this.drillTime = time;
    this.drill = { time: iso, ledger: ledger.input.location, seq, outcome, repository, pullRequest: uint(body.pullRequest), missing: strings(body.missing) };
  }

  private failed(ledger: LedgerState, time: number, body: Obj): void {
    const repository = str(body.repository);
    if (!this.inPeriod(time) || !this.wanted(repository)) return;
    const key = repository ?? NO_REPOSITORY;
    const f = ledger.failed.get(key) ?? { count: 0, last: '' };
    f.count++;
    f.last = str(body.error) ?? '';
    ledger.failed.set(key, f);
  }

  // -------------------------------------------------------------------------------------------

  finish(): AggregateResult {
    const totals = this.totals(this.period, weekLabelOf(this.options.since, this.options.until));
    const trend = this.options.trendWeeks.map((w) => this.weekTotals(this.weeks.get(w)!));
    return {
      totals,
      trend,
      gaps: this.gapRows(),
      people: this.people(),
      agents: this.agentRows(),
      events: this.events.slice().sort((a, b) => cmp(a.time, b.time) || cmp(a.repository, b.repository) || (a.pullRequest ?? -1) - (b.pullRequest ?? -1) || cmp(a.kind, b.kind) || a.seq - b.seq),
      erasures: this.erasureRows(),
      provenance: this.provenance(),
      drill: this.drill,
      cells: this.cells(),
      ...(this.captureGaps.seen ? { captureGaps: this.captureGaps.rows((r) => this.wanted(r)) } : {}),
    };
  }

  private weekTotals(w: WeekBucket): VolumeTotals {
    const sum = newPathAgg();
    for (const c of w.cells.values()) addVector(sum, c.v);
    const findings = zeroFindings();
    FINDING_KINDS.forEach((k, i) => (findings[k] = w.findings[i]!));
    let prs = 0;
    for (const l of w.latest.values()) if (l.pr) prs++;
    return volume(w.week, w.since, w.until, w.analyses, prs, w.pushes, sum, findings);
  }

  private totals(bucket: Bucket, week: string | null): VolumeTotals {
    const sum = newPathAgg();
    const findings = zeroFindings();
    const prs = new Set<string>();
    for (const a of bucket.changes.values()) {
      for (const p of a.paths.values()) addVector(sum, p);
      for (const k of FINDING_KINDS) findings[k] += a.findings[k];
      if (a.pullRequest !== null) prs.add(a.changeKey);
    }
    return volume(week, bucket.since, bucket.until, bucket.analyses, prs.size, bucket.pushes, sum, findings);
  }

  private gapRows(): AggregateResult['gaps'] {
    const repos = new Map<string, { agg: PathAgg; prs: Set<string> }>();
    const paths = new Map<string, { repository: string; path: string; agg: PathAgg; prs: Set<string> }>();
    for (const a of this.period.changes.values()) {
      for (const [path, p] of a.paths) {
        const r = repos.get(a.repository) ?? { agg: newPathAgg(), prs: new Set<string>() };
        repos.set(a.repository, r);
        addVector(r.agg, p);
        const key = `${a.repository}\u0000${path}`;
        const row = paths.get(key) ?? { repository: a.repository, path, agg: newPathAgg(), prs: new Set<string>() };
        paths.set(key, row);
        addVector(row.agg, p);
        if (p[V_UNATTESTED]! + p[V_CONTRADICTED]! > 0 && a.pullRequest !== null) {
          r.prs.add(a.changeKey);
          row.prs.add(a.changeKey);
        }
      }
    }
    const toRow = (repository: string, path: string | null, agg: PathAgg, prs: Set<string>, sensitive: boolean): GapRow => ({
      repository,
      path,
      unattested: agg.unattested,
      contradicted: agg.contradicted,
      gapLines: agg.unattestedAiLines,
      pullRequests: prs.size,
      sensitive,
    });
    const rank = (a: GapRow, b: GapRow) => b.gapLines - a.gapLines || b.unattested + b.contradicted - (a.unattested + a.contradicted) || cmp(a.repository, b.repository) || cmp(a.path ?? '', b.path ?? '');
    const repoRows = [...repos].map(([repo, r]) => toRow(repo, null, r.agg, r.prs, false)).sort(rank);
    const allPaths = [...paths.values()].map((r) => toRow(r.repository, r.path, r.agg, r.prs, this.options.isSensitive(r.repository, r.path)));
    const gapPaths = allPaths.filter((r) => r.unattested + r.contradicted > 0).sort(rank).slice(0, this.options.pathRowCap);
    const sensitive = allPaths.filter((r) => r.sensitive).sort(rank).slice(0, this.options.pathRowCap);
    return { repositories: repoRows, paths: gapPaths, sensitivePaths: sensitive };
  }

  private people(): PeopleSection {
    const { alpha, minLines, minChanges } = this.options.significance;
    const authors = new Map<string, { display: string; erased: boolean; ai: number; attested: number; changes: number }>();
    for (const pr of this.prs.values()) {
      const a = pr.pre;
      if (!pr.inPeriod || a === null || a.author === null) continue;
      const row = authors.get(a.author.key) ?? { display: a.author.display, erased: a.author.erased, ai: 0, attested: 0, changes: 0 };
      authors.set(a.author.key, row);
      row.ai += a.lines.ai;
      row.attested += a.lines.attested;
      row.changes++;
    }
    let poolAi = 0;
    let poolAtt = 0;
    for (const r of authors.values()) {
      poolAi += r.ai;
      poolAtt += r.attested;
    }
    const tested = [...authors.entries()].filter(([, r]) => r.ai >= minLines && r.changes >= minChanges).sort(([a], [b]) => cmp(a, b));
    const raw = tested.map(([, r]) => fisherExactTwoSided(r.attested, r.ai - r.attested, poolAtt - r.attested, poolAi - r.ai - (poolAtt - r.attested)));
    const adjusted = holmAdjust(raw);
    const named: PeopleSection['named'][number][] = [];
    tested.forEach(([, r], i) => {
      const p = adjusted[i]!;
      const peerAi = poolAi - r.ai;
      // Erased authors are tested (they count for everyone else's test) but never named.
      if (p >= alpha || r.erased || peerAi === 0) return;
      const rate = r.attested / r.ai;
      const peerRate = (poolAtt - r.attested) / peerAi;
      named.push({ author: r.display, aiLines: r.ai, attestedLines: r.attested, rate, peerRate, pValue: p, direction: rate < peerRate ? 'below' : 'above' });
    });
    named.sort((a, b) => a.pValue - b.pValue || cmp(a.author, b.author));
    return {
      test: { method: SIGNIFICANCE_METHOD, alpha, minLines, minChanges },
      pooledRate: poolAi === 0 ? null : poolAtt / poolAi,
      authors: authors.size,
      authorsTested: tested.length,
      distribution: rateHistogram(tested.map(([, r]) => r.attested / r.ai)),
      named,
    };
  }

  private agentRows(): AgentRow[] {
    const rows = new Map<string, { agent: string; model: string | null; changes: Set<string>; hunks: number; lines: number; rewritten: number }>();
    for (const a of this.period.changes.values()) {
      for (const [k, agg] of a.agents ?? []) {
        const row = rows.get(k) ?? { agent: agg.agent, model: agg.model, changes: new Set<string>(), hunks: 0, lines: 0, rewritten: 0 };
        rows.set(k, row);
        row.changes.add(a.changeKey);
        row.hunks += agg.hunks;
        row.lines += agg.lines;
      }
      for (const h of a.agentHunks ?? []) {
        const covered = h.covered.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
        const rewritten = Math.min(h.lines, covered);
        for (const k of h.agents) rows.get(k)!.rewritten += rewritten;
      }
    }
    const windowDays = this.options.rewriteWindowDays;
    return [...rows.values()]
      .map((r) => ({ agent: r.agent, model: r.model, changes: r.changes.size, hunks: r.hunks, lines: r.lines, rewrittenLines: r.rewritten, rewrittenShare: r.lines === 0 ? null : r.rewritten / r.lines, windowDays }))
      .sort((a, b) => b.lines - a.lines || cmp(a.agent, b.agent) || cmp(a.model ?? '', b.model ?? ''));
  }

  private erasureRows(): ErasureRow[] {
    return this.erasures
      .filter((e) => {
        const t = Date.parse(e.erasedAt);
        return t >= this.since && t < this.until;
      })
      .map(({ ledgerIndex: _i, ...e }) => ({ ...e, reason: this.retentionCommitments.has(e.commitment) ? ('retention' as const) : ('erasure' as const) }))
      .sort((a, b) => cmp(a.erasedAt, b.erasedAt) || cmp(a.ledger, b.ledger) || a.seq - b.seq || cmp(a.commitment, b.commitment));
  }

  private provenance(): AggregateResult['provenance'] {
    const ledgers: LedgerProvenance[] = [];
    const gaps: ProvenanceGap[] = [];
    for (const l of this.ledgers) {
      const i = l.input;
      const unknownKinds = Object.fromEntries([...l.unknownKinds].sort(([a], [b]) => cmp(a, b)));
      ledgers.push({
        location: i.location,
        origin: i.origin,
        size: i.size,
        root: i.root,
        verified: i.verified,
        problem: i.problem,
        firstEntry: l.firstEntry,
        lastEntry: l.lastEntry,
        entriesInPeriod: l.entriesInPeriod,
        unknownKinds,
      });
      if (!i.verified) gaps.push({ kind: 'unverified', ledger: i.location, repository: null, detail: `ledger does not verify: ${i.problem ?? 'unknown problem'}` });
      if (l.entriesInPeriod === 0 && l.entriesBefore > 0) {
        gaps.push({ kind: 'ledger-silent', ledger: i.location, repository: null, detail: `no entries in the period; ${l.entriesBefore} entr${l.entriesBefore === 1 ? 'y' : 'ies'} before it, the last at ${l.lastEntry ?? '?'}` });
      }
      for (const [repo, f] of [...l.failed].sort(([a], [b]) => cmp(a, b))) {
        gaps.push({ kind: 'analysis-failed', ledger: i.location, repository: repo, detail: `${f.count} analys${f.count === 1 ? 'is' : 'es'} failed; last error: ${f.last}` });
      }
      for (const [repo, o] of [...l.omissions].sort(([a], [b]) => cmp(a, b))) {
        gaps.push({ kind: 'omissions', ledger: i.location, repository: repo, detail: `${o.changes} change${o.changes === 1 ? '' : 's'} analysed with ${o.omitted} omission${o.omitted === 1 ? '' : 's'} (files or hunks not analysed)` });
      }
      const unknown = [...l.unknownKinds.values()].reduce((a, b) => a + b, 0);
      if (unknown > 0) {
        gaps.push({ kind: 'capture-gap', ledger: i.location, repository: null, detail: `${unknown} entr${unknown === 1 ? 'y' : 'ies'} of kinds this version does not read: ${Object.entries(unknownKinds).map(([k, n]) => `${k} (${n})`).join(', ')}` });
      }
    }
    return { ledgers, gaps };
  }

  private cells(): ReportCell[] {
    const cells = new Map<string, { week: string; repository: string; path: string; agg: PathAgg }>();
    for (const w of this.options.cellWeeks) {
      for (const [key, c] of this.weeks.get(w)!.cells) {
        // A path whose every hunk was superseded sums to zero: not a cell.
        if (c.v[V_HUNKS] === 0) continue;
        const agg = newPathAgg();
        addVector(agg, c.v);
        cells.set(`${w}\u0000${key}`, { week: w, repository: c.repository, path: c.path, agg });
      }
    }
    let list = [...cells.values()];
    if (list.length > this.options.cellCap) {
      // Keep the cells with the most gap lines, then the most lines; fold the rest per (week, repository).
      list.sort((a, b) => b.agg.unattestedAiLines - a.agg.unattestedAiLines || b.agg.addedLines - a.agg.addedLines || cmp(a.week, b.week) || cmp(a.repository, b.repository) || cmp(a.path, b.path));
      const kept = list.slice(0, Math.max(0, this.options.cellCap - this.options.cellWeeks.length * 4));
      const folded = new Map<string, { week: string; repository: string; path: string; agg: PathAgg }>();
      for (const c of list.slice(kept.length)) {
        const key = `${c.week}\u0000${c.repository}`;
        const f = folded.get(key) ?? { week: c.week, repository: c.repository, path: OTHER_PATH, agg: newPathAgg() };
        folded.set(key, f);
        addPathAgg(f.agg, c.agg);
      }
      list = [...kept, ...folded.values()];
    }
    return list
      .sort((a, b) => cmp(a.week, b.week) || cmp(a.repository, b.repository) || cmp(a.path, b.path))
      .map((c) => ({
        week: c.week,
        repository: c.repository,
        path: c.path,
        sensitive: c.path !== OTHER_PATH && this.options.isSensitive(c.repository, c.path),
        hunks: c.agg.hunks,
        addedLines: c.agg.addedLines,
        linesByVerdict: c.agg.linesByVerdict,
        statedAiLines: c.agg.statedAiLines,
        unattestedAiLines: c.agg.unattestedAiLines,
        unattested: c.agg.unattested,
        contradicted: c.agg.contradicted,
      }));
  }
}

function volume(week: string | null, since: number, until: number, analyses: number, pullRequests: number, pushes: number, sum: PathAgg, findings: Record<FindingKind, number>): VolumeTotals {
  const denom = sum.statedAiLines + sum.unattestedAiLines;
  return {
    week,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    analyses,
    pullRequests,
    pushes,
    hunks: sum.hunks,
    addedLines: sum.addedLines,
    hunksByVerdict: sum.hunksByVerdict,
    linesByVerdict: sum.linesByVerdict,
    linesByEvidence: sum.linesByEvidence,
    statedAiLines: sum.statedAiLines,
    unattestedAiLines: sum.unattestedAiLines,
    statedShare: denom === 0 ? null : sum.statedAiLines / denom,
    findings,
  };
}

/** Gap: verdict unattested or contradicted. Stated: a stated evidence class, not contradicted. */
function classify(h: Hunk): { gap: boolean; stated: boolean } {
  const gap = h.verdict === 'unattested' || h.verdict === 'contradicted';
  // A contradicted hunk's stated evidence says "no AI" (e.g. `AI-Assisted: no`) while the
  // content says AI: it is a gap, never stated AI involvement.
  const stated = h.verdict !== 'contradicted' && h.evidence.some((e) => STATED.has(e));
  return { gap, stated };
}

/** Adds (sign 1) or removes (sign -1) one hunk from a counter vector. */
function applyHunk(v: Float64Array, h: Hunk, sign: 1 | -1): void {
  const { gap, stated } = classify(h);
  const lines = sign * h.lines;
  v[V_HUNKS]! += sign;
  v[V_LINES]! += lines;
  const vi = VERDICT_INDEX.get(h.verdict)!;
  v[V_HUNKS_BY_VERDICT + vi]! += sign;
  v[V_LINES_BY_VERDICT + vi]! += lines;
  for (const e of h.evidence) v[V_LINES_BY_EVIDENCE + EVIDENCE_INDEX.get(e)!]! += lines;
  if (stated) v[V_STATED]! += lines;
  if (gap) v[V_GAP_LINES]! += lines;
  if (h.verdict === 'unattested') v[V_UNATTESTED]! += sign;
  if (h.verdict === 'contradicted') v[V_CONTRADICTED]! += sign;
}

function weekLabelOf(since: string, until: string): string | null {
  const label = isoWeekOf(since);
  const r = weekRange(label);
  return Date.parse(r.since) === Date.parse(since) && Date.parse(r.until) === Date.parse(until) ? label : null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const short = (d: string | null): string => (d === null ? '(none)' : d.slice(0, 'sha256:'.length + 12));
const agentKey = (agent: string, model: string | null): string => `${agent}\u0000${model ?? '\u0001'}`;

function splitAgentKey(key: string): [string, string | null] {
  const [agent, model] = key.split('\u0000') as [string, string];
  return [agent, model === '\u0001' ? null : model];
}

/** Agent names as the evidence spells them, lowercased and hyphenated (`Claude Code` → `claude-code`). */
export function normaliseAgent(agent: string | null): string {
  if (agent === null) return 'unknown';
  const n = agent.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return n === '' ? 'unknown' : n;
}

/** Inserts [lo, hi] into disjoint sorted ranges, merging overlaps. */
function mergeRange(ranges: [number, number][], lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  let placed = false;
  for (const [a, b] of ranges) {
    if (b < lo - 1) out.push([a, b]);
    else if (a > hi + 1) {
      if (!placed) {
        out.push([lo, hi]);
        placed = true;
      }
      out.push([a, b]);
    } else {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  if (!placed) out.push([lo, hi]);
  return out;
}

/** What a finding may refer to: a `change.analyzed` or a `merge` entry; null for other kinds. */
export function changeRefOf(kind: string, body: unknown): ChangeRef | null {
  if ((kind !== 'change.analyzed' && kind !== 'merge') || !isObj(body)) return null;
  return { kind: kind === 'merge' ? 'merge' : 'change', repository: str(body.repository), pullRequest: uint(body.pullRequest), head: str(body.head) };
}

/**
 * The last `capacity` change and merge references of a ledger, by seq. Findings are written in
 * the same append as the entry they refer to (engine/record.ts, engine/outcome.ts), so a small
 * window resolves them while memory stays flat in the number of entries.
 */
export class RecentRefs {
  private readonly map = new Map<number, ChangeRef>();
  constructor(private readonly capacity = 4096) {}
  set(seq: number, ref: ChangeRef): void {
    this.map.set(seq, ref);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
  get(seq: number): ChangeRef | undefined {
    return this.map.get(seq);
  }
}

/** Reads a finding body defensively for a CSV row; null when it is not a finding. */
export function readFinding(body: unknown): { changeSeq: number | null; finding: FindingKind; path: string; startLine: number; endLine: number; level: 'notice' | 'warning'; score: number | null } | null {
  if (!isObj(body)) return null;
  const finding = str(body.finding);
  if (finding === null || !(FINDING_KINDS as readonly string[]).includes(finding)) return null;
  const level = str(body.level) === 'warning' ? 'warning' : 'notice';
  const score = typeof body.score === 'number' ? body.score : null;
  return {
    changeSeq: isObj(body.change) ? uint(body.change.seq) : null,
    finding: finding as FindingKind,
    path: str(body.path) ?? '',
    startLine: uint(body.startLine) ?? 0,
    endLine: uint(body.endLine) ?? 0,
    level,
    score,
  };
}
