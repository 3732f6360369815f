// A commit's parents through the git database API (REST: git, "Get a commit object"): one request.
import type { GitHubClient } from './client.js';

/** The parent commit ids of `sha`, in order (two or more: a merge commit). */
export async function commitParents(client: GitHubClient, owner: string, repo: string, sha: string): Promise<string[]> {
  const { data } = await client.rest.git.getCommit({ owner, repo, commit_sha: sha });
  return data.parents.map((p) => p.sha);
}
