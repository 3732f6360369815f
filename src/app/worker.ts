// What each queued job does. No analysis logic: GitHub source -> analyzeChange -> recordScan ->
// check run, with config/ for the policy and report/ for the rendering. Every failure of an
// analysis becomes a neutral check run that says what went wrong, never a silent pass.
import { remediationEvidence } from '../attest/commit-evidence.js';
import { TrailmarkError, describeError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { Remediation } from '../core/types.js';
import { digestLines } from '../engine/analyze.js';
import { CHECK_NAME, CONFIG_PATH, analysisKey, review } from '../engine/review.js';
import { GitHubChangeSource } from '../github/change-source.js';
import { gitHubCheckSink, publishCheckRun } from '../github/check-run.js';
import { setCheckRunActions } from '../github/check-run-actions.js';
import type { GitHubClient } from '../github/client.js';
import { commentOnPullRequest } from '../github/comments.js';
import { gitHubPolicySource } from '../github/config.js';
import { agentTraceAtHead } from '../github/records.js';
import { canWrite, repositoryPermission } from '../github/permissions.js';
import { getPullRequest, listPullRequestFiles, type PullFile, type PullRequestState } from '../github/pull-request.js';
import { FINDING_KIND, FINDING_SCHEMA, type FindingBody } from '../ledger/kinds/finding.js';
import { MERGE_KIND, MERGE_SCHEMA, type MergeBody } from '../ledger/kinds/merge.js';
import { REMEDIATION_KIND, REMEDIATION_SCHEMA, type RemediationBody } from '../ledger/kinds/remediation.js';
import { REVIEW_APPROVED_KIND, REVIEW_APPROVED_SCHEMA, type ReviewApprovedBody } from '../ledger/kinds/review-approved.js';
import { markdownCode, markdownFence } from '../report/escape.js';
import { approvalDigest } from './approval-digest.js';
import { parseCommand } from './command.js';
import type { Job, PullRef } from './job.js';
import { pullKey } from './job.js';
import { APP_POLICY, type InstallationLedgers } from './ledgers.js';
import type { PullStateStore } from './pull-state.js';
import type { RecordStore } from './record-store.js';
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
  readonly records: RecordStore;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Queues again the jobs of the pull request that failed for good (a `/trailmark recheck`). */
  readonly requeueFailed: (p: PullRef) => Promise<number>;
}

function repository(p: PullRef): string {
  return `${p.owner}/${p.repo}`;
}

/** A digest of the late declarations an analysis took into account ('' when none). */
function remediationsKey(remediations: readonly Remediation[]): string {
  return remediations.length === 0 ? '' : `+${digestLines(remediations.map((r) => JSON.stringify([r.user, r.declaration, r.headSha, r.paths, r.time])))}`.slice(0, 24);
}

function explain(err: unknown): string {
  const hint = err instanceof TrailmarkError ? err.hint : undefined;
  return `${describeError(err)}${hint === undefined ? '' : `\nhint: ${hint}`}`;
}

async function publishNeutral(client: GitHubClient, p: PullRef, head: string, title: string, summary: string): Promise<void> {
  await publishCheckRun(client, { owner: p.owner, repo: p.repo, headSha: head, name: CHECK_NAME, conclusion: 'neutral', title, summary, annotations: [] });
}

export class Worker {
  constructor(readonly deps: WorkerDependencies) {}

  /**
   * Runs `job`; `key` is its queue key (kind and X-GitHub-Delivery for every job that appends
   * an approval, merge or remediation), written into the entry so a re-run never appends twice.
   */
  async run(job: Job, key: string): Promise<void> {
    switch (job.kind) {
      case 'analyze':
        return this.analyze(job);
      case 'review-approved':
        return this.#reviewApproved(job, key);
      case 'merged':
        return this.#merged(job, key);
      case 'command':
        return this.#command(job, key);
    }
  }

  /** The policy version of the pull request's last analysis; `app` when it was never analyzed. */
  async #policyOf(p: PullRef): Promise<string> {
    return (await this.deps.pulls.get(p.installationId, pullKey(p))).policy ?? APP_POLICY;
  }

  /**
   * Analyzes the pull request's newest head; returns without a check run when it is closed.
   * A transient failure (isTransient) is thrown for the queue to retry, and reported by
   * `reportFailure` after the last attempt; any other failure is reported here at once, as a
   * neutral check run on the head (`head` when the pull request itself could not be read).
   */
  async analyze(p: PullRef & { readonly head?: string }): Promise<void> {
    let client: GitHubClient | undefined;
    let pr: PullRequestState | undefined;
    try {
      client = await this.deps.clientFor(p.installationId);
      pr = await getPullRequest(client, p.owner, p.repo, p.number);
      if (pr.state === 'closed') return this.deps.log(`${pullKey(p)}: closed; not analyzed`);
      await this.#analyzeWith(client, p, pr);
    } catch (err) {
      if (isTransient(err)) throw err;
      this.deps.log(`${pullKey(p)}: analysis failed: ${describeError(err)}`);
      const head = pr?.head ?? p.head;
      if (client === undefined || head === undefined) throw err;
      await publishNeutral(client, p, head, 'trailmark could not analyze this change', `## trailmark could not analyze this change\n\nThis check never blocks. What failed:\n\n${markdownFence(explain(err))}\n\nComment \`/trailmark recheck\` to try again.\n`);
    }
  }

  /**
   * Reports a job that failed for good (the queue keeps it in failed.json): an analysis leaves
   * a neutral check run that says why, on the pull request's head or, when that cannot be read,
   * the head its webhook named; a command gets a reply. Approvals and merges have no place to
   * show a failure on GitHub: the queue's log line and `/trailmark recheck` are their remedy.
   */
  async reportFailure(job: Job, err: unknown): Promise<void> {
    if (job.kind !== 'analyze' && job.kind !== 'command') return;
    const client = await this.deps.clientFor(job.installationId);
    const why = markdownFence(explain(err));
    if (job.kind === 'command') {
      await commentOnPullRequest(client, job.owner, job.repo, job.number, `trailmark: the command could not be completed; GitHub kept failing after several attempts:\n\n${why}\n\nComment \`/trailmark recheck\` to retry it.`);
      return;
    }
    let head = job.head;
    try {
      head = (await getPullRequest(client, job.owner, job.repo, job.number)).head;
    } catch (readErr) {
      if (head === undefined) throw readErr;
    }
    if (head === undefined) return;
    await publishNeutral(client, job, head, 'trailmark could not analyze this change', `## trailmark could not analyze this change\n\nThis check never blocks. GitHub kept failing after several attempts:\n\n${why}\n\nComment \`/trailmark recheck\` to try again.\n`);
  }

  async #analyzeWith(client: GitHubClient, p: PullRef, pr: PullRequestState): Promise<void> {
    const state = await this.deps.pulls.get(p.installationId, pullKey(p));
    const ledgers = this.deps.ledgers;
    const outcome = await review({
      changes: new GitHubChangeSource({
        client, owner: p.owner, repo: p.repo,
        target: { kind: 'pull-request', number: p.number, base: pr.base, head: pr.head, commitCount: pr.commits, changedFiles: pr.changedFiles },
        context: { repository: repository(p), pullRequest: p.number, headBranch: pr.headBranch, pullRequestBody: pr.body, ...(pr.author === null ? {} : { pullRequestAuthor: pr.author }) },
      }),
      policy: gitHubPolicySource(client, { owner: p.owner, repo: p.repo, path: CONFIG_PATH, base: pr.base }),
      // Collector uploads, and the Agent Trace file committed with the change.
      records: {
        load: async () => [
          ...(await this.deps.records.load(p.installationId, p.owner, p.repo)),
          ...(await agentTraceAtHead(client, p.owner, p.repo, pr.head, this.deps.log)),
        ],
      },
      ledger: ledgers === undefined
        ? { off: 'no-signing-key', help: 'Set `TRAILMARK_SIGNING_KEY` on the App; see docs/app.md.' }
        : { location: `installation ${p.installationId}`, origin: ledgers.signer.name, appendOnce: (key, drafts) => ledgers.appendOnce(p.installationId, key, drafts) },
      checks: gitHubCheckSink(client, {
        owner: p.owner, repo: p.repo,
        // One more request, only when there is something to declare.
        onPublished: async (id, check) => {
          if (check.findings.length > 0) await setCheckRunActions(client, p.owner, p.repo, id, [ATTEST_ACTION]);
        },
      }),
    }, {
      // A late declaration changes the analysis of the same head: it is part of the key.
      key: (policy, c) => analysisKey(`app:${repository(p)}#${p.number}${remediationsKey(state.remediations)}`, c.base, c.head, policy),
      remediations: state.remediations,
      repository: repository(p),
      pullRequest: p.number,
      headSha: pr.head,
      ...(pr.author === null ? {} : { subjects: { 'pr.author': pr.author } }),
      footer: 'Declare AI assistance after the fact with a comment `/trailmark attest Assisted-by: AGENT:MODEL` (needs write access).',
    });
    for (const note of outcome.notes) this.deps.log(`${pullKey(p)}: ${note}`);
    if (outcome.status !== 'reviewed') return;
    if (outcome.ledger.failure !== undefined) this.deps.log(`${pullKey(p)}: ${outcome.ledger.failure}`);
    if (state.policy !== outcome.policy.version) {
      await this.deps.pulls.update(p.installationId, pullKey(p), (s) => {
        s.policy = outcome.policy.version;
      });
    }
  }

  /** The approval digest of the diff base...`head` (the pull request files when `head` is still its head). */
  async #digestAt(client: GitHubClient, p: PullRef, pr: PullRequestState, head: string): Promise<string> {
    let files: readonly PullFile[];
    if (pr.head === head) files = (await listPullRequestFiles(client, p.owner, p.repo, p.number)).files;
    else {
      // Pushed to since: the compare of the same base with the approved head (up to 300 files).
      const res = await client.rest.repos.compareCommitsWithBasehead({ owner: p.owner, repo: p.repo, basehead: `${pr.base}...${head}` });
      files = (res.data.files ?? []).map((f) => ({ filename: f.filename, status: f.status, sha: f.sha ?? null, ...(f.previous_filename === undefined ? {} : { previous_filename: f.previous_filename }), ...(f.patch === undefined ? {} : { patch: f.patch }) }));
    }
    return approvalDigest(files);
  }

  async #reviewApproved(job: Extract<Job, { kind: 'review-approved' }>, key: string): Promise<void> {
    const client = await this.deps.clientFor(job.installationId);
    const pr = await getPullRequest(client, job.owner, job.repo, job.number);
    const digest = await this.#digestAt(client, job, pr, job.head);
    if (this.deps.ledgers !== undefined) {
      await this.deps.ledgers.appendOnce(job.installationId, key, [{
        kind: REVIEW_APPROVED_KIND, policy: await this.#policyOf(job),
        body: (ctx): ReviewApprovedBody => ({ schema: REVIEW_APPROVED_SCHEMA, repository: repository(job), pullRequest: job.number, review: job.review, head: job.head, diffDigest: digest, subjects: { reviewer: ctx.commit(job.reviewer) }, job: key }),
      }]);
    }
    // Idempotent too: a re-run finds the approval already recorded.
    await this.deps.pulls.update(job.installationId, pullKey(job), (s) => {
      if (!s.approvals.some((a) => a.review === job.review && a.head === job.head)) s.approvals.push({ review: job.review, head: job.head, digest });
    });
  }

  async #merged(job: Extract<Job, { kind: 'merged' }>, key: string): Promise<void> {
    const client = await this.deps.clientFor(job.installationId);
    const { files } = await listPullRequestFiles(client, job.owner, job.repo, job.number);
    const digest = approvalDigest(files);
    const approved = (await this.deps.pulls.get(job.installationId, pullKey(job))).approvals.at(-1);
    let method: MergeBody['method'] = 'unknown';
    if (job.mergeCommit !== null) {
      const { data } = await client.rest.git.getCommit({ owner: job.owner, repo: job.repo, commit_sha: job.mergeCommit });
      method = data.parents.length >= 2 ? 'merge' : 'squash-or-rebase';
    }
    const drift = approved !== undefined && approved.digest !== digest;
    const message = drift
      ? `merged content differs from what was last approved (review ${approved.review} on ${approved.head.slice(0, 12)}; merged head ${job.head.slice(0, 12)}): commits were pushed after the approval`
      : '';
    if (this.deps.ledgers !== undefined) {
      const policy = await this.#policyOf(job);
      // The finding is in the same atomic append as the merge entry that carries the job key.
      await this.deps.ledgers.appendOnce(job.installationId, key, [
        {
          kind: MERGE_KIND, policy,
          body: (ctx): MergeBody => ({ schema: MERGE_SCHEMA, repository: repository(job), pullRequest: job.number, mergeCommit: job.mergeCommit, method, head: job.head, diffDigest: digest, approvedDigest: approved?.digest ?? null, subjects: { 'merged-by': ctx.commit(job.mergedBy) }, job: key }),
        },
        ...(drift ? [{
          kind: FINDING_KIND, policy,
          body: (ctx: { previous: readonly { seq: number; hash: string }[] }): FindingBody => ({ schema: FINDING_SCHEMA, change: { seq: ctx.previous[0]!.seq, hash: ctx.previous[0]!.hash }, finding: 'approval-drift', path: '', startLine: 0, endLine: 0, level: 'warning', score: null, message }),
        }] : []),
      ]);
    }
    if (drift) {
      await publishNeutral(client, job, job.mergeCommit ?? job.head, 'Approval drift: merged content differs from the approved content',
        `## trailmark: approval drift\n\nPull request #${job.number} was merged with content that differs from what was last approved: ${markdownCode(message)}.\n\nApproved digest ${markdownCode(approved.digest)}, merged digest ${markdownCode(digest)} (docs/approval-digest.md).\n`);
    }
  }

  async #command(job: Extract<Job, { kind: 'command' }>, key: string): Promise<void> {
    const command = parseCommand(job.body);
    if (command === null) return;
    const client = await this.deps.clientFor(job.installationId);
    const reply = (text: string) => commentOnPullRequest(client, job.owner, job.repo, job.number, text);
    if (command.kind === 'invalid') return reply(`trailmark: ${command.reason}.`);
    if (command.kind === 'recheck') {
      const requeued = await this.deps.requeueFailed(job);
      if (requeued > 0) this.deps.log(`${pullKey(job)}: recheck queued ${requeued} failed job(s) again`);
      return this.analyze({ installationId: job.installationId, owner: job.owner, repo: job.repo, number: job.number });
    }
    const permission = await repositoryPermission(client, job.owner, job.repo, job.user);
    if (!canWrite(permission)) {
      return reply(`trailmark: the declaration was not recorded. Only users with write access to ${repository(job)} can declare AI assistance on a pull request, and @${job.user} has \`${permission}\` access. Ask a maintainer to comment \`/trailmark attest ${command.declaration.replace(/`/g, "'")}\`, or add the trailer to the commits.`);
    }
    // The declaration covers the head the user saw (the check run's, for the button), else the
    // head now; commits pushed after it need their own evidence (engine/analyze.ts).
    const head = job.head ?? (await getPullRequest(client, job.owner, job.repo, job.number)).head;
    const remediation: Remediation = { user: job.user, declaration: command.declaration, headSha: head, paths: [], time: new Date(this.deps.clock.now()).toISOString() };
    if (remediationEvidence(remediation) === undefined) {
      return reply('trailmark: the declaration was not recognised; write it as a trailer such as `Assisted-by: AGENT:MODEL` or `AI-Assisted: yes`.');
    }
    if (this.deps.ledgers !== undefined) {
      await this.deps.ledgers.appendOnce(job.installationId, key, [{
        kind: REMEDIATION_KIND, policy: await this.#policyOf(job),
        body: (ctx): RemediationBody => ({ schema: REMEDIATION_SCHEMA, repository: repository(job), pullRequest: job.number, head, declaration: command.declaration, paths: [], subjects: { 'declared-by': ctx.commit(job.user) }, job: key }),
      }]);
    }
    // Idempotent too: a re-run finds the declaration already recorded (its time is the first run's).
    await this.deps.pulls.update(job.installationId, pullKey(job), (s) => {
      const same = (r: Remediation) => r.user === remediation.user && r.declaration === remediation.declaration && r.headSha === remediation.headSha;
      if (!s.remediations.some(same)) s.remediations.push(remediation);
    });
    await this.analyze({ installationId: job.installationId, owner: job.owner, repo: job.repo, number: job.number });
  }
}
