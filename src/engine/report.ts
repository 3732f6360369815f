// The report use case behind `trailmark report`, the Action's job summary, the App's weekly
// issue and the dashboard: verify each ledger, stream its entries (merged across ledgers in
// time order), aggregate (src/report/aggregate.ts) and return the report model. Memory stays
// flat in the number of entries: only aggregates keyed by change, pull request, path, author
// and agent are kept. No I/O of its own: the stores and the clock come in.
import picomatch from 'picomatch';
import type { Clock } from '../core/ports.js';
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js';
import { UsageError } from '../core/errors.js';
import { decodeHex, encodeBase64 } from '../ledger/encoding.js';
import type { NoteVerifier } from '../ledger/note.js';
import { readEntries, type StoredEntry } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';
import type { VerifyReport } from '../ledger/verify.js';
import { DEFAULT_SIGNIFICANCE, RecentRefs, ReportAggregator, changeRefOf, readFinding, type SignificanceSettings } from '../report/aggregate.js';
import { REPORT_SCHEMA, type FindingRow, type ReportModel } from '../report/model.js';
import { renderFindingsCsv } from '../report/report-csv.js';
import { renderReportJson } from '../report/report-json.js';
import { renderReportMarkdown, type WeeklyMarkdownOptions } from '../report/weekly-markdown.js';
import { isoWeekOf, lastCompleteWeek, previousWeeks, weekOfPeriod, weekRange, weeksOverlapping } from '../report/week.js';
import { verifyLedger } from './ledger.js';

export type { FindingRow, ReportModel, SignificanceSettings, WeeklyMarkdownOptions };
export { isoWeekOf, lastCompleteWeek, parseWeek, previousWeeks, weekRange } from '../report/week.js';

/** Formats of a whole-model rendering (CSV is streamed per finding: `findingsCsv`). */
export const WEEKLY_REPORT_FORMATS = ['markdown', 'json'] as const;
export type WeeklyReportFormat = (typeof WEEKLY_REPORT_FORMATS)[number];

/** The report model rendered for the CLI, the Action's job summary or the App's issue. */
export function renderWeeklyReport(model: ReportModel, format: WeeklyReportFormat, options: WeeklyMarkdownOptions = {}): string {
  return format === 'json' ? renderReportJson(model) : renderReportMarkdown(model, options);
}

/** CSV text of every finding in the period, streamed chunk by chunk (header first). */
export function findingsCsv(sources: readonly ReportSource[], options: ReportOptions): AsyncIterable<string> {
  return renderFindingsCsv(reportFindings(sources, options));
}

export interface ReportSource {
  readonly store: LedgerStore;
  /** Trusted verifier keys for this ledger. */
  readonly keys: readonly NoteVerifier[];
  /** How the report names the ledger (default: the store's location). */
  readonly location?: string;
}

/** Sensitive-path globs (picomatch, dot files included): for every repository, or per repository (`*` for all). */
export type SensitivePaths = readonly string[] | Readonly<Record<string, readonly string[]>>;

export interface ReportOptions {
  /** Half-open period [since, until), RFC 3339. Default: the last complete ISO week before `clock.now()`. */
  readonly since?: string;
  readonly until?: string;
  readonly clock: Clock;
  /** Weeks in the trend, ending with the period's last week. Default 8. */
  readonly trendWeeks?: number;
  /** Only these repositories (`owner/name`); empty or absent: all. */
  readonly repositories?: readonly string[];
  readonly sensitivePaths?: SensitivePaths;
  /** Window of the agents' rewrite proxy, in days. Default 30. */
  readonly rewriteWindowDays?: number;
  readonly significance?: Partial<SignificanceSettings>;
  /** Maximum cells (default 5,000) and rows of the path tables (default 500). */
  readonly cellCap?: number;
  readonly pathRowCap?: number;
}

export interface ResolvedPeriod {
  readonly since: string;
  readonly until: string;
  readonly week: string | null;
}

/** The period a report covers: `since`/`until` as given (both or neither), else the last complete ISO week. */
export function resolvePeriod(options: Pick<ReportOptions, 'since' | 'until' | 'clock'>): ResolvedPeriod {
  if ((options.since === undefined) !== (options.until === undefined)) {
    throw new UsageError('USAGE', 'give both --since and --until, or neither', { hint: 'or pass --week 2026-W49' });
  }
  if (options.since === undefined || options.until === undefined) {
    const week = lastCompleteWeek(options.clock.now());
    return { ...weekRange(week), week };
  }
  const since = normaliseInstant(options.since, 'since');
  const until = normaliseInstant(options.until, 'until');
  if (Date.parse(since) >= Date.parse(until)) throw new UsageError('BAD_INPUT', `the period is empty: --since ${since} is not before --until ${until}`, { hint: 'the period is [since, until): until must be later' });
  return { since, until, week: weekOfPeriod(since, until) };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function normaliseInstant(value: string, name: string): string {
  if (!DATE_ONLY.test(value) && !INSTANT.test(value)) {
    throw new UsageError('BAD_INPUT', `--${name} ${JSON.stringify(value.slice(0, 60))} is not a date`, { hint: 'use YYYY-MM-DD (midnight UTC) or an RFC 3339 time such as 2026-12-07T00:00:00Z' });
  }
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) throw new UsageError('BAD_INPUT', `--${name} ${value} is not a valid date`, { hint: 'check the month and day' });
  return new Date(ms).toISOString();
}

function sensitiveMatcher(paths: SensitivePaths | undefined): (repository: string, path: string) => boolean {
  if (paths === undefined) return () => false;
  const compile = (globs: readonly string[]) => (globs.length === 0 ? () => false : picomatch([...globs], { dot: true }));
  if (Array.isArray(paths)) {
    const m = compile(paths as readonly string[]);
    return (_repo, path) => m(path);
  }
  const byRepo = new Map(Object.entries(paths as Readonly<Record<string, readonly string[]>>).map(([repo, globs]) => [repo, compile(globs)]));
  const all = byRepo.get('*');
  return (repo, path) => (byRepo.get(repo)?.(path) ?? false) || (all?.(path) ?? false);
}

export interface SourceVerification {
  readonly location: string;
  readonly report: VerifyReport;
  /** `CODE at LOCATION: message` of the first problem, or null when it verified. */
  readonly problem: string | null;
}

/** Verifies every source (streaming, read-only). */
export async function verifySources(sources: readonly ReportSource[]): Promise<SourceVerification[]> {
  const out: SourceVerification[] = [];
  for (const s of sources) {
    const { report } = await verifyLedger(s.store, s.keys);
    const p = report.problems[0];
    out.push({ location: s.location ?? s.store.location, report, problem: report.ok || p === undefined ? null : `${p.code} at ${p.location}: ${p.message}` });
  }
  return out;
}

/**
 * Entries of every store merged in time order (ties: source order, then seq). A store whose
 * bytes stop being readable ends there: verification has already reported it.
 */
async function* mergedEntries(stores: readonly LedgerStore[]): AsyncGenerator<{ index: number; stored: StoredEntry }> {
  const its = stores.map((s) => readEntries(s)[Symbol.asyncIterator]());
  const heads: ({ stored: StoredEntry; time: number } | null)[] = [];
  const next = async (i: number) => {
    try {
      const r = await its[i]!.next();
      heads[i] = r.done === true ? null : { stored: r.value, time: Date.parse(r.value.entry.time) || 0 };
    } catch {
      heads[i] = null;
    }
  };
  for (let i = 0; i < its.length; i++) await next(i);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h != null && (best < 0 || h.time < heads[best]!.time)) best = i;
    }
    if (best < 0) return;
    yield { index: best, stored: heads[best]!.stored };
    await next(best);
  }
}

function aggregateOptions(options: ReportOptions, period: ResolvedPeriod) {
  const trendCount = options.trendWeeks ?? 8;
  const lastWeek = isoWeekOf(Date.parse(period.until) - 1);
  const trendWeeks = previousWeeks(lastWeek, trendCount);
  const cellWeeks = [...new Set([...trendWeeks, ...weeksOverlapping(period.since, period.until)])].sort();
  const window = options.rewriteWindowDays ?? 30;
  if (!Number.isFinite(window) || window < 0) throw new UsageError('BAD_INPUT', `rewrite window ${window} days is not a non-negative number`, { hint: 'use e.g. 30' });
  return {
    since: period.since,
    until: period.until,
    now: new Date(options.clock.now()).toISOString(),
    trendWeeks,
    cellWeeks,
    repositories: [...(options.repositories ?? [])].sort(),
    isSensitive: sensitiveMatcher(options.sensitivePaths),
    rewriteWindowDays: window,
    significance: { ...DEFAULT_SIGNIFICANCE, ...options.significance },
    cellCap: options.cellCap ?? 5_000,
    pathRowCap: options.pathRowCap ?? 500,
  };
}

function rootBase64(report: VerifyReport): string | null {
  if (report.checkpoint === null) return null;
  const bytes = decodeHex(report.checkpoint.root);
  return bytes === undefined ? null : encodeBase64(bytes);
}

/** Builds the report model from ledger stores: verifies each, then streams and aggregates. */
export async function buildReport(sources: readonly ReportSource[], options: ReportOptions): Promise<ReportModel> {
  const period = resolvePeriod(options);
  const agg = new ReportAggregator(aggregateOptions(options, period));
  const verifications = await verifySources(sources);
  for (let i = 0; i < sources.length; i++) {
    const v = verifications[i]!;
    agg.addLedger({
      location: v.location,
      origin: v.report.origin,
      size: v.report.checkpoint?.size ?? 0,
      root: rootBase64(v.report),
      verified: v.report.ok,
      problem: v.problem,
      subjects: await sources[i]!.store.readSubjects(),
    });
  }
  for await (const { index, stored } of mergedEntries(sources.map((s) => s.store))) agg.add(index, stored);
  // Trend weeks keep sums, not analyses: re-read only the analyses a later one superseded.
  for (const { ledger, from } of agg.secondPass()) {
    try {
      for await (const stored of readEntries(sources[ledger]!.store, from)) if (!agg.subtract(ledger, stored)) break;
    } catch {
      // An unreadable line: verification has reported the ledger.
    }
  }
  const r = agg.finish();
  return {
    schema: REPORT_SCHEMA,
    generatedAt: new Date(options.clock.now()).toISOString(),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    period,
    repositories: [...(options.repositories ?? [])].sort(),
    totals: r.totals,
    trend: r.trend,
    gaps: r.gaps,
    people: r.people,
    agents: r.agents,
    events: r.events,
    erasures: r.erasures,
    provenance: r.provenance,
    drill: r.drill,
    cells: r.cells,
    ...(r.captureGaps === undefined ? {} : { captureGaps: r.captureGaps }),
  };
}

/**
 * One row per `finding` entry in the period, streamed ledger by ledger in seq order (for CSV).
 * Keeps only the recent change and merge references findings point to (RecentRefs).
 */
export async function* reportFindings(sources: readonly ReportSource[], options: ReportOptions): AsyncIterable<FindingRow> {
  const period = resolvePeriod(options);
  const since = Date.parse(period.since);
  const until = Date.parse(period.until);
  const repos = options.repositories !== undefined && options.repositories.length > 0 ? new Set(options.repositories) : null;
  const isSensitive = sensitiveMatcher(options.sensitivePaths);
  for (const source of sources) {
    const location = source.location ?? source.store.location;
    const refs = new RecentRefs();
    try {
      for await (const { seq, hash, entry } of readEntries(source.store)) {
        const ref = changeRefOf(entry.kind, entry.body);
        if (ref !== null) {
          refs.set(seq, ref);
          continue;
        }
        if (entry.kind !== 'finding') continue;
        const time = Date.parse(entry.time);
        if (!(time >= since && time < until)) continue;
        const f = readFinding(entry.body);
        if (f === null) continue;
        const change = f.changeSeq === null ? undefined : refs.get(f.changeSeq);
        const repository = change?.repository ?? null;
        if (repos !== null && (repository === null || !repos.has(repository))) continue;
        yield {
          time: entry.time,
          week: isoWeekOf(time),
          repository,
          pullRequest: change?.pullRequest ?? null,
          head: change?.head ?? null,
          path: f.path,
          startLine: f.startLine,
          endLine: f.endLine,
          finding: f.finding,
          level: f.level,
          score: f.score,
          sensitive: repository !== null && isSensitive(repository, f.path),
          ledger: location,
          seq,
          hash,
        };
      }
    } catch {
      // An unreadable line ends this ledger's rows; verification reports it (exit 1).
    }
  }
}
