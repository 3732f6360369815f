// Buttons on a completed check run ("requested actions"): GitHub sends `check_run`
// `requested_action` with the button's identifier when a user clicks one.
import type { GitHubClient } from './client.js';

/**
 * REST: checks/runs, `actions[]`: at most 3 actions; `label` at most 20 characters,
 * `identifier` at most 20, `description` at most 40.
 */
export const CHECK_RUN_ACTIONS_MAX = 3;
export const CHECK_RUN_ACTION_LABEL_MAX_CHARS = 20;
export const CHECK_RUN_ACTION_IDENTIFIER_MAX_CHARS = 20;
export const CHECK_RUN_ACTION_DESCRIPTION_MAX_CHARS = 40;

export interface CheckRunAction {
  readonly label: string;
  readonly identifier: string;
  readonly description: string;
}

export async function setCheckRunActions(client: GitHubClient, owner: string, repo: string, checkRunId: number, actions: readonly CheckRunAction[]): Promise<void> {
  await client.rest.checks.update({
    owner, repo, check_run_id: checkRunId,
    actions: actions.slice(0, CHECK_RUN_ACTIONS_MAX).map((a) => ({
      label: a.label.slice(0, CHECK_RUN_ACTION_LABEL_MAX_CHARS),
      identifier: a.identifier.slice(0, CHECK_RUN_ACTION_IDENTIFIER_MAX_CHARS),
      description: a.description.slice(0, CHECK_RUN_ACTION_DESCRIPTION_MAX_CHARS),
    })),
  });
}
