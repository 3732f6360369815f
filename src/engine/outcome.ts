// The outcome use case: what happens to a pull request after its analysis, and the capture
// records posted for a repository. Each function takes the facts an adapter read, decides, and
// writes through ports: the approval digest and the `review.approved` entry, the merge entry
// and the approval-drift decision (drift = the last approved digest differs from the merged
// one) with its finding and neutral check run, the `/trailmark attest` permission decision,
// remediation entry and replies, and the collector's `record` entries. Every entry carries its
// job key and goes through `appendOnce`, so a re-run (crash, redelivery) appends nothing.
// Entry kinds and bodies: ledger/kinds/*, docs/ledger-format.md. No I/O, no clock, no SDK.
import { parseAgentTrace } from '../attest/agent-trace.js';
import { remediationEvidence } from '../attest/commit-evidence.js';
import { TrailmarkError, describeError } from '../core/errors.js';
import type { CheckDelivery, CheckOutput, CheckSink, Clock, LedgerSink } from '../core/ports.js';
import type { Remediation } from '../core/types.js';
import { FINDING_KIND, FINDING_SCHEMA, type FindingBody } from '../ledger/kinds/finding.js';
import { MERGE_KIND, MERGE_SCHEMA, type MergeBody } from '../ledger/kinds/merge.js';
import { RECORD_KIND, RECORD_SCHEMA, type RecordBody } from '../ledger/kinds/record.js';
import { REMEDIATION_KIND, REMEDIATION_SCHEMA, type RemediationBody } from '../ledger/kinds/remediation.js';
import { REVIEW_APPROVED_KIND, REVIEW_APPROVED_SCHEMA, type ReviewApprovedBody } from '../ledger/kinds/review-approved.js';
import type { AppendResult, DraftContext, EntryDraft } from '../ledger/log.js';
import { markdownCode, markdownFence } from '../report/escape.js';
import { approvalDigest, type DiffFileEntry } from './approval-digest.js';
import type { Command } from './command.js';
import { digestLines } from './analyze.js';
import { CHECK_NAME } from './review.js';

export type { DiffFileEntry };

/**
 * The `policy` of entries whose job does not know the repository policy: collector records,
 * and approvals, merges and remediations of a pull request no analysis has loaded the policy for.
 */
export const APP_POLICY = 'app';

/** Where outcome entries go; absent when no ledger is written (no signing key). */
export type OutcomeLedger = LedgerSink<EntryDraft, AppendResult>;
/** Posts a comment on the pull request (Markdown). */
export type Reply = (markdown: string) => Promise<void>;

/** An approval as the App remembers it: the review, the head it approved and that diff's digest. */
export interface Approval {
  readonly review: number;
  readonly head: string;
  readonly digest: string;
}

/** The pull request an outcome is about. */
export interface PullSubject {
  /** `owner/name` */
  readonly repository: string;
  readonly pullRequest: number;
  /** The job's idempotency key, written into the entry's `job`. */
  readonly key: string;
  /** Policy version of the pull request's last analysis, else APP_POLICY. */
  readonly policy: string;
}

/**
 * The scope of the App's analysis key (engine/review.ts analysisKey): the pull request, and a
 * digest of the late declarations the analysis takes into account, since a declaration changes
 * the analysis of the same head.
 */
export function appAnalysisScope(repository: string, pullRequest: number, remediations: readonly Remediation[]): string {
  const declared = remediations.length === 0 ? '' : `+${digestLines(remediations.map((r) => JSON.stringify([r.user, r.declaration, r.headSha, r.paths, r.time])))}`.slice(0, 24);
  return `app:${repository}#${pullRequest}${declared}`;
}

function explain(err: unknown): string {
  const hint = err instanceof TrailmarkError ? err.hint : undefined;
  return `${describeError(err)}${hint === undefined ? '' : `\nhint: ${hint}`}`;
}

/**
 * The neutral check run of an analysis that could not be done (`gave-up`: the transient
 * failures outlasted the retries). The message is fenced: it may quote attacker-controlled text.
 */
export function analysisFailureCheck(headSha: string, err: unknown, why: 'failed' | 'gave-up'): CheckOutput {
  const what = why === 'failed' ? 'What failed:' : 'GitHub kept failing after several attempts:';
  return {
    name: CHECK_NAME, headSha, conclusion: 'neutral', title: 'trailmark could not analyze this change',
    summary: `## trailmark could not analyze this change\n\nThis check never blocks. ${what}\n\n${markdownFence(explain(err))}\n\nComment \`/trailmark recheck\` to try again.\n`,
    annotations: [], findings: [],
  };
}

/** The reply to a command whose job failed for good. */
export function commandFailureReply(err: unknown): string {
  return `trailmark: the command could not be completed; GitHub kept failing after several attempts:\n\n${markdownFence(explain(err))}\n\nComment \`/trailmark recheck\` to retry it.`;
}

export interface ApprovalRequest extends PullSubject {
  readonly review: number;
  /** The head the reviewer approved. */
  readonly head: string;
  readonly reviewer: string;
  /** The diff base...head (docs/approval-digest.md). */
  readonly files: readonly DiffFileEntry[];
}

/** Records an approval: its digest, and a `review.approved` entry (the reviewer as a commitment). */
export async function recordApproval(ports: { readonly ledger?: OutcomeLedger }, req: ApprovalRequest): Promise<Approval> {
  const digest = approvalDigest(req.files);
  await ports.ledger?.appendOnce(req.key, [{
    kind: REVIEW_APPROVED_KIND, policy: req.policy,
    body: (ctx): ReviewApprovedBody => ({ schema: REVIEW_APPROVED_SCHEMA, repository: req.repository, pullRequest: req.pullRequest, review: req.review, head: req.head, diffDigest: digest, subjects: { reviewer: ctx.commit(req.reviewer) }, job: req.key }),
  }]);
  return { review: req.review, head: req.head, digest };
}

export interface MergeRequest extends PullSubject {
  readonly head: string;
  readonly mergeCommit: string | null;
  /** The merge commit's parents; absent when there is no merge commit. */
  readonly mergeCommitParents?: readonly string[];
  readonly mergedBy: string;
  /** The merged diff base...head. */
  readonly files: readonly DiffFileEntry[];
  /** The pull request's approvals, oldest first: the last one is compared. */
  readonly approvals: readonly Approval[];
}

export interface MergeOutcome {
  readonly digest: string;
  readonly method: MergeBody['method'];
  /** The last approval, when the merged content differs from it. */
  readonly drift?: Approval;
  /** The `approval-drift` finding's message (empty without drift). */
  readonly message: string;
  /** The neutral check run published on the merge commit (else the head) on drift. */
  readonly check?: CheckOutput;
  readonly delivery?: CheckDelivery;
}

/**
 * Records a merge. On drift the `approval-drift` finding is in the same atomic append as the
 * merge entry that carries the job key, and a neutral check run says so (after the append).
 */
export async function recordMerge(ports: { readonly ledger?: OutcomeLedger; readonly checks?: CheckSink }, req: MergeRequest): Promise<MergeOutcome> {
  const digest = approvalDigest(req.files);
  const approved = req.approvals.at(-1);
  const method: MergeBody['method'] = req.mergeCommit === null || req.mergeCommitParents === undefined ? 'unknown' : req.mergeCommitParents.length >= 2 ? 'merge' : 'squash-or-rebase';
  const drift = approved !== undefined && approved.digest !== digest ? approved : undefined;
  const message = drift === undefined
    ? ''
    : `merged content differs from what was last approved (review ${drift.review} on ${drift.head.slice(0, 12)}; merged head ${req.head.slice(0, 12)}): commits were pushed after the approval`;
  await ports.ledger?.appendOnce(req.key, [
    {
      kind: MERGE_KIND, policy: req.policy,
      body: (ctx): MergeBody => ({ schema: MERGE_SCHEMA, repository: req.repository, pullRequest: req.pullRequest, mergeCommit: req.mergeCommit, method, head: req.head, diffDigest: digest, approvedDigest: approved?.digest ?? null, subjects: { 'merged-by': ctx.commit(req.mergedBy) }, job: req.key }),
    },
    ...(drift === undefined ? [] : [{
      kind: FINDING_KIND, policy: req.policy,
      body: (ctx: DraftContext): FindingBody => ({ schema: FINDING_SCHEMA, change: { seq: ctx.previous[0]!.seq, hash: ctx.previous[0]!.hash }, finding: 'approval-drift', path: '', startLine: 0, endLine: 0, level: 'warning', score: null, message }),
    }]),
  ]);
  if (drift === undefined) return { digest, method, message };
  const check: CheckOutput = {
    name: CHECK_NAME, headSha: req.mergeCommit ?? req.head, conclusion: 'neutral', title: 'Approval drift: merged content differs from the approved content',
    summary: `## trailmark: approval drift\n\nPull request #${req.pullRequest} was merged with content that differs from what was last approved: ${markdownCode(message)}.\n\nApproved digest ${markdownCode(drift.digest)}, merged digest ${markdownCode(digest)} (docs/approval-digest.md).\n`,
    annotations: [], findings: [],
  };
  const delivery = ports.checks === undefined ? undefined : await ports.checks.publish(check);
  return { digest, method, drift, message, check, ...(delivery === undefined ? {} : { delivery }) };
}

/** GitHub's repository permission of a user (collaborators API `permission`). */
export type Permission = 'admin' | 'write' | 'read' | 'none';

/** Declarations on a pull request need write access or more. */
export function mayDeclare(permission: Permission): boolean {
  return permission === 'admin' || permission === 'write';
}

export interface RemediationPorts {
  readonly ledger?: OutcomeLedger;
  readonly reply: Reply;
  /** The commenting user's permission on the repository. */
  readonly permission: () => Promise<Permission>;
  /** The pull request's head now, asked only when the command names none. */
  readonly headNow: () => Promise<string>;
  readonly clock: Clock;
}

export interface RemediationRequest extends PullSubject {
  readonly command: Exclude<Command, { readonly kind: 'recheck' }>;
  readonly user: string;
  /** The head the user saw (the check run's, for the button), when known. */
  readonly head?: string;
}

export type RemediationOutcome =
  | { readonly status: 'invalid' | 'refused' | 'unrecognised' }
  /** Recorded (or already recorded under the job key): later analyses take it into account. */
  | { readonly status: 'recorded'; readonly remediation: Remediation };

/**
 * A late declaration (`/trailmark attest`, the check run's button). It covers the head the
 * user saw, else the head now; commits pushed after it need their own evidence
 * (engine/analyze.ts). Refusals are replied to; nothing is recorded for them.
 */
export async function recordRemediation(ports: RemediationPorts, req: RemediationRequest): Promise<RemediationOutcome> {
  const { command } = req;
  if (command.kind === 'invalid') {
    await ports.reply(`trailmark: ${command.reason}.`);
    return { status: 'invalid' };
  }
  const permission = await ports.permission();
  if (!mayDeclare(permission)) {
    await ports.reply(`trailmark: the declaration was not recorded. Only users with write access to ${req.repository} can declare AI assistance on a pull request, and @${req.user} has \`${permission}\` access. Ask a maintainer to comment \`/trailmark attest ${command.declaration.replace(/`/g, "'")}\`, or add the trailer to the commits.`);
    return { status: 'refused' };
  }
  const head = req.head ?? (await ports.headNow());
  const remediation: Remediation = { user: req.user, declaration: command.declaration, headSha: head, paths: [], time: new Date(ports.clock.now()).toISOString() };
  if (remediationEvidence(remediation) === undefined) {
    await ports.reply('trailmark: the declaration was not recognised; write it as a trailer such as `Assisted-by: AGENT:MODEL` or `AI-Assisted: yes`.');
    return { status: 'unrecognised' };
  }
  await ports.ledger?.appendOnce(req.key, [{
    kind: REMEDIATION_KIND, policy: req.policy,
    body: (ctx): RemediationBody => ({ schema: REMEDIATION_SCHEMA, repository: req.repository, pullRequest: req.pullRequest, head, declaration: command.declaration, paths: [], subjects: { 'declared-by': ctx.commit(req.user) }, job: req.key }),
  }]);
  return { status: 'recorded', remediation };
}

/** `list` with `r` added unless the same user already declared the same on the same head (its time is the first one's). */
export function withRemediation(list: readonly Remediation[], r: Remediation): Remediation[] {
  const same = (x: Remediation) => x.user === r.user && x.declaration === r.declaration && x.headSha === r.headSha;
  return list.some(same) ? [...list] : [...list, r];
}

/** `list` with `a` added unless that review of that head is already in it. */
export function withApproval(list: readonly Approval[], a: Approval): Approval[] {
  return list.some((x) => x.review === a.review && x.head === a.head) ? [...list] : [...list, a];
}

/** Where capture records are kept: null when the repository holds the maximum number of them. */
export interface CaptureStore {
  put(text: string): Promise<{ readonly digest: string; readonly stored: boolean } | null>;
}

export type CaptureOutcome =
  | { readonly status: 'invalid'; readonly problems: readonly string[] }
  | { readonly status: 'full' }
  /** `stored` false: the same record was stored before (its entry is appended at most once). */
  | { readonly status: 'stored'; readonly digest: string; readonly ranges: number; readonly stored: boolean };

/**
 * A record uploaded in a collector batch (engine/collector.ts): its entry carries the device,
 * seq, stage and receipt digest, and its job key is the record id (`record-id:ID`), so a replayed
 * batch never appends twice.
 */
export interface CaptureUpload {
  readonly id: string;
  readonly device: string;
  readonly seq: number;
  readonly stage: 'edit' | 'commit';
  readonly receipt: string;
}

/** Most validation problems reported back to the poster. */
const CAPTURE_PROBLEMS_SHOWN = 10;

/**
 * A capture record posted for a repository (Agent Trace JSON or JSONL, attacker-controlled):
 * validated by attest/, stored, and recorded once per stored record (key `record:REPO:DIGEST`,
 * or `record-id:ID` for a collector upload),
 * also when it was already stored: a crash between storing it and appending leaves it without
 * an entry until the client posts it again. No repository policy is loaded: APP_POLICY.
 */
export async function recordCaptured(ports: { readonly ledger?: OutcomeLedger; readonly store: CaptureStore }, req: { readonly repository: string; readonly text: string; readonly upload?: CaptureUpload }): Promise<CaptureOutcome> {
  const parsed = parseAgentTrace(req.text, 'collector');
  if (parsed.problems.length > 0 || parsed.ranges.length === 0) return { status: 'invalid', problems: parsed.problems.slice(0, CAPTURE_PROBLEMS_SHOWN).map((p) => p.message) };
  const stored = await ports.store.put(req.text);
  if (stored === null) return { status: 'full' };
  const u = req.upload;
  const key = u === undefined ? `record:${req.repository}:${stored.digest}` : `record-id:${u.id}`;
  const body: RecordBody = {
    schema: RECORD_SCHEMA, repository: req.repository, format: 'agent-trace', digest: stored.digest, bytes: Buffer.byteLength(req.text), ranges: parsed.ranges.length, job: key,
    ...(u === undefined ? {} : { device: u.device, seq: u.seq, stage: u.stage, receipt: u.receipt }),
  };
  await ports.ledger?.appendOnce(key, [{ kind: RECORD_KIND, policy: APP_POLICY, body }]);
  return { status: 'stored', digest: stored.digest, ranges: parsed.ranges.length, stored: stored.stored };
}
