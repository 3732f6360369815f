// The weekly attestation-gap report as one GitHub issue per (repository, ISO week), used by the
// App's schedule and by the Action: found, created or updated, never duplicated.
//
// Finding the issue does not use the search API (its index is eventually consistent: an issue
// created a moment ago may not be found, which is exactly when a second replica looks). It lists
// the repository's issues carrying the report label (issues API, `state: all`, newest first,
// paginated; a plain list is read from the database, so an issue created before the request is
// in it) and matches the hidden marker line in the body. Only issues opened by a bot account
// count: a person who pastes the marker into an issue of their own does not take the report over.
//
// Two writers that list at the same moment can still both create (two App data directories, an
// App and an Action): after creating, the writer lists again, keeps the lowest-numbered issue with
// the marker and closes its own newer copy as a duplicate, so the repository converges on one
// issue whichever writer looks last. Writers sharing one App data directory never get there:
// the App serializes them (app/weekly-report.ts, docs/app.md "Weekly report").
import { createHash } from 'node:crypto';
import { GitHubError, UsageError } from '../core/errors.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';

/** The label every weekly report issue carries (created when missing). */
export const REPORT_LABEL = 'trailmark-report';
const REPORT_LABEL_COLOR = '5319e7';
const REPORT_LABEL_DESCRIPTION = 'trailmark weekly attestation-gap report';

/** GitHub: an issue body is at most 65,536 characters (REST: issues, "Create an issue"; 422 beyond). */
export const ISSUE_BODY_MAX_CHARS = 65_536;

/** Labelled issues read when looking for the report's issue (100 per page). */
export const MAX_LISTED_ISSUES = 5_000;

const WEEK_PATTERN = /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/;
/** GitHub owner and repository names: letters, digits, `-`, `_`, `.` (so the marker cannot be forged by a name). */
const REPOSITORY_PATTERN = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;

export interface ReportIssueTarget {
  readonly owner: string;
  readonly repo: string;
  /** ISO 8601 week label, `2026-W49`. */
  readonly week: string;
}

function checkTarget(t: ReportIssueTarget): string {
  const repository = `${t.owner}/${t.repo}`;
  if (!REPOSITORY_PATTERN.test(repository)) throw new UsageError('USAGE', `${JSON.stringify(repository)} is not a GitHub repository name`, { hint: 'pass OWNER/NAME' });
  if (!WEEK_PATTERN.test(t.week)) throw new UsageError('USAGE', `${JSON.stringify(t.week)} is not an ISO week label`, { hint: 'use the form 2026-W49' });
  return repository;
}

export function reportIssueTitle(week: string): string {
  return `trailmark: attestation-gap report ${week}`;
}

/** The hidden first line that identifies the report's issue. */
export function reportIssueMarker(t: ReportIssueTarget): string {
  return `<!-- trailmark:weekly-report repo=${checkTarget(t)} week=${t.week} -->`;
}

/** `sha256:<hex>` of the UTF-8 text (the `digest` of `report.published`). */
export function textDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The issue body: the marker, then the report's markdown, cut to GitHub's limit at a line break
 * when it is longer (an open code fence, such as a Mermaid chart, is closed so the rest renders).
 * `more` is said where the text was cut (the dashboard link).
 */
export function reportIssueBody(t: ReportIssueTarget, markdown: string, more: string): string {
  const head = `${reportIssueMarker(t)}\n`;
  const whole = head + markdown;
  // UTF-16 code units >= characters, so a body within the limit in code units is within GitHub's.
  if (whole.length <= ISSUE_BODY_MAX_CHARS) return whole;
  const note = `\n\n_The report was cut to GitHub's ${ISSUE_BODY_MAX_CHARS.toLocaleString('en-US')}-character issue limit. ${more}_\n`;
  const budget = ISSUE_BODY_MAX_CHARS - head.length - note.length - 8;
  let end = markdown.lastIndexOf('\n', budget);
  if (end <= 0) end = budget;
  const code = markdown.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  const kept = markdown.slice(0, end);
  let open: string | undefined;
  for (const line of kept.split('\n')) {
    const fence = FENCE.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === undefined) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = undefined;
  }
  return `${head}${kept}${open === undefined ? '' : `\n${open}`}${note}`;
}

export interface FoundReportIssue {
  readonly number: number;
  readonly state: 'open' | 'closed';
  readonly title: string;
  readonly body: string;
}

interface ListedIssue {
  readonly number: number;
  readonly state: string;
  readonly title: string;
  readonly body?: string | null;
  readonly pull_request?: unknown;
  readonly user?: { readonly type?: string } | null;
}

/**
 * Every issue of the repository carrying the report label, opened by a bot, whose body starts
 * with the marker of `t`, lowest number first.
 */
export async function findReportIssues(client: GitHubClient, t: ReportIssueTarget): Promise<FoundReportIssue[]> {
  return (await listReportIssues(client, t)).found;
}

/** findReportIssues, and how many issues carry the label at all (then the label exists). */
async function listReportIssues(client: GitHubClient, t: ReportIssueTarget): Promise<{ readonly found: FoundReportIssue[]; readonly labelled: number }> {
  const marker = reportIssueMarker(t);
  const found: FoundReportIssue[] = [];
  let listed = 0;
  for await (const page of client.paginate.iterator(client.rest.issues.listForRepo, {
    owner: t.owner, repo: t.repo, labels: REPORT_LABEL, state: 'all', sort: 'created', direction: 'desc', per_page: 100,
  })) {
    for (const issue of page.data as readonly ListedIssue[]) {
      if (issue.pull_request !== undefined && issue.pull_request !== null) continue;
      if (issue.user?.type !== 'Bot') continue;
      const body = issue.body ?? '';
      if (body !== marker && !body.startsWith(`${marker}\n`)) continue;
      found.push({ number: issue.number, state: issue.state === 'closed' ? 'closed' : 'open', title: issue.title, body });
    }
    listed += page.data.length;
    // Weekly issues accumulate ~52 a year per repository; a bound keeps a pathological
    // repository from costing unbounded requests (the newest are read first).
    if (listed >= MAX_LISTED_ISSUES) break;
  }
  return { found: found.sort((a, b) => a.number - b.number), labelled: listed };
}

/**
 * Creates the label unless it exists. GitHub answers 422 when it already exists. Any other
 * refusal is not fatal: GitHub creates a label named on a new issue, with default colors.
 */
export async function ensureReportLabel(client: GitHubClient, owner: string, repo: string, log: (line: string) => void): Promise<void> {
  try {
    await client.rest.issues.createLabel({ owner, repo, name: REPORT_LABEL, color: REPORT_LABEL_COLOR, description: REPORT_LABEL_DESCRIPTION });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 422) return;
    if (status === undefined || (status >= 500 && status !== 501)) throw err;
    log(`${owner}/${repo}: label ${REPORT_LABEL} could not be created (HTTP ${status}); the issue names it and GitHub creates it with default colors`);
  }
}

export interface UpsertReportIssueOptions extends ReportIssueTarget {
  /** The full issue body (reportIssueBody). */
  readonly body: string;
  readonly log?: (line: string) => void;
}

export interface UpsertReportIssueResult {
  readonly issue: number;
  /** `unchanged`: the issue already had this body and title (no write). */
  readonly action: 'created' | 'updated' | 'unchanged';
  /** textDigest of the body now on the issue. */
  readonly digest: string;
  /** Newer copies closed as duplicates of `issue` (a concurrent writer created one too). */
  readonly closedDuplicates: readonly number[];
}

function permissionError(err: unknown, t: ReportIssueTarget): unknown {
  const status = httpStatusOf(err);
  if (status === 403) return new GitHubError('GITHUB_FORBIDDEN', `writing the weekly report issue of ${t.owner}/${t.repo} was refused (HTTP 403)`, { cause: err, hint: 'the App (or the workflow token) needs the `issues: write` permission' });
  if (status === 410) return new GitHubError('GITHUB_FORBIDDEN', `issues are disabled in ${t.owner}/${t.repo} (HTTP 410)`, { cause: err, hint: 'enable issues in the repository settings, or set `report: {destination: none}`' });
  return err;
}

/** Finds the issue of `(repository, week)` and sets its body, or creates it. */
export async function upsertReportIssue(client: GitHubClient, o: UpsertReportIssueOptions): Promise<UpsertReportIssueResult> {
  const log = o.log ?? (() => undefined);
  const title = reportIssueTitle(o.week);
  const marker = reportIssueMarker(o);
  if (!o.body.startsWith(`${marker}\n`) && o.body !== marker) throw new UsageError('USAGE', 'the report issue body does not start with its marker', { hint: 'build it with reportIssueBody' });
  if (o.body.length > ISSUE_BODY_MAX_CHARS) throw new UsageError('USAGE', `the report issue body is ${o.body.length} characters, over GitHub's ${ISSUE_BODY_MAX_CHARS}`, { hint: 'build it with reportIssueBody' });
  const digest = textDigest(o.body);
  try {
    const { found: existing, labelled } = await listReportIssues(client, o);
    const keep = existing[0];
    if (keep !== undefined) {
      if (textDigest(keep.body) === digest && keep.title === title) return { issue: keep.number, action: 'unchanged', digest, closedDuplicates: [] };
      await client.rest.issues.update({ owner: o.owner, repo: o.repo, issue_number: keep.number, title, body: o.body });
      return { issue: keep.number, action: 'updated', digest, closedDuplicates: [] };
    }
    // An issue carrying the label proves it exists: no request.
    if (labelled === 0) await ensureReportLabel(client, o.owner, o.repo, log);
    const created = (await client.rest.issues.create({ owner: o.owner, repo: o.repo, title, body: o.body, labels: [REPORT_LABEL] })).data.number;
    // A concurrent writer (another data directory, the Action) may have created one too: the
    // lowest number wins, on both sides, so exactly one stays open.
    const after = await findReportIssues(client, o);
    const winner = after[0]?.number ?? created;
    if (winner === created) return { issue: created, action: 'created', digest, closedDuplicates: [] };
    await client.rest.issues.update({
      owner: o.owner, repo: o.repo, issue_number: created, state: 'closed', state_reason: 'not_planned',
      body: `${marker.replace('trailmark:weekly-report', 'trailmark:weekly-report-duplicate')}\nDuplicate of #${winner}.\n`,
    });
    log(`${o.owner}/${o.repo}: weekly report ${o.week} was created concurrently as #${winner}; closed the copy #${created}`);
    if (textDigest(after[0]!.body) !== digest) await client.rest.issues.update({ owner: o.owner, repo: o.repo, issue_number: winner, title, body: o.body });
    return { issue: winner, action: 'updated', digest, closedDuplicates: [created] };
  } catch (err) {
    throw permissionError(err, o);
  }
}
