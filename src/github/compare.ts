// The diff files of base...head through the compare API, for a head that is no longer the pull
// request's (the pulls files endpoint lists only the current head). REST: commits, "Compare two
// commits": one request; GitHub lists at most 300 files in a comparison.
import type { GitHubClient } from './client.js';
import { listPullRequestFiles, type PullFile } from './pull-request.js';

/** The files of `base...head` (at most 300, as GitHub gives them; attacker-controlled contents). */
export async function compareFiles(client: GitHubClient, owner: string, repo: string, base: string, head: string): Promise<PullFile[]> {
  const res = await client.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}` });
  return (res.data.files ?? []).map((f) => ({
    filename: f.filename, status: f.status, sha: f.sha ?? null,
    ...(f.previous_filename === undefined ? {} : { previous_filename: f.previous_filename }),
    ...(f.patch === undefined ? {} : { patch: f.patch }),
  }));
}

/**
 * The diff base...`head` of a pull request: its files listing while `head` is still its head,
 * else (pushed to since) the compare of the same base with `head`.
 */
export async function pullDiffFilesAt(client: GitHubClient, owner: string, repo: string, pr: { readonly number: number; readonly base: string; readonly head: string }, head: string): Promise<PullFile[]> {
  if (pr.head === head) return (await listPullRequestFiles(client, owner, repo, pr.number)).files;
  return compareFiles(client, owner, repo, pr.base, head);
}
