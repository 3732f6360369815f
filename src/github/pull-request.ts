// The pull request itself and its file list (for approval digests), over the REST API.
import type { GitHubClient } from './client.js';
import { PULL_REQUEST_FILES_LIMIT, REST_PER_PAGE_MAX } from './limits.js';

/** The fields the App uses. Strings are attacker-controlled. */
export interface PullRequestState {
  readonly number: number;
  readonly state: 'open' | 'closed';
  readonly draft: boolean;
  readonly merged: boolean;
  readonly base: string;
  readonly head: string;
  readonly headBranch: string;
  readonly fork: boolean;
  readonly author: string | null;
  readonly body: string;
  readonly commits: number;
  readonly changedFiles: number;
}

export async function getPullRequest(client: GitHubClient, owner: string, repo: string, number: number): Promise<PullRequestState> {
  const { data } = await client.rest.pulls.get({ owner, repo, pull_number: number });
  return {
    number: data.number,
    state: data.state === 'closed' ? 'closed' : 'open',
    draft: data.draft === true,
    merged: data.merged,
    base: data.base.sha,
    head: data.head.sha,
    headBranch: data.head.ref,
    fork: data.head.repo === null || data.head.repo.full_name !== data.base.repo.full_name,
    author: data.user?.login ?? null,
    body: data.body ?? '',
    commits: data.commits,
    changedFiles: data.changed_files,
  };
}

export interface PullFile {
  readonly filename: string;
  readonly previous_filename?: string;
  readonly status: string;
  readonly patch?: string;
  readonly sha: string | null;
}

/** Every listed file of the pull request (GitHub lists at most 3,000), 100 per request. */
export async function listPullRequestFiles(client: GitHubClient, owner: string, repo: string, number: number): Promise<{ files: PullFile[]; capped: boolean }> {
  const files: PullFile[] = [];
  for await (const page of client.paginate.iterator(client.rest.pulls.listFiles, { owner, repo, pull_number: number, per_page: REST_PER_PAGE_MAX })) {
    for (const f of page.data) files.push({ filename: f.filename, status: f.status, sha: f.sha ?? null, ...(f.previous_filename === undefined ? {} : { previous_filename: f.previous_filename }), ...(f.patch === undefined ? {} : { patch: f.patch }) });
    if (files.length >= PULL_REQUEST_FILES_LIMIT) break;
  }
  return { files, capped: files.length >= PULL_REQUEST_FILES_LIMIT };
}
