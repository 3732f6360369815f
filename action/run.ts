// The Action: event -> review use case (engine/review.ts) -> the platform's outputs. This file
// only parses the runner's input, wires the ports (GitHub sources and sinks, the ledger branch)
// and maps the outcome to the job: log lines, workflow annotations when the token cannot write
// checks, the job summary, SARIF and step outputs. Every product decision is the engine's.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { TrailmarkError, UsageError, describeError } from '../src/core/errors.js';
import type { Policy } from '../src/core/policy.js';
import { systemClock, systemRandom, type Clock, type Random } from '../src/core/ports.js';
import { analysisKey, failureMarkdown, review, sarifOf, type Analyze, type LedgerOff, type ReviewLedger } from '../src/engine/review.js';
import { gitHubCheckSink } from '../src/github/check-run.js';
import { createGitHubClient, realSleep, type GitHubClient, type Sleep } from '../src/github/client.js';
import { gitHubPolicySource } from '../src/github/config.js';
import { ledgerBranchSink } from '../src/github/ledger-branch-sink.js';
import { JOB_SUMMARY_MAX_BYTES } from '../src/github/limits.js';
import { truncateText } from '../src/github/truncate.js';
import { readEnvironment, type ActionEnvironment } from './environment.js';
import { isReportRun, targetOfEvent } from './event.js';
import { parseInputs, type ActionInputs } from './inputs.js';
import { ledgerBranchCalibration } from './calibration.js';
import { runReport } from './report.js';
import { actionSources, type Target } from './sources.js';
import { Runner } from './platform/workflow-commands.js';
import { selectWorkflowAnnotations } from './workflow-annotations.js';

/** What the Action takes from outside: the runner's environment, and (in tests) clock, randomness, sleep and the analysis. */
export interface ActionDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly sleep?: Sleep;
  readonly analyze?: Analyze;
}

export interface RunOutcome {
  readonly analyzed: boolean;
  readonly findings: number;
  readonly unattested: number;
  readonly contradicted: number;
  readonly checkpoint?: string;
  /** Set when the step fails (fail-on matched, the ledger was not written, the policy is invalid). */
  readonly failure?: string;
}

const SIGNING_KEY_HELP = [
  'Create a key with `npx trailmark keygen --name <origin>`, store the `PRIVATE+KEY+…` line as a repository secret',
  '(Settings → Secrets and variables → Actions, e.g. `TRAILMARK_SIGNING_KEY`) and pass it:',
  '`with: { signing-key: ${{ secrets.TRAILMARK_SIGNING_KEY }} }`. The job then needs `contents: write`.',
].join(' ');

function setOutputs(runner: Runner, o: { findings: number; unattested: number; contradicted: number; sarifFile?: string; checkpoint?: string }): void {
  runner.output('findings', String(o.findings));
  runner.output('unattested', String(o.unattested));
  runner.output('contradicted', String(o.contradicted));
  runner.output('sarif-file', o.sarifFile ?? '');
  runner.output('checkpoint', o.checkpoint ?? '');
}

/** Appends to the step summary file (GITHUB_STEP_SUMMARY); no-op outside a runner. */
async function writeJobSummary(env: Readonly<Record<string, string | undefined>>, markdown: string): Promise<void> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return;
  // The limit is in bytes; cutting characters at a quarter of it keeps any UTF-8 text below it.
  const text = Buffer.byteLength(markdown) > JOB_SUMMARY_MAX_BYTES ? truncateText(markdown, JOB_SUMMARY_MAX_BYTES / 4, '_Summary cut at the 1 MiB job summary limit._') : markdown;
  await appendFile(file, `${text}\n`);
}

/** The ledger branch, or why there is none (the policy is known only inside the review). */
function ledgerPort(deps: ActionDependencies, client: GitHubClient, env: ActionEnvironment, inputs: ActionInputs, target: Target, runner: Runner): (policy: Policy) => ReviewLedger | LedgerOff {
  return (policy) => {
    if (inputs.ledger === 'none') return { off: 'switched-off', help: '(`ledger: none`)' };
    if (inputs.signingKey === undefined) return { off: 'no-signing-key', help: SIGNING_KEY_HELP };
    if (target.kind === 'pull-request' && target.fork) return { off: 'read-only-token' };
    return ledgerBranchSink({
      client, owner: env.owner, repo: env.repo, branch: inputs.ledgerBranch, holder: `run ${env.runId} attempt ${env.runAttempt}`,
      signer: inputs.signingKey, ...(policy.ledger.origin === undefined ? {} : { origin: policy.ledger.origin }),
      clock: deps.clock ?? systemClock, random: deps.random ?? systemRandom, sleep: deps.sleep ?? realSleep,
      log: (line) => runner.info(`trailmark: ${line}`),
      ...(inputs.subjectKey === undefined ? {} : { subjectKey: inputs.subjectKey }),
      ...(inputs.subjectKeyPrevious === undefined ? {} : { subjectKeyPrevious: inputs.subjectKeyPrevious }),
    });
  };
}

export async function run(deps: ActionDependencies, runner: Runner): Promise<RunOutcome> {
  const inputs = parseInputs((name) => runner.input(name));
  runner.mask(inputs.token);
  if (inputs.signingKey !== undefined) runner.mask(inputs.signingKey);
  for (const secret of [inputs.subjectKey, ...(inputs.subjectKeyPrevious ?? [])]) if (secret !== undefined) runner.mask(secret);
  const env = readEnvironment(deps.env);
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(env.eventPath, 'utf8'));
  } catch (err) {
    throw new UsageError('BAD_INPUT', `cannot read the event payload ${env.eventPath}`, { cause: err, hint: 'the runner writes it; run trailmark as an Action step' });
  }
  if (isReportRun(env.eventName, payload, inputs.mode)) {
    const client = createGitHubClient({
      token: inputs.token, baseUrl: env.apiUrl, userAgentSuffix: 'action', log: (line) => runner.info(line),
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }), ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    });
    return runReport({ deps, runner, client, env, inputs, writeSummary: (markdown) => writeJobSummary(deps.env, markdown) });
  }
  const target = targetOfEvent(env.eventName, payload, env.sha);
  if (target.kind === 'skip') {
    runner.info(`trailmark: ${target.reason}`);
    await writeJobSummary(deps.env, `## trailmark\n\nNothing analyzed: ${target.reason}.\n`);
    setOutputs(runner, { findings: 0, unattested: 0, contradicted: 0 });
    return { analyzed: false, findings: 0, unattested: 0, contradicted: 0 };
  }

  const client = createGitHubClient({
    token: inputs.token, baseUrl: env.apiUrl, userAgentSuffix: 'action', log: (line) => runner.info(line),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }), ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  runner.info(`trailmark: ${target.kind === 'pull-request' ? `pull request #${target.number}` : target.event} ${target.base}..${target.head}`);
  const sources = actionSources(client, env, target, (line) => runner.info(line));
  const repository = `${env.owner}/${env.repo}`;
  // GitHub gives `pull_request` runs from forks a read-only GITHUB_TOKEN: no check-run create
  // that can only be refused (pull_request_target runs get a write token).
  const readOnly = target.kind === 'pull-request' && target.fork && env.eventName === 'pull_request';
  const outcome = await review({
    changes: sources.changes,
    records: sources.records,
    policy: gitHubPolicySource(client, { owner: env.owner, repo: env.repo, path: inputs.config, base: target.base }),
    ledger: ledgerPort(deps, client, env, inputs, target, runner),
    ...(readOnly ? {} : { checks: gitHubCheckSink(client, { owner: env.owner, repo: env.repo, detailsUrl: `${env.serverUrl}/${repository}/actions/runs/${env.runId}` }) }),
    ...(deps.analyze === undefined ? {} : { analyze: deps.analyze }),
    // The operating point the scheduled report run calibrated from the ledger branch (one request).
    ...(inputs.ledger === 'none' ? {} : { calibration: ledgerBranchCalibration(client, env.owner, env.repo, inputs.ledgerBranch) }),
  }, {
    // The same change under the same policy is the same analysis, whichever run or attempt repeats it.
    key: (policy, c) => analysisKey(`action:${repository}${target.kind === 'pull-request' ? `#${target.number}` : `:${target.event}`}`, c.base, c.head, policy),
    failOn: inputs.failOn,
    repository,
    headSha: target.head,
    ...(target.kind === 'pull-request' ? { pullRequest: target.number, ...(target.author === undefined ? {} : { subjects: { 'pr.author': target.author } }) } : {}),
  });
  for (const note of outcome.notes) runner.info(`trailmark: ${note}`);
  if (outcome.status === 'invalid-policy') {
    runner.error(`trailmark: ${outcome.failure}`);
    await writeJobSummary(deps.env, outcome.check.summary);
    setOutputs(runner, { findings: 0, unattested: 0, contradicted: 0 });
    return { analyzed: false, findings: 0, unattested: 0, contradicted: 0, failure: outcome.failure };
  }
  const { result, check, ledger } = outcome;
  const { unattested, contradicted } = result.summary.findings;
  const findings = result.findings.length;
  if (ledger.failure !== undefined) runner.error(`trailmark: ${ledger.failure}`);

  let delivery: string;
  if (outcome.delivery?.published === true) {
    delivery = `Check run [${check.name}](${outcome.delivery.url}) on ${check.headSha} (${outcome.delivery.requests} requests).`;
    runner.info(`trailmark: check run published on ${check.headSha} with ${check.annotations.length} annotations`);
  } else {
    // Fork pull requests get a read-only token: fall back to workflow annotations.
    // A log line, not a warning: the 10 displayed warning annotations are kept for findings.
    runner.info(`trailmark: the token cannot create check runs (${outcome.delivery?.why ?? 'a pull request from a fork runs with a read-only token'}); reporting through workflow annotations and the job summary instead`);
    const { shown, hidden } = selectWorkflowAnnotations(result.findings);
    for (const f of shown) {
      const props = { title: `trailmark: ${f.kind}`, file: f.path, startLine: f.startLine, endLine: f.endLine };
      if (f.level === 'warning') runner.warning(f.message, props);
      else runner.notice(f.message, props);
    }
    if (hidden > 0) runner.info(`trailmark: ${hidden} more findings are not shown as annotations (GitHub displays 10 per step); see the job summary`);
    delivery = `No check run: the token cannot write checks (fork pull request or missing \`checks: write\`). ${shown.length} findings shown as workflow annotations${hidden > 0 ? `, ${hidden} more listed here` : ''}.`;
  }
  await writeJobSummary(deps.env, `${check.summary}\n${delivery}\n`);

  let sarifFile: string | undefined;
  if (inputs.sarifFile !== undefined) {
    const path = resolve(env.workspace, inputs.sarifFile);
    const rel = relative(env.workspace, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError('BAD_INPUT', `sarif-file ${JSON.stringify(inputs.sarifFile)} is outside the workspace`, { hint: 'use a relative path such as trailmark.sarif' });
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, sarifOf(result));
    sarifFile = path;
  }
  const checkpoint = ledger.ref?.checkpoint;
  setOutputs(runner, { findings, unattested, contradicted, ...(sarifFile === undefined ? {} : { sarifFile }), ...(checkpoint === undefined ? {} : { checkpoint }) });
  return { analyzed: true, findings, unattested, contradicted, ...(checkpoint === undefined ? {} : { checkpoint }), ...(outcome.failure === undefined ? {} : { failure: outcome.failure }) };
}

/** Runs the Action; every failure becomes a clear error in the log and the step summary, never a silent pass. */
export async function runAndReport(deps: ActionDependencies): Promise<void> {
  const runner = new Runner(deps.env);
  try {
    const outcome = await run(deps, runner);
    if (outcome.failure !== undefined) runner.fail(`trailmark: ${outcome.failure}`);
  } catch (err) {
    const hint = err instanceof TrailmarkError ? err.hint : undefined;
    const message = `trailmark failed: ${describeError(err)}${hint === undefined ? '' : ` (hint: ${hint})`}`;
    try {
      await writeJobSummary(deps.env, failureMarkdown('trailmark failed', message));
    } catch (summaryErr) {
      runner.error(`trailmark: could not write the job summary: ${describeError(summaryErr)}`);
    }
    runner.fail(message);
  }
}
