// What each queued job does: wiring of the GitHub ports into the engine's use cases. The
// analysis is engine/review.ts; approvals, merges and remediations are engine/outcome.ts. Every
// failure of an analysis becomes a neutral check run that says what went wrong, never a silent pass.
import { describeError } from '../src/core/errors.js';
import type { CheckOutput, Clock } from '../src/core/ports.js';
import { parseCommand } from '../src/engine/command.js';
import { APP_POLICY, analysisFailureCheck, appAnalysisScope, commandFailureReply, recordApproval, recordMerge, recordRemediation, withApproval, withRemediation, type OutcomeLedger, type PullSubject } from '../src/engine/outcome.js';
import { CHECK_NAME, CONFIG_PATH, analysisKey, review } from '../src/engine/review.js';
import { GitHubChangeSource } from '../src/github/change-source.js';
import { checkRunExternalId, gitHubCheckSink } from '../src/github/check-run.js';
import { setCheckRunActions } from '../src/github/check-run-actions.js';
import type { GitHubClient } from '../src/github/client.js';
import { commentOnPullRequest } from '../src/github/comments.js';
import { commitParents } from '../src/github/commits.js';
import { pullDiffFilesAt } from '../src/github/compare.js';
import { gitHubPolicySource } from '../src/github/config.js';
import { agentTraceAtHead } from '../src/github/records.js';
import { repositoryPermission } from '../src/github/permissions.js';
import { getPullRequest, listPullRequestFiles, type PullRequestState } from '../src/github/pull-request.js';
import { analysisFailedDraft, analysisFailedKey } from '../src/engine/weekly-report.js';
import type { CalibrationSource } from '../src/engine/calibration.js';
import type { Job, PullRef } from './job.js';
import { pullKey } from './job.js';
import type { InstallationLedgers } from './ledgers.js';
import type { PullStateStore } from './pull-state.js';
import type { Records } from './record-store.js';
import { NOT_ABORTED, guardedChanges, guardedChecks, guardedPolicy, guardedRecords } from './lease-guard.js';
import { isTransient } from './transient.js';

export { CHECK_NAME, CONFIG_PATH };


/** The check-run button: the clicking user declares the change AI-assisted (`AI-Assisted: yes`). */
export const ATTEST_ACTION = { label: 'Declare AI use', identifier: 'attest', description: 'I declare this change AI-assisted' } as const;
/** The declaration the button makes; a comment command can name the agent and model. */
export const ATTEST_ACTION_DECLARATION = 'AI-Assisted: yes';

export interface WorkerDependencies {
  /** A client authenticated as the installation (retries and rate limits handled). */
  readonly clientFor: (installationId: number) => Promise<GitHubClient>;
  /** Undefined when no signing key is configured: nothing is appended, the summary says so. */
  readonly ledgers: InstallationLedgers | undefined;
  readonly pulls: PullStateStore;
  /** Agent Trace records posted to the collector, used as `recorded` evidence. */
  readonly records: Records;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Queues again the jobs of the pull request that failed for good (a `/trailmark recheck`). */
  readonly requeueFailed: (p: PullRef) => Promise<number>;
  /** Publishes a weekly report (app/weekly-report.ts); absent without a signing key (no ledger to report from). */
  readonly weeklyReport?: (job: Extract<Job, { readonly kind: 'weekly-report' }>) => Promise<unknown>;
  /** The installation's calibration, made by app/calibration.ts's schedule (one state read per analysis); absent without a ledger. */
  readonly calibration?: (installationId: number) => CalibrationSource;
  /** Applies an installation's retention (app/retention.ts); absent without a signing key. */
  readonly retention?: (job: Extract<Job, { readonly kind: 'retention' }>) => Promise<unknown>;
}

function repository(p: PullRef): string {
  return `${p.owner}/${p.repo}`;
}

/** Publishes a check run the engine decided, without the App's button (a second report of the same failure completes the first run). */
async function publishNeutral(client: GitHubClient, p: PullRef, check: CheckOutput): Promise<void> {
  await gitHubCheckSink(client, { owner: p.owner, repo: p.repo, externalId: (c) => checkRunExternalId(`failure:${c.summary}`, c) }).publish(check);
}

export class Worker {
  constructor(readonly deps: WorkerDependencies) {}

  /**
   * Runs `job`; `key` is its queue key (kind and X-GitHub-Delivery for every job that appends
   * an approval, merge or remediation), written into the entry so a re-run never appends twice.
   * `signal` aborts when the queue lost the job's lease: the job stops at its next step and
   * writes nothing more (lease-guard.ts), and nothing is reported for it here.
   */
  async run(job: Job, key: string, signal: AbortSignal = NOT_ABORTED): Promise<void> {
    signal.throwIfAborted();
    switch (job.kind) {
      case 'analyze':
        return this.analyze(job, signal);
      case 'review-approved':
        return this.#reviewApproved(job, key, signal);
      case 'merged':
        return this.#merged(job, key, signal);
      case 'command':
        return this.#command(job, key, signal);
      case 'weekly-report':
        if (this.deps.weeklyReport === undefined) return this.deps.log(`${job.owner}/${job.repo}: weekly report ${job.week} not published: no ledger (TRAILMARK_SIGNING_KEY is not set)`);
        await this.deps.weeklyReport(job);
        return;
      case 'retention':
        if (this.deps.retention === undefined) return this.deps.log(`installation ${job.installationId}: retention not applied: no ledger (TRAILMARK_SIGNING_KEY is not set)`);
        await this.deps.retention(job);
        return;
    }
  }

  /**
   * Analyzes the pull request's newest head; returns without a check run when it is closed.
   * A transient failure (isTransient) is thrown for the queue to retry, and reported by
   * `reportFailure` after the last attempt; any other failure is reported here at once, as a
   * neutral check run on the head (`head` when the pull request itself could not be read).
   */
  async analyze(p: PullRef & { readonly head?: string; readonly rerun?: string }, signal: AbortSignal = NOT_ABORTED): Promise<void> {
    let client: GitHubClient | undefined;
    let pr: PullRequestState | undefined;
    try {
      client = await this.deps.clientFor(p.installationId);
      pr = await getPullRequest(client, p.owner, p.repo, p.number);
      if (pr.state === 'closed') return this.deps.log(`${pullKey(p)}: closed; not analyzed`);
      await this.#analyzeWith(client, p, pr, p.rerun, signal);
    } catch (err) {
      // The lease was lost: no failure entry, no neutral check run (the replica that runs the
      // job now publishes its outcome).
      if (signal.aborted || isTransient(err)) throw err;
      this.deps.log(`${pullKey(p)}: analysis failed: ${describeError(err)}`);
      const head = pr?.head ?? p.head;
      await this.#recordAnalysisFailure(p, head ?? null, 1, err);
      if (client === undefined || head === undefined) throw err;
      await publishNeutral(client, p, analysisFailureCheck(head, err, 'failed'));
    }
  }

  /**
   * Reports a job that failed for good (the queue keeps it in failed.json): an analysis leaves
   * a neutral check run that says why, on the pull request's head or, when that cannot be read,
   * the head its webhook named; a command gets a reply. Approvals and merges have no place to
   * show a failure on GitHub: the queue's log line and `/trailmark recheck` are their remedy.
   */
  async reportFailure(job: Job, err: unknown, attempts = 1): Promise<void> {
    if (job.kind !== 'analyze' && job.kind !== 'command') return;
    if (job.kind === 'command') {
      const client = await this.deps.clientFor(job.installationId);
      return commentOnPullRequest(client, job.owner, job.repo, job.number, commandFailureReply(err));
    }
    let head = job.head;
    let client: GitHubClient | undefined;
    let readFailure: { readonly err: unknown } | undefined;
    try {
      client = await this.deps.clientFor(job.installationId);
      head = (await getPullRequest(client, job.owner, job.repo, job.number)).head;
    } catch (readErr) {
      readFailure = { err: readErr };
    }
    // The ledger entry first: it does not need GitHub, which is what just failed.
    await this.#recordAnalysisFailure(job, head ?? null, attempts, err);
    if (client === undefined || head === undefined) {
      if (readFailure !== undefined) throw readFailure.err;
      return;
    }
    await publishNeutral(client, job, analysisFailureCheck(head, err, 'gave-up'));
  }

  /**
   * Appends `analysis.failed` once per pull request and head (a re-run of the report after a
   * crash, or a second failure of the same head, appends nothing more), so the report's
   * provenance lists the changes that were never analyzed.
   */
  async #recordAnalysisFailure(p: PullRef, head: string | null, attempts: number, err: unknown): Promise<void> {
    const ledgers = this.deps.ledgers;
    if (ledgers === undefined) return;
    const key = analysisFailedKey(p.installationId, repository(p), p.number, head);
    try {
      await ledgers.appendOnce(p.installationId, key, [analysisFailedDraft({ repository: repository(p), pullRequest: p.number, head, key, attempts, error: describeError(err) })]);
    } catch (appendErr) {
      // The failure is still reported on GitHub and kept in failed.json; the log says the entry is missing.
      this.deps.log(`${pullKey(p)}: the analysis.failed entry could not be appended: ${describeError(appendErr)}`);
    }
  }

  async #analyzeWith(client: GitHubClient, p: PullRef, pr: PullRequestState, rerun: string | undefined, signal: AbortSignal): Promise<void> {
    const state = await this.deps.pulls.get(p.installationId, pullKey(p));
    const ledgers = this.deps.ledgers;
    // Publishing once: the analysis key goes into the check run's external id, so a job run twice
    // (docs/replicas.md) completes the first run's check run instead of creating a second.
    let analysis: string | undefined;
    const outcome = await review({
      // Every port checks the lease first (lease-guard.ts): the analysis stops between its steps.
      changes: guardedChanges(new GitHubChangeSource({
        client, owner: p.owner, repo: p.repo,
        target: { kind: 'pull-request', number: p.number, base: pr.base, head: pr.head, commitCount: pr.commits, changedFiles: pr.changedFiles },
        context: { repository: repository(p), pullRequest: p.number, headBranch: pr.headBranch, pullRequestBody: pr.body, ...(pr.author === null ? {} : { pullRequestAuthor: pr.author }) },
      }), signal),
      policy: guardedPolicy(gitHubPolicySource(client, { owner: p.owner, repo: p.repo, path: CONFIG_PATH, base: pr.base }), signal),
      // Collector uploads, and the Agent Trace file committed with the change.
      records: guardedRecords({
        load: async () => [
          ...(await this.deps.records.load(p.installationId, p.owner, p.repo)),
          ...(await agentTraceAtHead(client, p.owner, p.repo, pr.head, this.deps.log)),
        ],
      }, signal),
      ledger: ledgers === undefined
        ? { off: 'no-signing-key', help: 'Set `TRAILMARK_SIGNING_KEY` on the App; see docs/app.md.' }
        : ledgers.sinkOf(p.installationId, signal),
      ...(this.deps.calibration === undefined ? {} : { calibration: this.deps.calibration(p.installationId) }),
      checks: guardedChecks(gitHubCheckSink(client, {
        owner: p.owner, repo: p.repo,
        // A re-run a person asked for is a new check run (GitHub's re-run contract): its delivery
        // joins the key, so only a second run of that same job completes it.
        externalId: (check) => checkRunExternalId(rerun === undefined || analysis === undefined ? analysis : `${analysis}#rerun:${rerun}`, check),
        // One more request, only when there is something to declare.
        onPublished: async (id, check) => {
          if (check.findings.length > 0) await setCheckRunActions(client, p.owner, p.repo, id, [ATTEST_ACTION]);
        },
      }), signal),
    }, {
      // A late declaration changes the analysis of the same head: it is part of the key.
      key: (policy, c) => {
        analysis = analysisKey(appAnalysisScope(repository(p), p.number, state.remediations), c.base, c.head, policy);
        return analysis;
      },
      remediations: state.remediations,
      repository: repository(p),
      pullRequest: p.number,
      headSha: pr.head,
      ...(pr.author === null ? {} : { subjects: { 'pr.author': pr.author } }),
      footer: 'Declare AI assistance after the fact with a comment `/trailmark attest Assisted-by: AGENT:MODEL` (needs write access).',
    });
    for (const note of outcome.notes) this.deps.log(`${pullKey(p)}: ${note}`);
    if (outcome.status !== 'reviewed') return;
    signal.throwIfAborted();
    if (outcome.ledger.failure !== undefined) this.deps.log(`${pullKey(p)}: ${outcome.ledger.failure}`);
    if (state.policy !== outcome.policy.version) {
      await this.deps.pulls.update(p.installationId, pullKey(p), (s) => {
        s.policy = outcome.policy.version;
      });
    }
  }

  async #reviewApproved(job: Extract<Job, { kind: 'review-approved' }>, key: string, signal: AbortSignal): Promise<void> {
    const client = await this.deps.clientFor(job.installationId);
    const pr = await getPullRequest(client, job.owner, job.repo, job.number);
    const files = await pullDiffFilesAt(client, job.owner, job.repo, pr, job.head);
    const approval = await recordApproval(this.#ports(job, signal), { ...(await this.#subject(job, key)), review: job.review, head: job.head, reviewer: job.reviewer, files });
    // Idempotent too: a re-run finds the approval already recorded.
    signal.throwIfAborted();
    await this.deps.pulls.update(job.installationId, pullKey(job), (s) => {
      s.approvals = withApproval(s.approvals, approval);
    });
  }

  async #merged(job: Extract<Job, { kind: 'merged' }>, key: string, signal: AbortSignal): Promise<void> {
    const client = await this.deps.clientFor(job.installationId);
    const { files } = await listPullRequestFiles(client, job.owner, job.repo, job.number);
    const { approvals } = await this.deps.pulls.get(job.installationId, pullKey(job));
    const mergeCommitParents = job.mergeCommit === null ? undefined : await commitParents(client, job.owner, job.repo, job.mergeCommit);
    await recordMerge({ ...this.#ports(job, signal), checks: guardedChecks(gitHubCheckSink(client, { owner: job.owner, repo: job.repo, externalId: (check) => checkRunExternalId(key, check) }), signal) }, {
      ...(await this.#subject(job, key)), head: job.head, mergeCommit: job.mergeCommit, mergedBy: job.mergedBy, files, approvals,
      ...(mergeCommitParents === undefined ? {} : { mergeCommitParents }),
    });
  }

  async #command(job: Extract<Job, { kind: 'command' }>, key: string, signal: AbortSignal): Promise<void> {
    const command = parseCommand(job.body);
    if (command === null) return;
    const client = await this.deps.clientFor(job.installationId);
    const again = { installationId: job.installationId, owner: job.owner, repo: job.repo, number: job.number };
    if (command.kind === 'recheck') {
      signal.throwIfAborted();
      const requeued = await this.deps.requeueFailed(job);
      if (requeued > 0) this.deps.log(`${pullKey(job)}: recheck queued ${requeued} failed job(s) again`);
      return this.analyze(again, signal);
    }
    const outcome = await recordRemediation({
      ...this.#ports(job, signal),
      reply: (text) => {
        signal.throwIfAborted();
        return commentOnPullRequest(client, job.owner, job.repo, job.number, text);
      },
      permission: () => repositoryPermission(client, job.owner, job.repo, job.user),
      headNow: async () => (await getPullRequest(client, job.owner, job.repo, job.number)).head,
      clock: this.deps.clock,
    }, { ...(await this.#subject(job, key)), command, user: job.user, ...(job.head === undefined ? {} : { head: job.head }) });
    if (outcome.status !== 'recorded') return;
    // Idempotent too: a re-run finds the declaration already recorded (its time is the first run's).
    signal.throwIfAborted();
    await this.deps.pulls.update(job.installationId, pullKey(job), (s) => {
      s.remediations = withRemediation(s.remediations, outcome.remediation);
    });
    await this.analyze(again, signal);
  }

  /** The installation's ledger, when there is a signing key; an append checks `signal` in its turn. */
  #ports(p: PullRef, signal: AbortSignal): { readonly ledger?: OutcomeLedger } {
    return this.deps.ledgers === undefined ? {} : { ledger: this.deps.ledgers.sinkOf(p.installationId, signal) };
  }

  /** The entry's subject; its policy is the pull request's last analysis's (`app` when it was never analyzed). */
  async #subject(p: PullRef, key: string): Promise<PullSubject> {
    const policy = (await this.deps.pulls.get(p.installationId, pullKey(p))).policy ?? APP_POLICY;
    return { repository: repository(p), pullRequest: p.number, key, policy };
  }
}
