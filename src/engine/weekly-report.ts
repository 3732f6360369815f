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
import { ConfigError } from '../core/errors.js';
import type { PolicySource } from '../core/ports.js';
import { parsePolicy } from '../config/policy.js';
import { ANALYSIS_FAILED_ERROR_MAX, ANALYSIS_FAILED_KIND, ANALYSIS_FAILED_SCHEMA, type AnalysisFailedBody } from '../ledger/kinds/analysis-failed.js';
import { REPORT_PUBLISHED_KIND, REPORT_PUBLISHED_SCHEMA, type ReportPublishedBody } from '../ledger/kinds/report-published.js';
import type { AppendResult, EntryDraft } from '../ledger/log.js';
import { readEntries } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';
import { truncate, visibleText } from '../report/escape.js';

/** Policy version of the App's own entries that belong to no analysis (engine/outcome.ts APP_POLICY). */
const APP_POLICY = 'app';

/** Weeks a schedule catches up after downtime, the last complete week included. */
export const WEEKLY_REPORT_CATCH_UP_WEEKS = 8;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const WEEK_LABEL = /^(\d{4})-W(\d{2})$/;

/** ISO 8601 week label (`2026-W49`) of an instant (UTC). */
export function isoWeekOf(ms: number): string {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7;
  const thursday = new Date(midnight + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Epoch ms of the Monday 00:00 UTC that starts `week`. */
export function weekStart(week: string): number {
  const m = WEEK_LABEL.exec(week);
  if (m === null) throw new ConfigError('CONFIG_INVALID', `${JSON.stringify(week)} is not an ISO week label`, { hint: 'use the form 2026-W49' });
  const year = Number(m[1]);
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const start = monday1 + (Number(m[2]) - 1) * WEEK_MS;
  if (Number(m[2]) < 1 || isoWeekOf(start) !== week) throw new ConfigError('CONFIG_INVALID', `${week} does not exist`, { hint: `${year} has ${isoWeekOf(Date.UTC(year, 11, 28)).slice(6)} weeks` });
  return start;
}

/** The week `offset` weeks after `week` (negative: before). */
export function shiftWeek(week: string, offset: number): string {
  return isoWeekOf(weekStart(week) + offset * WEEK_MS);
}

/** The newest week that ended at or before `now`. */
export function lastCompleteWeek(now: number): string {
  return shiftWeek(isoWeekOf(now), -1);
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
  let at = Math.max(...candidates);
  const out: string[] = [];
  for (; at <= weekStart(last); at += WEEK_MS) out.push(isoWeekOf(at));
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

/** Where the repository's policy sends the weekly report: its own file, else the organization's, else nowhere. */
export async function reportDestination(source: PolicySource): Promise<{ readonly destination: 'issue' | 'none'; readonly source: string }> {
  const own = await source.atBase();
  const found = own.found ? own : source.organization === undefined ? own : await source.organization();
  if (!found.found) return { destination: 'none', source: 'defaults (no config file)' };
  return { destination: parsePolicy(found.text, { source: found.source }).report.destination, source: found.source };
}

/** What the ledger says about one installation's repositories (weekly report scheduling). */
export interface PublishedIndex {
  /** Entries covered (the next scan starts here). */
  size: number;
  /** First week with an analysis, per repository. */
  readonly firstActive: Map<string, string>;
  /** Newest published digest and issue per repository and week. */
  readonly published: Map<string, Map<string, { readonly digest: string; readonly issue: number | null; readonly seq: number }>>;
}

export function emptyPublishedIndex(): PublishedIndex {
  return { size: 0, firstActive: new Map(), published: new Map() };
}

/** Reads the entries from `index.size` on into `index` (streamed; committed entries only). */
export async function scanPublished(store: LedgerStore, index: PublishedIndex, committed: number): Promise<PublishedIndex> {
  for await (const { seq, entry } of readEntries(store, index.size)) {
    if (seq >= committed) break;
    const body = entry.body as Readonly<Record<string, unknown>>;
    const repository = typeof body.repository === 'string' ? body.repository : null;
    if (repository === null) continue;
    if (entry.kind === 'change.analyzed' || entry.kind === ANALYSIS_FAILED_KIND) {
      const week = isoWeekOf(Date.parse(entry.time));
      const first = index.firstActive.get(repository);
      if (first === undefined || weekStart(week) < weekStart(first)) index.firstActive.set(repository, week);
    } else if (entry.kind === REPORT_PUBLISHED_KIND) {
      const b = body as unknown as ReportPublishedBody;
      const weeks = index.published.get(repository) ?? new Map<string, { readonly digest: string; readonly issue: number | null; readonly seq: number }>();
      index.published.set(repository, weeks);
      weeks.set(b.week, { digest: b.digest, issue: b.issue, seq });
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

export interface WeeklyReportLedger {
  /** The newest `report.published` of (repository, week) in the committed ledger, if any. */
  published(repository: string, week: string): Promise<{ readonly digest: string; readonly issue: number | null } | undefined>;
  appendOnce(key: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null>;
}

export interface WeeklyReportPorts {
  /** The issue body of the week's report (marker and markdown), or null when the week had no activity. */
  readonly render: (repository: string, week: string) => Promise<string | null>;
  /** Finds or creates or updates the week's issue with `body`; returns its number. */
  readonly publish: (repository: string, week: string, body: string) => Promise<{ readonly issue: number; readonly action: 'created' | 'updated' | 'unchanged' }>;
  readonly ledger: WeeklyReportLedger;
}

export type WeeklyReportOutcome =
  | { readonly status: 'no-activity' }
  | { readonly status: 'unchanged'; readonly issue: number | null; readonly digest: string }
  | { readonly status: 'published'; readonly issue: number; readonly action: 'created' | 'updated' | 'unchanged'; readonly digest: string; readonly appended: boolean };

/** Publishes the week's report unless the ledger says this exact text is already published. */
export async function publishWeeklyReport(ports: WeeklyReportPorts, req: { readonly installationId: number; readonly repository: string; readonly week: string }): Promise<WeeklyReportOutcome> {
  const body = await ports.render(req.repository, req.week);
  if (body === null) return { status: 'no-activity' };
  const digest = sha256Text(body);
  const before = await ports.ledger.published(req.repository, req.week);
  if (before?.digest === digest) return { status: 'unchanged', issue: before.issue, digest };
  const { issue, action } = await ports.publish(req.repository, req.week, body);
  const key = `${weeklyReportJobKey(req.installationId, req.repository, req.week)}@${digest}`;
  const entry: ReportPublishedBody = { schema: REPORT_PUBLISHED_SCHEMA, repository: req.repository, week: req.week, destination: 'issue', issue, digest, job: key };
  const appended = await ports.ledger.appendOnce(key, [{ kind: REPORT_PUBLISHED_KIND, policy: APP_POLICY, body: entry }]);
  return { status: 'published', issue, action, digest, appended: appended !== null };
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
