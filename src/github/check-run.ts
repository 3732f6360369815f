// Publishes one completed check run with its annotations: create with the first batch, then one
// update per further batch (GitHub appends annotations across updates of the same run).
//
// Idempotent when the request carries an `externalId` (checkRunExternalId: the analysis and
// what the run shows): a list first (the head's runs of that name, every page until the run is
// found: one request unless the head has more than 100 runs of the name) finds a run
// published before under the same id (a job run twice: a replica taken for dead, a report
// retried), and that run is completed instead of a second being created: nothing more is sent
// when it is complete, else only what is missing (its status and conclusion, the annotations
// after the ones it has).
import { createHash } from 'node:crypto';
import type { GitHubError } from '../core/errors.js';
import type { CheckAnnotationOutput, CheckConclusion, CheckOutput, CheckSink } from '../core/ports.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf, toGitHubError } from './errors.js';
import {
  CHECK_RUN_ANNOTATION_MESSAGE_MAX_CHARS,
  CHECK_RUN_ANNOTATIONS_PER_REQUEST,
  CHECK_RUN_SUMMARY_MAX_CHARS,
  CHECK_RUN_TITLE_MAX_CHARS,
  REST_PER_PAGE_MAX,
} from './limits.js';
import { truncateText } from './truncate.js';

export type { CheckConclusion } from '../core/ports.js';
export type CheckAnnotationLevel = 'notice' | 'warning' | 'failure';

export interface CheckAnnotation {
  /** Repository-relative path. Attacker-controlled; sent as JSON, never interpreted. */
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly level: CheckAnnotationLevel;
  /** Plain text (annotations do not render markdown). */
  readonly message: string;
  readonly title?: string;
  /** Plain text shown under "Raw details". */
  readonly rawDetails?: string;
}

export interface CheckRunRequest {
  readonly owner: string;
  readonly repo: string;
  /** The pull request head (never the test-merge commit). */
  readonly headSha: string;
  readonly name: string;
  readonly conclusion: CheckConclusion;
  readonly title: string;
  /** Markdown; cut to GitHub's limit with a note when longer. */
  readonly summary: string;
  /** Already ordered most important first: the order GitHub shows them in. */
  readonly annotations: readonly CheckAnnotation[];
  readonly detailsUrl?: string;
  readonly externalId?: string;
}

export type CheckRunPublication =
  /** `existing`: a run with the same external id was found and completed instead of a new one created. */
  | { readonly published: true; readonly id: number; readonly url: string; readonly requests: number; readonly existing?: true }
  /** The token may not write checks (fork pull requests, missing `checks: write`). */
  | { readonly published: false; readonly error: GitHubError };

const SUMMARY_CUT_NOTE = '_Summary cut at GitHub\'s 65,535-character limit; the full report is in the job summary._';

function toRest(a: CheckAnnotation) {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: Math.max(a.startLine, a.endLine),
    annotation_level: a.level,
    message: truncateText(a.message, CHECK_RUN_ANNOTATION_MESSAGE_MAX_CHARS, '…'),
    ...(a.title === undefined ? {} : { title: truncateText(a.title, CHECK_RUN_TITLE_MAX_CHARS, '…') }),
    ...(a.rawDetails === undefined ? {} : { raw_details: truncateText(a.rawDetails, CHECK_RUN_ANNOTATION_MESSAGE_MAX_CHARS, '…') }),
  };
}

/**
 * The external id of a publication: a digest of the analysis (its idempotency key, when known)
 * and of what the run shows but its summary (which says whether this run appended the ledger
 * entry), so a second publication of one analysis finds the first, and a different result on
 * the same head gets a run of its own (annotations cannot be taken back from a run).
 */
export function checkRunExternalId(key: string | undefined, check: Pick<CheckOutput, 'name' | 'headSha' | 'conclusion' | 'title'> & { readonly annotations: readonly CheckAnnotationOutput[] }): string {
  const annotations = check.annotations.map((a) => [a.path, a.startLine, a.endLine, a.level, a.title ?? null, a.message, a.rawDetails ?? null]);
  const digest = createHash('sha256').update(JSON.stringify([key ?? null, check.name, check.headSha, check.conclusion, check.title, annotations])).digest('hex');
  return `trailmark:${digest.slice(0, 40)}`;
}

interface ExistingRun {
  readonly id: number;
  readonly url: string;
  readonly completed: boolean;
  readonly conclusion: string | null;
  readonly annotations: number;
}

/**
 * The head's run of this name carrying `externalId`, and how many list requests finding it took.
 * GitHub filters by name (`check_name`) and keeps every run of it (`filter: all`; `latest` would
 * hide an earlier run behind a newer one of the same name), newest first, 100 a page
 * (REST_PER_PAGE_MAX); the pages are followed by their `Link` header until the run is found, so a
 * head with more than 100 runs of the name (a job re-run many times, many results on one head)
 * never hides the one to complete, and the usual case, a run among the newest 100, costs one
 * request.
 */
async function findRun(client: GitHubClient, run: CheckRunRequest, externalId: string): Promise<{ readonly found?: ExistingRun; readonly requests: number }> {
  let requests = 0;
  const pages = client.paginate.iterator(client.rest.checks.listForRef, { owner: run.owner, repo: run.repo, ref: run.headSha, check_name: run.name, filter: 'all', per_page: REST_PER_PAGE_MAX });
  for await (const { data } of pages) {
    requests++;
    const found = data.find((r) => r.external_id === externalId && r.head_sha === run.headSha);
    if (found !== undefined) {
      return { requests, found: { id: Number(found.id), url: found.html_url ?? '', completed: found.status === 'completed', conclusion: found.conclusion, annotations: found.output.annotations_count } };
    }
  }
  return { requests };
}

export async function publishCheckRun(client: GitHubClient, run: CheckRunRequest): Promise<CheckRunPublication> {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < run.annotations.length; i += CHECK_RUN_ANNOTATIONS_PER_REQUEST) {
    batches.push(run.annotations.slice(i, i + CHECK_RUN_ANNOTATIONS_PER_REQUEST));
  }
  const output = (batch: readonly CheckAnnotation[] | undefined) => ({
    title: truncateText(run.title, CHECK_RUN_TITLE_MAX_CHARS, '…'),
    summary: truncateText(run.summary, CHECK_RUN_SUMMARY_MAX_CHARS, SUMMARY_CUT_NOTE),
    ...(batch === undefined ? {} : { annotations: batch.map(toRest) }),
  });
  let existing: ExistingRun | undefined;
  let listed = 0;
  if (run.externalId !== undefined) {
    try {
      ({ found: existing, requests: listed } = await findRun(client, run, run.externalId));
    } catch (err) {
      const error = toGitHubError(err, 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs');
      if (httpStatusOf(error) === 403) return { published: false, error };
      throw error;
    }
  }
  if (existing !== undefined) {
    // Annotations it already has are not sent again (GitHub would append them a second time).
    const sent = Math.min(existing.annotations, run.annotations.length);
    const missing = run.annotations.slice(sent);
    let requests = listed;
    if (!existing.completed || existing.conclusion !== run.conclusion || missing.length > 0) {
      const rest: CheckAnnotation[][] = [];
      for (let i = 0; i < missing.length; i += CHECK_RUN_ANNOTATIONS_PER_REQUEST) rest.push(missing.slice(i, i + CHECK_RUN_ANNOTATIONS_PER_REQUEST));
      await client.rest.checks.update({
        owner: run.owner, repo: run.repo, check_run_id: existing.id, status: 'completed', conclusion: run.conclusion, output: output(rest[0]),
        ...(run.detailsUrl === undefined ? {} : { details_url: run.detailsUrl }),
      });
      for (const batch of rest.slice(1)) await client.rest.checks.update({ owner: run.owner, repo: run.repo, check_run_id: existing.id, output: output(batch) });
      requests += Math.max(1, rest.length);
    }
    return { published: true, id: existing.id, url: existing.url, requests, existing: true };
  }
  let created;
  try {
    created = await client.rest.checks.create({
      owner: run.owner,
      repo: run.repo,
      name: run.name,
      head_sha: run.headSha,
      status: 'completed',
      conclusion: run.conclusion,
      output: output(batches[0]),
      ...(run.detailsUrl === undefined ? {} : { details_url: run.detailsUrl }),
      ...(run.externalId === undefined ? {} : { external_id: run.externalId }),
    });
  } catch (err) {
    const error = toGitHubError(err, 'POST /repos/{owner}/{repo}/check-runs');
    if (httpStatusOf(error) === 403) return { published: false, error };
    throw error;
  }
  const id = Number(created.data.id);
  for (const batch of batches.slice(1)) {
    await client.rest.checks.update({ owner: run.owner, repo: run.repo, check_run_id: id, output: output(batch) });
  }
  return { published: true, id, url: created.data.html_url ?? '', requests: Math.max(1, batches.length) + listed };
}

export interface CheckSinkOptions {
  readonly owner: string;
  readonly repo: string;
  readonly detailsUrl?: string;
  /**
   * The run's external id, or how to make it from the check (checkRunExternalId): with one, a
   * second publication of the same run completes the first instead of creating another.
   */
  readonly externalId?: string | ((check: CheckOutput) => string | undefined);
  /** Called after a run is published, with its id (the App adds its "Declare AI use" button when there are findings). */
  readonly onPublished?: (id: number, check: CheckOutput) => Promise<void>;
}

/** The CheckSink port on the checks API: one completed run, annotations in batches of 50. */
export function gitHubCheckSink(client: GitHubClient, o: CheckSinkOptions): CheckSink {
  return {
    publish: async (check) => {
      const externalId = typeof o.externalId === 'function' ? o.externalId(check) : o.externalId;
      const run = await publishCheckRun(client, {
        owner: o.owner, repo: o.repo, headSha: check.headSha, name: check.name, conclusion: check.conclusion, title: check.title, summary: check.summary,
        annotations: check.annotations.map((a) => ({ ...a })),
        ...(o.detailsUrl === undefined ? {} : { detailsUrl: o.detailsUrl }),
        ...(externalId === undefined ? {} : { externalId }),
      });
      if (!run.published) return { published: false, why: run.error.message };
      if (o.onPublished !== undefined) await o.onPublished(run.id, check);
      return { published: true, url: run.url, requests: run.requests };
    },
  };
}
