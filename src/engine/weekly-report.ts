// The weekly attestation-gap report's delivery use case (the App's schedule, docs/app.md "Weekly
// report"): which weeks of which repository are due, and the publication of one week, idempotent
// per published text. No I/O here: the ledger store, the policy source, the report builder and
// the issue writer are ports.
//
// Publication of one (repository, week), run under the caller's per-installation turn:
//   1. build the report from the ledger and render it (the issue body, marker included);
//   2. if the newest `report.published` entry of the week has this body's digest: done, no
//      request (a restart, a redelivery, the other replica, an unchanged week);
//   3. publish: the issue writer finds the week's issue by its marker and replaces its body, or
//      creates it (github/report-issue.ts);
//   4. append `report.published` once per key `<job key>@<digest>`.
// A crash between 3 and 4 leaves the issue published and no entry: the re-run finds the issue by
// its marker (its body already has the digest: no write) and appends the entry.
import { createHash } from 'node:crypto';
import type { Clock, PolicySource } from '../core/ports.js';
import { parsePolicy } from '../config/policy.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy.js';
import { ANALYSIS_FAILED_ERROR_MAX, ANALYSIS_FAILED_KIND, ANALYSIS_FAILED_SCHEMA, type AnalysisFailedBody } from '../ledger/kinds/analysis-failed.js';
import { REPORT_PUBLISHED_KIND, REPORT_PUBLISHED_SCHEMA, type ReportPublishedBody } from '../ledger/kinds/report-published.js';
import { verifierOf, type AppendResult, type EntryDraft } from '../ledger/log.js';
import type { NoteSigner } from '../ledger/note.js';
import { readEntries } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';
import { truncate, visibleText } from '../report/escape.js';
import type { ReportModel } from '../report/model.js';
import { isoWeekOf, lastCompleteWeek, shiftWeek, weekRange } from '../report/week.js';
import { renderReportMarkdown } from '../report/weekly-markdown.js';
import { buildReport, type ReportSource, type SensitivePaths } from './report.js';
import { operatingPointsFor } from './report-job.js';

export { isoWeekOf, lastCompleteWeek, shiftWeek };

/** Policy version of the App's own entries that belong to no analysis (engine/outcome.ts APP_POLICY). */
const APP_POLICY = 'app';

/** Weeks a schedule catches up after downtime, the last complete week included. */
export const WEEKLY_REPORT_CATCH_UP_WEEKS = 8;

/** Epoch ms of the Monday 00:00 UTC that starts `week`. */
function weekStart(week: string): number {
  return Date.parse(weekRange(week).since);
}

/**
 * The weeks whose report is due at `now`, oldest first: from the last published week (checked
 * again: late entries change it) or, never published, the repository's first active week, to the
 * last complete week; at most `max` weeks back (a long downtime skips the oldest).
 */
export function dueWeeks(now: number, firstActive: string | null, lastPublished: string | null, max = WEEKLY_REPORT_CATCH_UP_WEEKS): string[] {
  if (firstActive === null && lastPublished === null) return [];
  const last = lastCompleteWeek(now);
  const floor = shiftWeek(last, -(max - 1));
  const candidates = [lastPublished ?? firstActive!, floor].map(weekStart);
  const out: string[] = [];
  for (let week = isoWeekOf(Math.max(...candidates)); weekStart(week) <= weekStart(last); week = shiftWeek(week, 1)) out.push(week);
  return out;
}

/** Queue key of the job publishing `week` of `repository` for an installation. */
export function weeklyReportJobKey(installationId: number, repository: string, week: string): string {
  return `weekly-report:${installationId}:${repository}:${week}`;
}

/** `sha256:<hex>` of the UTF-8 text. */
export function sha256Text(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** What the weekly report needs of a repository's policy. */
export interface WeeklyReportPolicy {
  readonly destination: 'issue' | 'none';
  /** Where it came from (`.github/trailmark.yml@main`, `OWNER/.github:…`, or the defaults). */
  readonly source: string;
  readonly sensitivePaths: readonly string[];
  /** The whole policy (its thresholds and `calibration` key give the report's operating points). */
  readonly policy: Policy;
}

/**
 * The repository's policy (its own file, else the organization's `.github` repository's, else
 * the defaults), as the weekly report reads it. Throws ConfigError for an invalid file.
 */
export async function weeklyReportPolicy(source: PolicySource): Promise<WeeklyReportPolicy> {
  const own = await source.atBase();
  const found = own.found || source.organization === undefined ? own : await source.organization();
  if (!found.found) return { destination: DEFAULT_POLICY.report.destination, source: 'defaults (no config file)', sensitivePaths: DEFAULT_POLICY.sensitivePaths, policy: DEFAULT_POLICY };
  const policy = parsePolicy(found.text, { source: found.source });
  return { destination: policy.report.destination, source: found.source, sensitivePaths: policy.sensitivePaths, policy };
}

/** The installation's ledger as a report source, trusting the App's own key. */
export function signedReportSource(store: LedgerStore, signer: NoteSigner, location: string): ReportSource {
  return { store, keys: [verifierOf(signer)], location };
}

/** One publication of a week's report, as the ledger records it. */
export interface PublishedReport {
  /** Content key (`sha256:` of the report rendered without generation time and ledger size; see renderWeeklyReport), from the entry's job key. */
  readonly content: string | null;
  /** `sha256:` of the issue body as published. */
  readonly digest: string;
  readonly issue: number | null;
  readonly seq: number;
}

/** What the ledger says about one installation's repositories (weekly report scheduling). */
export interface PublishedIndex {
  /** Entries covered (the next scan starts here). */
  size: number;
  /** Seq + 1 of the newest entry that is not a `report.published` (publishing alone changes no report). */
  activity: number;
  /** First week with an analysis (or a failed one), per repository. */
  readonly firstActive: Map<string, string>;
  /** Newest publication per repository and week. */
  readonly published: Map<string, Map<string, PublishedReport>>;
}

export function emptyPublishedIndex(): PublishedIndex {
  return { size: 0, activity: 0, firstActive: new Map(), published: new Map() };
}

/** The content key a `report.published` job key carries (`…@<content>`), or null. */
export function contentOfJob(job: string | undefined): string | null {
  const at = job?.lastIndexOf('@') ?? -1;
  return at < 0 ? null : job!.slice(at + 1);
}

/** Reads the committed entries from `index.size` to `committed` into `index` (streamed). */
export async function scanPublished(store: LedgerStore, index: PublishedIndex, committed: number): Promise<PublishedIndex> {
  if (committed < index.size) {
    // The ledger shrank (restored from a backup): start over.
    index.size = 0;
    index.activity = 0;
    index.firstActive.clear();
    index.published.clear();
  }
  for await (const { seq, entry } of readEntries(store, index.size)) {
    if (seq >= committed) break;
    if (entry.kind !== REPORT_PUBLISHED_KIND) index.activity = seq + 1;
    const body = entry.body as Readonly<Record<string, unknown>>;
    const repository = typeof body.repository === 'string' ? body.repository : null;
    if (repository === null) continue;
    if (entry.kind === 'change.analyzed' || entry.kind === ANALYSIS_FAILED_KIND) {
      const week = isoWeekOf(entry.time);
      const first = index.firstActive.get(repository);
      if (first === undefined || weekStart(week) < weekStart(first)) index.firstActive.set(repository, week);
    } else if (entry.kind === REPORT_PUBLISHED_KIND) {
      const b = body as unknown as ReportPublishedBody;
      const weeks = index.published.get(repository) ?? new Map<string, PublishedReport>();
      index.published.set(repository, weeks);
      weeks.set(b.week, { content: contentOfJob(b.job), digest: b.digest, issue: b.issue, seq });
    }
  }
  index.size = Math.max(index.size, committed);
  return index;
}

/** The newest week published for `repository`, or null. */
export function lastPublishedWeek(index: PublishedIndex, repository: string): string | null {
  const weeks = [...(index.published.get(repository)?.keys() ?? [])];
  if (weeks.length === 0) return null;
  return weeks.reduce((a, b) => (weekStart(a) >= weekStart(b) ? a : b));
}

export interface RenderedWeeklyReport {
  readonly model: ReportModel;
  readonly markdown: string;
  /**
   * `sha256:` of the markdown rendered with what changes at every build blanked out (the
   * generation time; each ledger's current size, root and last entry time, which grow with
   * every later append, this report's own `report.published` included). Equal content, equal key:
   * the schedule republishes only when a figure of the week changed.
   */
  readonly content: string;
}

export interface RenderWeeklyReportOptions {
  readonly repository: string;
  readonly week: string;
  readonly clock: Clock;
  readonly dashboardUrl?: string;
  readonly sensitivePaths?: SensitivePaths;
  /** Characters the markdown may take (the issue limit minus the marker line). */
  readonly maxChars: number;
  /** The repository's policy: with it, the report lists its operating points (calibrated from this ledger when it verified). */
  readonly policy?: Policy;
}

/** The week's report of one repository from the installation's ledger; null when nothing happened in the repository that week. */
export async function renderWeeklyReport(source: ReportSource, o: RenderWeeklyReportOptions): Promise<RenderedWeeklyReport | null> {
  const { since, until } = weekRange(o.week);
  const built = await buildReport([source], {
    since, until, clock: o.clock, repositories: [o.repository],
    ...(o.sensitivePaths === undefined ? {} : { sensitivePaths: o.sensitivePaths }),
  });
  const failed = built.provenance.gaps.some((g) => g.kind === 'analysis-failed' && g.repository === o.repository);
  if (built.totals.analyses === 0 && !failed) return null;
  const points = o.policy === undefined || built.provenance.ledgers[0]?.verified !== true ? [] : await operatingPointsFor([source.store], o.policy, [o.repository], { shippedOnly: true });
  const model: ReportModel = points.length === 0 ? built : { ...built, operatingPoints: points };
  const options = { maxChars: o.maxChars, ...(o.dashboardUrl === undefined ? {} : { dashboardUrl: o.dashboardUrl }) };
  const markdown = renderReportMarkdown(model, options);
  // The content key leaves out the operating points: they describe the ledger as it is now, not
  // the week, so a later analysis must not republish an earlier week's issue.
  const { operatingPoints: _current, ...week } = model;
  const stable: ReportModel = {
    ...week,
    generatedAt: '',
    provenance: { ...model.provenance, ledgers: model.provenance.ledgers.map((l) => ({ ...l, size: 0, root: null, lastEntry: null })) },
  };
  return { model, markdown, content: sha256Text(renderReportMarkdown(stable, options)) };
}

export interface WeeklyReportLedger {
  /** The newest publication of (repository, week) in the committed ledger, if any. */
  published(repository: string, week: string): Promise<PublishedReport | undefined>;
  appendOnce(key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null>;
}

export interface WeeklyReportPorts {
  readonly render: (repository: string, week: string) => Promise<RenderedWeeklyReport | null>;
  /** Finds or creates or updates the week's issue with the markdown; returns its number and the digest of the body as published. */
  readonly publish: (repository: string, week: string, markdown: string) => Promise<{ readonly issue: number; readonly action: 'created' | 'updated' | 'unchanged'; readonly digest: string }>;
  readonly ledger: WeeklyReportLedger;
}

export type WeeklyReportOutcome =
  | { readonly status: 'no-activity' }
  | { readonly status: 'unchanged'; readonly issue: number | null; readonly content: string }
  | { readonly status: 'published'; readonly issue: number; readonly action: 'created' | 'updated' | 'unchanged'; readonly digest: string; readonly content: string; readonly appended: boolean };

/**
 * Publishes the week's report unless the ledger says this content is already published. Call
 * under the installation's weekly-report turn (one publisher per installation at a time).
 */
export async function publishWeeklyReport(ports: WeeklyReportPorts, req: { readonly installationId: number; readonly repository: string; readonly week: string }): Promise<WeeklyReportOutcome> {
  const rendered = await ports.render(req.repository, req.week);
  if (rendered === null) return { status: 'no-activity' };
  const before = await ports.ledger.published(req.repository, req.week);
  if (before?.content === rendered.content) return { status: 'unchanged', issue: before.issue, content: rendered.content };
  const { issue, action, digest } = await ports.publish(req.repository, req.week, rendered.markdown);
  const key = `${weeklyReportJobKey(req.installationId, req.repository, req.week)}@${rendered.content}`;
  const entry: ReportPublishedBody = { schema: REPORT_PUBLISHED_SCHEMA, repository: req.repository, week: req.week, destination: 'issue', issue, digest, job: key };
  const appended = await ports.ledger.appendOnce(key, [{ kind: REPORT_PUBLISHED_KIND, policy: APP_POLICY, body: entry }]);
  return { status: 'published', issue, action, digest, content: rendered.content, appended: appended !== null };
}

/** Idempotency key of the `analysis.failed` entry of a pull request's head. */
export function analysisFailedKey(installationId: number, repository: string, pullRequest: number, head: string | null): string {
  return `analysis-failed:${installationId}/${repository}#${pullRequest}@${head ?? 'unknown'}`;
}

/** The `analysis.failed` entry of an analysis that failed for good. */
export function analysisFailedDraft(f: { readonly repository: string; readonly pullRequest: number | null; readonly head: string | null; readonly key: string; readonly attempts: number; readonly error: string }): EntryDraft {
  const body: AnalysisFailedBody = {
    schema: ANALYSIS_FAILED_SCHEMA, repository: f.repository, pullRequest: f.pullRequest, head: f.head, job: f.key, attempts: f.attempts,
    error: truncate(visibleText(f.error), ANALYSIS_FAILED_ERROR_MAX),
  };
  return { kind: ANALYSIS_FAILED_KIND, policy: APP_POLICY, body };
}
