// Publishes one completed check run with its annotations: create with the first batch, then one
// update per further batch (GitHub appends annotations across updates of the same run).
import type { GitHubError } from '../core/errors.js';
import type { CheckConclusion, CheckOutput, CheckSink } from '../core/ports.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf, toGitHubError } from './errors.js';
import {
  CHECK_RUN_ANNOTATION_MESSAGE_MAX_CHARS,
  CHECK_RUN_ANNOTATIONS_PER_REQUEST,
  CHECK_RUN_SUMMARY_MAX_CHARS,
  CHECK_RUN_TITLE_MAX_CHARS,
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
  | { readonly published: true; readonly id: number; readonly url: string; readonly requests: number }
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
  return { published: true, id, url: created.data.html_url ?? '', requests: Math.max(1, batches.length) };
}

export interface CheckSinkOptions {
  readonly owner: string;
  readonly repo: string;
  readonly detailsUrl?: string;
  readonly externalId?: string;
  /** Called after a run is published, with its id (the App adds its "Declare AI use" button when there are findings). */
  readonly onPublished?: (id: number, check: CheckOutput) => Promise<void>;
}

/** The CheckSink port on the checks API: one completed run, annotations in batches of 50. */
export function gitHubCheckSink(client: GitHubClient, o: CheckSinkOptions): CheckSink {
  return {
    publish: async (check) => {
      const run = await publishCheckRun(client, {
        owner: o.owner, repo: o.repo, headSha: check.headSha, name: check.name, conclusion: check.conclusion, title: check.title, summary: check.summary,
        annotations: check.annotations.map((a) => ({ ...a })),
        ...(o.detailsUrl === undefined ? {} : { detailsUrl: o.detailsUrl }),
        ...(o.externalId === undefined ? {} : { externalId: o.externalId }),
      });
      if (!run.published) return { published: false, why: run.error.message };
      if (o.onPublished !== undefined) await o.onPublished(run.id, check);
      return { published: true, url: run.url, requests: run.requests };
    },
  };
}
