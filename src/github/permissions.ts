// Whether a user may make declarations on a repository: write access or more, as GitHub's
// collaborator permission API reports it (REST: collaborators, "Get repository permissions
// for a user": `permission` is admin, write, read or none; maintain and triage map to write
// and read).
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';

export type RepositoryPermission = 'admin' | 'write' | 'read' | 'none';

export async function repositoryPermission(client: GitHubClient, owner: string, repo: string, username: string): Promise<RepositoryPermission> {
  try {
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    const p = data.permission;
    return p === 'admin' || p === 'write' || p === 'read' ? p : 'none';
  } catch (err) {
    // 404: not a collaborator (or no such user).
    if (httpStatusOf(err) === 404) return 'none';
    throw err;
  }
}

export function canWrite(p: RepositoryPermission): boolean {
  return p === 'admin' || p === 'write';
}
