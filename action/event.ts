// What a workflow event asks us to analyze: the revisions, and the commit the results belong to.
// The payload is GitHub's, but its strings (refs, titles, bodies, user names) are attacker-
// controlled on pull requests from forks: only validated object ids and numbers decide what is
// read; the head branch name, body and author are carried as data for evidence (ChangeContext).
import { UsageError } from '../src/core/errors.js';

export type AnalysisTarget =
  | {
      readonly kind: 'pull-request';
      readonly number: number;
      readonly base: string;
      /** `pull_request.head.sha`: results belong here, never to the test-merge `GITHUB_SHA`. */
      readonly head: string;
      readonly commitCount?: number;
      readonly changedFiles?: number;
      /** Head repository differs from the base repository: the token is read-only. */
      readonly fork: boolean;
      /** Attacker-controlled (as are the two below): evidence context only, never a path, ref or command. */
      readonly author?: string;
      readonly headBranch?: string;
      readonly body?: string;
    }
  | {
      readonly kind: 'compare';
      /** An object id, or the default branch name for a push that created a branch. */
      readonly base: string;
      readonly head: string;
      readonly event: 'push' | 'merge_group' | 'workflow_dispatch';
    }
  | { readonly kind: 'skip'; readonly reason: string };

/** Pull request actions that change the code under review or its readiness. */
export const PULL_REQUEST_ACTIONS: readonly string[] = ['opened', 'synchronize', 'reopened', 'ready_for_review'];

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO = /^0+$/;

type Payload = Readonly<Record<string, unknown>>;

function object(v: unknown): Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Payload) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

function objectId(v: unknown, what: string): string {
  const s = str(v);
  if (s === undefined || !OBJECT_ID.test(s)) throw new UsageError('BAD_INPUT', `event payload has no valid ${what} (${JSON.stringify(s ?? null)})`, { hint: 'run trailmark on pull_request, push, merge_group or workflow_dispatch events' });
  return s;
}

/**
 * Whether this run builds the weekly report instead of analyzing a change: `schedule` (unless
 * `mode: analyze`), and `workflow_dispatch` with `mode: report`, or with `mode: auto` when the
 * dispatch names no `base` to analyze (a manual report run).
 */
export function isReportRun(eventName: string, payloadValue: unknown, mode: 'auto' | 'analyze' | 'report'): boolean {
  if (mode === 'analyze') return false;
  if (eventName === 'schedule') return true;
  if (eventName !== 'workflow_dispatch') return false;
  return mode === 'report' || (str(object(object(payloadValue).inputs).base)?.trim() ?? '') === '';
}

/**
 * `dispatchInputs` are the `workflow_dispatch` inputs `base` and `head` (from the payload);
 * `sha` is GITHUB_SHA, the default head for manual runs.
 */
export function targetOfEvent(eventName: string, payloadValue: unknown, sha: string): AnalysisTarget {
  const payload = object(payloadValue);
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const action = str(payload.action) ?? '';
      if (!PULL_REQUEST_ACTIONS.includes(action)) return { kind: 'skip', reason: `pull request action ${JSON.stringify(action)} does not change the code; nothing to analyze` };
      const pr = object(payload.pull_request);
      const number = count(pr.number) ?? count(payload.number);
      if (number === undefined) throw new UsageError('BAD_INPUT', 'pull request event without a number', { hint: 'the event payload is incomplete' });
      const base = object(pr.base);
      const head = object(pr.head);
      const baseRepo = str(object(base.repo).full_name);
      const headRepo = str(object(head.repo).full_name);
      const commitCount = count(pr.commits);
      const changedFiles = count(pr.changed_files);
      const author = str(object(pr.user).login);
      const headBranch = str(head.ref);
      const body = str(pr.body);
      return {
        kind: 'pull-request',
        number,
        base: objectId(base.sha, 'pull_request.base.sha'),
        head: objectId(head.sha, 'pull_request.head.sha'),
        fork: headRepo === undefined || headRepo !== baseRepo,
        ...(commitCount === undefined ? {} : { commitCount }),
        ...(changedFiles === undefined ? {} : { changedFiles }),
        ...(author === undefined ? {} : { author }),
        ...(headBranch === undefined ? {} : { headBranch }),
        ...(body === undefined ? {} : { body }),
      };
    }
    case 'push': {
      const ref = str(payload.ref) ?? '';
      if (!ref.startsWith('refs/heads/')) return { kind: 'skip', reason: 'push of a tag or other ref: nothing to analyze' };
      const after = objectId(payload.after, 'push after');
      if (ZERO.test(after)) return { kind: 'skip', reason: 'push deleted the branch: nothing to analyze' };
      const before = objectId(payload.before, 'push before');
      if (!ZERO.test(before)) return { kind: 'compare', base: before, head: after, event: 'push' };
      const defaultBranch = str(object(payload.repository).default_branch);
      if (defaultBranch === undefined) return { kind: 'skip', reason: 'push created a branch and the repository has no default branch to compare with' };
      return { kind: 'compare', base: defaultBranch, head: after, event: 'push' };
    }
    case 'merge_group': {
      const group = object(payload.merge_group);
      return { kind: 'compare', base: objectId(group.base_sha, 'merge_group.base_sha'), head: objectId(group.head_sha, 'merge_group.head_sha'), event: 'merge_group' };
    }
    case 'workflow_dispatch': {
      const inputs = object(payload.inputs);
      const base = str(inputs.base)?.trim() ?? '';
      if (base === '') throw new UsageError('USAGE', 'workflow_dispatch needs an input named base (a commit id) to analyze', { hint: 'add `inputs: { base: { required: true }, head: {} }` to the workflow_dispatch trigger, or use `mode: auto` to build the weekly report' });
      const head = str(inputs.head)?.trim() || sha;
      return { kind: 'compare', base: objectId(base, 'workflow_dispatch input base'), head: objectId(head, 'workflow_dispatch input head'), event: 'workflow_dispatch' };
    }
    default:
      return { kind: 'skip', reason: `event ${JSON.stringify(eventName)} is not one trailmark analyzes (pull_request, pull_request_target, push, merge_group, workflow_dispatch)${eventName === 'schedule' ? '; `mode: auto` or `report` builds the weekly report on schedule' : ''}` };
  }
}
