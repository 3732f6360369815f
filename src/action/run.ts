// The Action's use of the engine: event -> change set -> analyzeChange -> ledger -> check run,
// annotations, job summary, SARIF, outputs. No analysis logic here; rendering comes from
// report/ and policy parsing from config/ through `ActionDependencies` (wired in main.ts).
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { GitError, TrailmarkError, UsageError, describeError } from '../core/errors.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy.js';
import { systemClock, systemRandom, type ChangeSource, type Clock, type Random } from '../core/ports.js';
import type { ChangeContext, ChangeSet, LedgerRef, ScanResult } from '../core/types.js';
import { isParsable, languageOfPath } from '../detectors/language.js';
import { openLedger } from '../ledger/log.js';
import { parseSignerKey } from '../ledger/note.js';
import type { RecordMeta } from '../engine/record.js';
import type { Ledger } from '../ledger/log.js';
import { GitChangeSource } from '../git/index.js';
import { GitHubChangeSource } from '../github/change-source.js';
import { publishCheckRun, type CheckAnnotation, type CheckConclusion } from '../github/check-run.js';
import { createGitHubClient, type GitHubClient, type Sleep } from '../github/client.js';
import { readRepositoryFile } from '../github/config.js';
import { LedgerBranchStore } from '../github/ledger-branch-store.js';
import { JOB_SUMMARY_MAX_BYTES } from '../github/limits.js';
import { truncateText } from '../github/truncate.js';
import { readEnvironment, type ActionEnvironment } from './environment.js';
import { targetOfEvent, type AnalysisTarget } from './event.js';
import { parseInputs, type ActionInputs } from './inputs.js';
import { openReadingRepository, prepareLocalCheckout } from './local-checkout.js';
import { markdownFence } from '../report/escape.js';
import { Runner } from './workflow-commands.js';
import { selectWorkflowAnnotations } from './workflow-annotations.js';

/** What the Action takes from the engine, report/ and config/ (and, in tests, clock and sleep). */
export interface ActionDependencies {
  readonly analyze: (changeSet: ChangeSet, policy: Policy) => Promise<ScanResult>;
  readonly record: (result: ScanResult, ledger: Ledger, meta: RecordMeta) => Promise<LedgerRef>;
  readonly parsePolicy: (text: string, source: string) => Policy;
  /** Markdown report of a scan (counts, verdict table per file, evidence classes, how to declare). */
  readonly renderMarkdown: (result: ScanResult, failOn: ActionInputs['failOn']) => string;
  readonly toAnnotations: (result: ScanResult) => readonly CheckAnnotation[];
  readonly renderSarif: (result: ScanResult) => string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly sleep?: Sleep;
}

export interface RunOutcome {
  readonly analyzed: boolean;
  readonly findings: number;
  readonly unattested: number;
  readonly contradicted: number;
  readonly checkpoint?: string;
  /** Set when `fail-on` matched: the step fails with this message. */
  readonly failure?: string;
}

export const CHECK_NAME = 'trailmark';

const SIGNING_KEY_HELP = [
  'The ledger was not written: no `signing-key` was given.',
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

/** The same context on both paths: what the pull request says about itself is evidence too. */
function contextOf(env: ActionEnvironment, target: Exclude<AnalysisTarget, { kind: 'skip' }>): ChangeContext {
  const repository = `${env.owner}/${env.repo}`;
  if (target.kind !== 'pull-request') return { repository };
  return {
    repository,
    pullRequest: target.number,
    ...(target.headBranch === undefined ? {} : { headBranch: target.headBranch }),
    ...(target.body === undefined ? {} : { pullRequestBody: target.body }),
    ...(target.author === undefined ? {} : { pullRequestAuthor: target.author }),
  };
}

function apiSource(client: GitHubClient, env: ActionEnvironment, target: Exclude<AnalysisTarget, { kind: 'skip' }>): ChangeSource {
  const needsHeadText = (path: string) => isParsable(languageOfPath(path));
  const common = { client, owner: env.owner, repo: env.repo, needsHeadText, context: contextOf(env, target) };
  if (target.kind === 'pull-request') {
    return new GitHubChangeSource({
      ...common,
      target: { kind: 'pull-request', number: target.number, base: target.base, head: target.head, ...(target.commitCount === undefined ? {} : { commitCount: target.commitCount }), ...(target.changedFiles === undefined ? {} : { changedFiles: target.changedFiles }) },
    });
  }
  return new GitHubChangeSource({ ...common, target: { kind: 'compare', base: target.base, head: target.head } });
}

/**
 * A pull request's change set from the local checkout when it has (or cheaply fetches) the
 * history, else from the REST API; the log says which and why.
 */
async function loadChangeSet(client: GitHubClient, env: ActionEnvironment, target: Exclude<AnalysisTarget, { kind: 'skip' }>, runner: Runner): Promise<ChangeSet> {
  if (target.kind !== 'pull-request') return apiSource(client, env, target).load();
  const local = await prepareLocalCheckout({
    workspace: env.workspace, owner: env.owner, repo: env.repo, base: target.base, head: target.head,
    ...(target.commitCount === undefined ? {} : { commitCount: target.commitCount }), log: (line) => runner.info(line),
  });
  let why: string;
  if (local.usable) {
    const reading = await openReadingRepository(local.gitDir, env.temp);
    try {
      const changeSet = await new GitChangeSource({ repo: reading.dir, base: target.base, head: target.head }).load();
      runner.info(`trailmark: change set from the local checkout (${changeSet.commits.length} commits, ${changeSet.files.length} files, merge base ${changeSet.base})`);
      return { ...changeSet, context: contextOf(env, target) };
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      why = `reading the checkout failed: ${describeError(err)}`;
    } finally {
      await reading.dispose();
    }
  } else {
    why = local.reason;
  }
  runner.info(`trailmark: change set from the REST API: ${why}`);
  return apiSource(client, env, target).load();
}

interface LedgerOutcome {
  readonly ref?: LedgerRef;
  /** Markdown paragraph for the summary. */
  readonly note: string;
}

async function writeLedger(deps: ActionDependencies, client: GitHubClient, env: ActionEnvironment, inputs: ActionInputs, policy: Policy, target: Exclude<AnalysisTarget, { kind: 'skip' }>, result: ScanResult): Promise<LedgerOutcome> {
  if (inputs.ledger === 'none' || !policy.ledger.enabled) return { note: 'The ledger is switched off (`ledger: none` or the repository policy).' };
  if (inputs.signingKey === undefined) return { note: SIGNING_KEY_HELP };
  if (target.kind === 'pull-request' && target.fork) {
    return { note: 'The ledger was not written: a pull request from a fork runs with a read-only token. The entry is written when the change is pushed to a branch of this repository.' };
  }
  const signer = parseSignerKey(inputs.signingKey);
  const store = new LedgerBranchStore({
    client, owner: env.owner, repo: env.repo, branch: inputs.ledgerBranch, holder: `run ${env.runId} attempt ${env.runAttempt}`,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }), ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
  });
  const ledger = await openLedger({ store, signer, origin: policy.ledger.origin ?? signer.name, clock: deps.clock ?? systemClock, random: deps.random ?? systemRandom });
  const ref = await deps.record(result, ledger, {
    repository: `${env.owner}/${env.repo}`,
    policy: policy.version,
    ...(target.kind === 'pull-request' ? { pullRequest: target.number, ...(target.author === undefined ? {} : { subjects: { 'pr.author': target.author } }) } : {}),
  });
  return {
    ref,
    note: `Ledger \`${inputs.ledgerBranch}\`: ${ref.entries.length} entries appended, tree size ${ref.size}. Signed checkpoint (an anchor the branch's writers cannot rewrite):\n\n${markdownFence(ref.checkpoint.trimEnd())}`,
  };
}

function conclusionOf(result: ScanResult, failOn: ActionInputs['failOn']): { conclusion: CheckConclusion; failure?: string } {
  const { unattested, contradicted } = result.summary.findings;
  if (failOn === 'contradicted' && contradicted > 0) return { conclusion: 'failure', failure: `${contradicted} contradicted hunks (fail-on: contradicted)` };
  if (failOn === 'unattested' && unattested + contradicted > 0) return { conclusion: 'failure', failure: `${unattested} unattested and ${contradicted} contradicted hunks (fail-on: unattested)` };
  return { conclusion: result.findings.length > 0 ? 'neutral' : 'success' };
}

export async function run(deps: ActionDependencies, runner: Runner): Promise<RunOutcome> {
  const inputs = parseInputs((name) => runner.input(name));
  runner.mask(inputs.token);
  if (inputs.signingKey !== undefined) runner.mask(inputs.signingKey);
  const env = readEnvironment(deps.env);
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(env.eventPath, 'utf8'));
  } catch (err) {
    throw new UsageError('BAD_INPUT', `cannot read the event payload ${env.eventPath}`, { cause: err, hint: 'the runner writes it; run trailmark as an Action step' });
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

  // The policy comes from the base revision: a pull request cannot weaken its own policy.
  const configText = await readRepositoryFile(client, env.owner, env.repo, inputs.config, target.base);
  const policy = configText === null ? DEFAULT_POLICY : deps.parsePolicy(configText, `${inputs.config}@${target.base}`);
  runner.info(`trailmark: ${target.kind === 'pull-request' ? `pull request #${target.number}` : target.event} ${target.base}..${target.head}; policy ${configText === null ? 'default (no config file)' : `from ${inputs.config}`}`);

  const changeSet = await loadChangeSet(client, env, target, runner);
  const result = await deps.analyze(changeSet, policy);
  const { unattested, contradicted } = result.summary.findings;

  // A ledger failure must not hide the findings: publish first, then fail the step.
  let ledger: LedgerOutcome;
  let ledgerFailure: string | undefined;
  try {
    ledger = await writeLedger(deps, client, env, inputs, policy, target, result);
  } catch (err) {
    const hint = err instanceof TrailmarkError ? err.hint : undefined;
    ledgerFailure = `the ledger was not written: ${describeError(err)}${hint === undefined ? '' : ` (hint: ${hint})`}`;
    runner.error(`trailmark: ${ledgerFailure}`);
    ledger = { note: `**The ledger was not written**; the step fails:\n\n${markdownFence(ledgerFailure)}` };
  }
  // Blocking is opt-in, by the workflow (`fail-on`) or by the repository policy at the base.
  const failOn = inputs.failOn !== 'none' ? inputs.failOn : policy.blocking.failOn;
  const verdict = conclusionOf(result, failOn);
  const { conclusion } = verdict;
  const failure = [verdict.failure, ledgerFailure].filter((f) => f !== undefined).join('; ') || undefined;
  const findings = result.findings.length;
  const report = deps.renderMarkdown(ledger.ref === undefined ? result : { ...result, ledger: ledger.ref }, failOn);

  const check = await publishCheckRun(client, {
    owner: env.owner, repo: env.repo, headSha: target.head, name: CHECK_NAME, conclusion,
    title: findings === 0 ? 'No undeclared AI-generated changes found' : `${unattested} unattested, ${contradicted} contradicted`,
    summary: `${report}\n\n${ledger.note}\n`,
    annotations: deps.toAnnotations(result),
    detailsUrl: `${env.serverUrl}/${env.owner}/${env.repo}/actions/runs/${env.runId}`,
  });
  let delivery: string;
  if (check.published) {
    delivery = `Check run [${CHECK_NAME}](${check.url}) on ${target.head} (${check.requests} requests).`;
    runner.info(`trailmark: check run ${check.id} published on ${target.head} with ${findings} annotations`);
  } else {
    // Fork pull requests get a read-only token: fall back to workflow annotations.
    // A log line, not a warning: the 10 displayed warning annotations are kept for findings.
    runner.info(`trailmark: the token cannot create check runs (${check.error.message}); reporting through workflow annotations and the job summary instead`);
    const { shown, hidden } = selectWorkflowAnnotations(result.findings);
    for (const f of shown) {
      const props = { title: `trailmark: ${f.kind}`, file: f.path, startLine: f.startLine, endLine: f.endLine };
      if (f.level === 'warning') runner.warning(f.message, props);
      else runner.notice(f.message, props);
    }
    if (hidden > 0) runner.info(`trailmark: ${hidden} more findings are not shown as annotations (GitHub displays 10 per step); see the job summary`);
    delivery = `No check run: the token cannot write checks (fork pull request or missing \`checks: write\`). ${shown.length} findings shown as workflow annotations${hidden > 0 ? `, ${hidden} more listed here` : ''}.`;
  }
  await writeJobSummary(deps.env, `${report}\n\n${ledger.note}\n\n${delivery}\n`);

  let sarifFile: string | undefined;
  if (inputs.sarifFile !== undefined) {
    const path = resolve(env.workspace, inputs.sarifFile);
    const rel = relative(env.workspace, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError('BAD_INPUT', `sarif-file ${JSON.stringify(inputs.sarifFile)} is outside the workspace`, { hint: 'use a relative path such as trailmark.sarif' });
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, deps.renderSarif(result));
    sarifFile = path;
  }
  setOutputs(runner, { findings, unattested, contradicted, ...(sarifFile === undefined ? {} : { sarifFile }), ...(ledger.ref === undefined ? {} : { checkpoint: ledger.ref.checkpoint }) });
  return { analyzed: true, findings, unattested, contradicted, ...(ledger.ref === undefined ? {} : { checkpoint: ledger.ref.checkpoint }), ...(failure === undefined ? {} : { failure }) };
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
      await writeJobSummary(deps.env, `## trailmark failed\n\n${markdownFence(message)}\n`);
    } catch (summaryErr) {
      runner.error(`trailmark: could not write the job summary: ${describeError(summaryErr)}`);
    }
    runner.fail(message);
  }
}
