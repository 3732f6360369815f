// Team membership and repository roles for the App's audited access (engine/access.ts).
// REST: "Get team membership for a user" (`GET /orgs/{org}/teams/{team_slug}/memberships/{username}`):
// 200 with `state` `active` or `pending` (an invitation not yet accepted), 404 when the user is not
// a member (or the team does not exist, or the App cannot see it: the App needs the organization
// permission `members: read`). "Get repository permissions for a user": `role_name` is the role
// itself (admin, maintain, write, triage, read, or a custom role's name).
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';

/** `org/slug` of a team, parsed from settings. */
export interface TeamName {
  readonly org: string;
  readonly slug: string;
}

/** True only for an `active` membership; a pending invitation is not membership yet. */
export async function isActiveTeamMember(client: GitHubClient, team: TeamName, username: string): Promise<boolean> {
  try {
    const { data } = await client.rest.teams.getMembershipForUserInOrg({ org: team.org, team_slug: team.slug, username });
    return data.state === 'active';
  } catch (err) {
    if (httpStatusOf(err) === 404) return false;
    throw err;
  }
}

/** The user's `role_name` on the repository; `none` when GitHub answers 404 (no such user). */
export async function repositoryRoleName(client: GitHubClient, owner: string, repo: string, username: string): Promise<string> {
  try {
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return data.role_name;
  } catch (err) {
    if (httpStatusOf(err) === 404) return 'none';
    throw err;
  }
}
