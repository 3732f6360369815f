// Posts a comment on a pull request (issues API; the App needs `issues: write`).
import type { GitHubClient } from './client.js';

/** GitHub: an issue comment body is at most 65,536 characters (REST: issues, comments). */
export const ISSUE_COMMENT_MAX_CHARS = 65_536;

export async function commentOnPullRequest(client: GitHubClient, owner: string, repo: string, number: number, body: string): Promise<void> {
  await client.rest.issues.createComment({ owner, repo, issue_number: number, body: body.slice(0, ISSUE_COMMENT_MAX_CHARS) });
}
