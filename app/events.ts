// Webhook deliveries -> jobs. Payloads reach here after their signature matched (webhook-route.ts
// or Probot's middleware); they are GitHub's, but the strings in them (comment bodies, branch
// names, logins) are written by users: only ids, SHAs and logins are copied into jobs.
import type { Context } from 'probot';
import type { Job } from './job.js';
import { ATTEST_ACTION, ATTEST_ACTION_DECLARATION, CHECK_NAME } from './worker.js';

const ANALYZED_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

type Payload<E extends 'pull_request' | 'pull_request_review' | 'check_run' | 'check_suite' | 'issue_comment' | 'installation'> = Context<E>['payload'];

/** Webhook payload fields read for every job; present on every event of an installed App. */
interface RepoPayload {
  readonly installation?: { readonly id: number };
  readonly repository?: { readonly name: string; readonly owner: { readonly login: string } };
}

function pullRef(payload: RepoPayload, number: number) {
  if (payload.installation === undefined || payload.repository === undefined) return undefined;
  return { installationId: payload.installation.id, owner: payload.repository.owner.login, repo: payload.repository.name, number };
}

export interface InstallationHooks {
  readonly installationCreated: (id: number) => Promise<void>;
  readonly installationDeleted: (id: number) => Promise<void>;
}

/** `accept(deliveryId, job)` queues the job of a delivery (idempotently by delivery id). */
export type Accept = (deliveryId: string, job: Job | undefined) => Promise<void>;

/**
 * The dispatcher for a verified delivery: resolves once its job (if any) is durably queued;
 * events and actions the App does not handle resolve at once.
 */
export function webhookDispatch(accept: Accept, hooks: InstallationHooks): (name: string, id: string, payload: unknown) => Promise<void> {
  return async (name, id, raw) => {
    switch (name) {
      case 'pull_request': {
        const payload = raw as Payload<'pull_request'>;
        const ref = pullRef(payload, payload.pull_request.number);
        if (ref === undefined) return;
        if (ANALYZED_ACTIONS.has(payload.action)) {
          if (payload.pull_request.draft === true) return;
          return accept(id, { kind: 'analyze', ...ref, head: payload.pull_request.head.sha });
        }
        if (payload.action === 'closed' && payload.pull_request.merged === true) {
          return accept(id, { kind: 'merged', ...ref, head: payload.pull_request.head.sha, mergeCommit: payload.pull_request.merge_commit_sha ?? null, mergedBy: payload.pull_request.merged_by?.login ?? '' });
        }
        return;
      }
      case 'pull_request_review': {
        const payload = raw as Payload<'pull_request_review'>;
        if (payload.action !== 'submitted' || payload.review.state.toLowerCase() !== 'approved' || payload.review.commit_id === null) return;
        const ref = pullRef(payload, payload.pull_request.number);
        if (ref === undefined) return;
        return accept(id, { kind: 'review-approved', ...ref, review: payload.review.id, head: payload.review.commit_id, reviewer: payload.review.user?.login ?? '' });
      }
      case 'check_run': {
        const payload = raw as Payload<'check_run'>;
        if (payload.check_run.name !== CHECK_NAME) return;
        if (payload.action === 'rerequested') {
          for (const pr of payload.check_run.pull_requests) {
            const ref = pullRef(payload, pr.number);
            if (ref !== undefined) await accept(`${id}#${pr.number}`, { kind: 'analyze', ...ref, head: payload.check_run.head_sha, rerun: id });
          }
        } else if (payload.action === 'requested_action' && payload.requested_action?.identifier === ATTEST_ACTION.identifier) {
          for (const pr of payload.check_run.pull_requests) {
            const ref = pullRef(payload, pr.number);
            // The button declares what the user saw: the check run's head.
            if (ref !== undefined) await accept(`${id}#${pr.number}`, { kind: 'command', ...ref, user: payload.sender.login, body: `/trailmark attest ${ATTEST_ACTION_DECLARATION}`, head: payload.check_run.head_sha });
          }
        }
        return;
      }
      // "Re-run all checks": the suite is this App's (GitHub sends rerequested only to the suite's
      // App). Each pull request of the suite is re-analyzed at its newest head, like a recheck.
      case 'check_suite': {
        const payload = raw as Payload<'check_suite'>;
        if (payload.action !== 'rerequested') return;
        for (const pr of payload.check_suite.pull_requests) {
          const ref = pullRef(payload, pr.number);
          if (ref !== undefined) await accept(`${id}#${pr.number}`, { kind: 'analyze', ...ref, head: payload.check_suite.head_sha, rerun: id });
        }
        return;
      }
      case 'issue_comment': {
        const payload = raw as Payload<'issue_comment'>;
        if (payload.action !== 'created' || payload.issue.pull_request === undefined || !payload.comment.body.includes('/trailmark')) return;
        if (payload.comment.user?.type === 'Bot') return;
        const ref = pullRef(payload, payload.issue.number);
        if (ref === undefined) return;
        return accept(id, { kind: 'command', ...ref, user: payload.comment.user?.login ?? '', body: payload.comment.body });
      }
      case 'installation': {
        const payload = raw as Payload<'installation'>;
        if (payload.action === 'created') return hooks.installationCreated(payload.installation.id);
        if (payload.action === 'deleted') return hooks.installationDeleted(payload.installation.id);
        return;
      }
      default:
        return;
    }
  };
}
