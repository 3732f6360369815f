// The Action's report mode (`schedule`, `workflow_dispatch`): the engine's report job over the
// ledger branch (policy, verification, retention, the week's report), then delivery: the job
// summary always, the weekly issue when the input or the policy asks for it. A token without
// `issues: write` (or a repository with issues disabled) is a warning, never a failed step: the
// report is in the job summary either way.
import { GitHubError, describeError } from '../src/core/errors.js';
import { systemClock, systemRandom } from '../src/core/ports.js';
import { loadReportPolicy, runReportJob, type ReportJobOutcome } from '../src/engine/report-job.js';
import type { GitHubClient } from '../src/github/client.js';
import { httpStatusOf } from '../src/github/errors.js';
import { gitHubPolicySource } from '../src/github/config.js';
import { LedgerBranchStore } from '../src/github/ledger-branch-store.js';
import { reportIssueBody, upsertReportIssue, type UpsertReportIssueResult } from '../src/github/report-issue.js';
import { ledgerBranchCalibrationSink } from './calibration.js';
import type { ActionDependencies, RunOutcome } from './run.js';
import type { ActionEnvironment } from './environment.js';
import type { ActionInputs } from './inputs.js';
import type { Runner } from './platform/workflow-commands.js';

export interface ReportRunContext {
  readonly deps: ActionDependencies;
  readonly runner: Runner;
  readonly client: GitHubClient;
  readonly env: ActionEnvironment;
  readonly inputs: ActionInputs;
  readonly writeSummary: (markdown: string) => Promise<void>;
}

function retentionLines(outcome: ReportJobOutcome): string[] {
  const r = outcome.retention;
  if (r === null) return [];
  if ('skipped' in r) return [`retention not applied: ${r.skipped}`];
  return r.applied.rules.map((rule) => {
    const head = `retention ${rule.rule} (keep ${rule.keep}, older than ${rule.olderThan})`;
    if (rule.skipped !== undefined) return `${head}: skipped, ${rule.skipped}`;
    if (rule.erased.length === 0) return `${head}: nothing past retention`;
    return `${head}: erased ${rule.erased.length}${rule.appended.length > 0 ? `, recorded in entr${rule.appended.length === 1 ? 'y' : 'ies'} ${rule.appended.join(', ')}` : ', already recorded'}`;
  });
}

export async function runReport(ctx: ReportRunContext): Promise<RunOutcome> {
  const { deps, runner, client, env, inputs } = ctx;
  const repository = `${env.owner}/${env.repo}`;
  const clock = deps.clock ?? systemClock;
  const notes: string[] = [];
  // The policy of the revision the workflow runs on (the default branch for `schedule`).
  const { policy, source } = await loadReportPolicy(gitHubPolicySource(client, { owner: env.owner, repo: env.repo, path: inputs.config, base: env.sha }), notes);
  runner.info(`trailmark: report run for ${repository} (policy: ${source})`);
  const signer = inputs.signingKey;
  const branch = inputs.ledgerBranch;
  const store = new LedgerBranchStore({
    client, owner: env.owner, repo: env.repo, branch, holder: `run ${env.runId} attempt ${env.runAttempt} (report)`, random: deps.random ?? systemRandom,
    ...(inputs.subjectKey === undefined ? {} : { subjectKey: inputs.subjectKey }),
    ...(inputs.subjectKeyPrevious === undefined ? {} : { subjectKeyPrevious: inputs.subjectKeyPrevious }),
  });
  const outcome = await runReportJob({
    policy, store, repository, clock, random: deps.random ?? systemRandom,
    ...(inputs.reportWeek === undefined ? {} : { week: inputs.reportWeek }),
    ...(signer === undefined ? {} : { signer }),
    // `ledger: none`: this workflow never writes the ledger, so retention is not applied either.
    ...(inputs.ledger === 'none' ? { readOnly: '`ledger: none` (this workflow does not write the ledger)' } : {}),
    refresh: () => store.refresh(),
    // A token without `contents: write`: the report still goes out, with a warning.
    retentionRefused: (err) => (httpStatusOf(err) === 403 ? `the token cannot write the ledger branch ${branch} (${describeError(err)}); add \`permissions: { contents: write }\`` : undefined),
    dashboardUrl: `${env.serverUrl}/${repository}/actions/runs/${env.runId}`,
    // calibration.json on the ledger branch, read by review runs (action/calibration.ts).
    calibration: ledgerBranchCalibrationSink(store),
  }, notes);
  for (const line of [...outcome.notes, ...retentionLines(outcome)]) runner.info(`trailmark: ${line}`);
  if (outcome.retention !== null && 'refused' in outcome.retention) runner.warning(`trailmark: retention not applied: ${outcome.retention.skipped}`);
  const ledgerState = outcome.model.provenance.ledgers[0];
  if (ledgerState !== undefined && !ledgerState.verified && signer !== undefined) runner.warning(`trailmark: the ledger branch ${branch} does not verify: ${ledgerState.problem ?? 'unknown problem'}`);

  // Delivery: the issue when the input says so, else when the policy does.
  const wantIssue = inputs.reportIssue ?? policy.report.destination === 'issue';
  let issue: UpsertReportIssueResult | undefined;
  let issueNote: string;
  if (!wantIssue) {
    issueNote = 'No report issue (set `report: { destination: issue }` in the policy or the input `report-issue: true`).';
  } else {
    const target = { owner: env.owner, repo: env.repo, week: outcome.week };
    try {
      issue = await upsertReportIssue(client, { ...target, body: reportIssueBody(target, outcome.markdown, `The whole report is in the job summary of ${env.serverUrl}/${repository}/actions/runs/${env.runId}.`), log: (line) => runner.info(`trailmark: ${line}`) });
      issueNote = `Report issue #${issue.issue} ${issue.action}.`;
      runner.info(`trailmark: weekly report issue #${issue.issue} ${issue.action}${issue.closedDuplicates.length > 0 ? ` (closed duplicates ${issue.closedDuplicates.map((n) => `#${n}`).join(', ')})` : ''}`);
    } catch (err) {
      if (!(err instanceof GitHubError) || err.code !== 'GITHUB_FORBIDDEN') throw err;
      // The report is in the summary; a missing permission must not fail the scheduled job.
      runner.warning(`trailmark: the weekly report issue was not written: ${describeError(err)}${err.hint === undefined ? '' : ` (${err.hint}: add \`permissions: { issues: write }\` to the workflow)`}`);
      issueNote = 'The report issue could not be written (missing `issues: write` permission, or issues disabled); the report is only in this summary.';
    }
  }
  await ctx.writeSummary(`${outcome.markdown}\n\n${issueNote}\n`);
  const findings = outcome.model.totals.findings;
  runner.output('findings', String(findings.unattested + findings.contradicted));
  runner.output('unattested', String(findings.unattested));
  runner.output('contradicted', String(findings.contradicted));
  runner.output('sarif-file', '');
  const checkpoint = outcome.retention !== null && 'applied' in outcome.retention ? outcome.retention.applied.checkpoint : undefined;
  runner.output('checkpoint', checkpoint ?? '');
  runner.output('report-week', outcome.week);
  runner.output('report-issue', issue === undefined ? '' : String(issue.issue));
  return { analyzed: false, findings: findings.unattested + findings.contradicted, unattested: findings.unattested, contradicted: findings.contradicted, ...(checkpoint === undefined ? {} : { checkpoint }) };
}
