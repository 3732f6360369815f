// `trailmark scan`: parse the invocation once into ScanSettings, wire the local ports (the
// repository or a plain patch, the policy file, the records, the ledger directory), run the
// review use case (engine/review.ts: the same policy, fail-on and idempotent append as the
// Action and the App), render its result.

import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ChangeSet } from '../../src/core/types.js';
import { UsageError, describeError, printable } from '../../src/core/errors.js';
import { calibratedThresholds, calibrationStale, parseCalibration } from '../../src/engine/calibration.js';
import { analyzeChange, digestLines } from '../../src/engine/analyze.js';
import { patchChangeSource } from '../../src/engine/patch.js';
import { renderReport, type ReportFormat } from '../../src/engine/render.js';
import { AGENT_TRACE_PATH, CONFIG_PATH, analysisKey, review, type LedgerOff, type ReviewLedger } from '../../src/engine/review.js';
import { GitChangeSource } from '../../src/git/index.js';
import type { CommandContext } from '../main.js';
import { EXIT_INTEGRITY, EXIT_OK, exitCodeOf } from '../io.js';
import { progressReporter } from '../progress.js';
import { dirLedger, localPolicySource, localRecordSource, readInputFile, type LocalChange } from '../sources.js';

export { AGENT_TRACE_PATH, CONFIG_PATH };

export interface ScanSettings {
  readonly repo: string;
  readonly base?: string;
  readonly head: string;
  readonly patch?: string;
  readonly format: ReportFormat;
  readonly configFile?: string;
  readonly records: readonly string[];
  readonly failOn: 'none' | 'unattested' | 'contradicted';
  readonly output?: string;
  readonly ledger?: string;
  readonly keyFile?: string;
  readonly origin?: string;
  readonly verbose: boolean;
  /** A `trailmark calibrate --json` file, and the repository in it to take (default: its only one). */
  readonly calibration?: string;
  readonly calibrationRepository?: string;
}

interface RawOptions {
  repo: string;
  base?: string;
  head: string;
  patch?: string;
  format: ReportFormat;
  config?: string;
  records: string[];
  failOn: 'none' | 'unattested' | 'contradicted';
  output?: string;
  ledger?: string;
  keyFile?: string;
  origin?: string;
  verbose?: boolean;
  calibration?: string;
  calibrationRepository?: string;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('scan')
    .description('score every hunk of a change set for AI-generation signals and cross-check it with declared, stamped and recorded evidence')
    .option('--repo <dir>', 'git repository to scan', '.')
    .option('--base <ref>', 'base revision (default: merge-base with the default branch, or the first parent)')
    .option('--head <ref>', 'head revision', 'HEAD')
    .option('--patch <file>', 'scan a plain unified diff instead of a repository ("-" for standard input)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif', 'markdown']).default('text'))
    .option('--config <file>', `policy file (default: ${CONFIG_PATH} at the base revision)`)
    .option('--records <path>', 'Agent Trace record file or directory (repeatable)', collect, [])
    .addOption(new Option('--fail-on <kind>', 'exit 1 on findings: unattested (unattested or contradicted hunks) or contradicted (default: the policy\'s fail-on)').choices(['none', 'unattested', 'contradicted']).default('none'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .option('--ledger <dir>', 'append the analysis to this ledger directory and publish a checkpoint')
    .option('--key-file <file>', 'ledger signing key file (default: $TRAILMARK_SIGNING_KEY)')
    .option('--origin <origin>', 'ledger origin line (default: the key name)')
    .option('-v, --verbose', 'list clear hunks too in the text report')
    .option('--calibration <file>', "use the repository's calibrated thresholds from this trailmark calibrate --json file (docs/calibration.md)")
    .option('--calibration-repository <owner/name>', 'the repository to take from the calibration file (default: its only one)')
    .action(async (opts: RawOptions) => {
      const settings = parseSettings(opts, ctx.io.cwd);
      ctx.exitCode = await runScan(settings, ctx);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseSettings(opts: RawOptions, cwd: string): ScanSettings {
  if (opts.patch !== undefined && (opts.base !== undefined || opts.head !== 'HEAD')) {
    throw new UsageError('USAGE', '--patch cannot be combined with --base or --head', { hint: 'scan either a patch or a revision range' });
  }
  return {
    repo: resolve(cwd, opts.repo),
    ...(opts.base !== undefined ? { base: opts.base } : {}),
    head: opts.head,
    ...(opts.patch !== undefined ? { patch: opts.patch === '-' ? '-' : resolve(cwd, opts.patch) } : {}),
    format: opts.format,
    ...(opts.config !== undefined ? { configFile: resolve(cwd, opts.config) } : {}),
    records: opts.records.map((r) => resolve(cwd, r)),
    failOn: opts.failOn,
    ...(opts.output !== undefined ? { output: resolve(cwd, opts.output) } : {}),
    ...(opts.ledger !== undefined ? { ledger: resolve(cwd, opts.ledger) } : {}),
    ...(opts.keyFile !== undefined ? { keyFile: resolve(cwd, opts.keyFile) } : {}),
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    verbose: opts.verbose === true,
    ...(opts.calibration !== undefined ? { calibration: resolve(cwd, opts.calibration) } : {}),
    ...(opts.calibrationRepository !== undefined ? { calibrationRepository: opts.calibrationRepository } : {}),
  };
}

export async function runScan(settings: ScanSettings, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  let ledgerError: unknown;
  let ledger: ReviewLedger | LedgerOff = { off: 'switched-off', help: '(no --ledger)' };
  if (settings.ledger !== undefined) {
    const sink = dirLedger({ dir: settings.ledger, keyFile: settings.keyFile, origin: settings.origin, env: io.env, cwd: io.cwd, warn: (m) => io.stderr.write(`trailmark: ${m}\n`) });
    // The review reports a ledger failure as text; the error itself decides the exit code.
    ledger = { ...sink, appendOnce: (key, drafts) => sink.appendOnce(key, drafts).catch((err: unknown) => { ledgerError = err; throw err; }) };
  }
  const calibration = settings.calibration === undefined ? undefined : await loadCalibration(settings.calibration, settings.calibrationRepository, io);
  const { change, scope } = await loadChange(settings, ctx);
  let key = '';
  const progress = progressReporter(io, 'analyzing files');
  let outcome;
  try {
    outcome = await review({
      changes: { load: () => Promise.resolve(change.changeSet) },
      policy: localPolicySource(change, settings.configFile),
      records: localRecordSource(change, settings.records),
      ledger,
      analyze: (changeSet, options) => analyzeChange(changeSet, { ...options, onProgress: progress.update }),
    }, {
      key: (policy, c) => (key = analysisKey(scope, c.base, c.head, policy)),
      failOn: settings.failOn,
      repository: basename(settings.repo),
      ...(calibration === undefined ? {} : { calibration }),
    });
  } finally {
    progress.done();
  }
  if (outcome.status === 'invalid-policy') throw outcome.error;
  const result = outcome.ledger.ref === undefined ? outcome.result : { ...outcome.result, ledger: outcome.ledger.ref };
  const color = io.stdout.isTTY && settings.output === undefined && io.env.NO_COLOR === undefined;
  const rendered = renderReport(result, settings.format, { color, verbose: settings.verbose, failOn: outcome.blocking.failOn });
  if (settings.output !== undefined) await writeFile(settings.output, rendered);
  else io.stdout.write(rendered);
  let code = EXIT_OK;
  if (settings.ledger !== undefined) {
    if (outcome.ledger.appended === false) io.stderr.write(`trailmark: ledger ${settings.ledger}: already recorded (analysis ${key}); nothing appended\n`);
    else if (outcome.ledger.failure !== undefined) {
      io.stderr.write(`trailmark: ${outcome.ledger.failure}\n`);
      code = exitCodeOf(ledgerError);
    } else if (outcome.ledger.appended !== true) io.stderr.write(`trailmark: ${outcome.ledger.note}\n`);
  }
  // The same decision as the Action's and the App's check conclusion (engine/review.ts).
  const { blocking } = outcome;
  if (blocking.failure !== undefined) {
    io.stderr.write(`trailmark: ${blocking.failure} and ${settings.failOn === blocking.failOn ? `--fail-on ${blocking.failOn} was given` : 'the repository policy sets it'}\n`);
    if (code === EXIT_OK) code = EXIT_INTEGRITY;
  }
  return code;
}

/**
 * The change set, loaded once (the policy and the records need its base and head), and the
 * scope of its analysis key: the repository, or a plain patch's digest (a patch has no
 * revisions, so its text names the change). The same change under the same policy is the
 * same analysis: a re-scan into the same ledger appends nothing.
 */
async function loadChange(settings: ScanSettings, ctx: CommandContext): Promise<{ change: LocalChange; scope: string }> {
  if (settings.patch !== undefined) {
    const text = (settings.patch === '-' ? await ctx.io.readStdin() : await readInputFile(settings.patch, 'patch')).toString('utf8');
    return { change: { changeSet: await patchChangeSource(text).load() }, scope: `cli:patch:${digestLines([text])}` };
  }
  const source = new GitChangeSource({ repo: settings.repo, head: settings.head, ...(settings.base !== undefined ? { base: settings.base } : {}) });
  const changeSet: ChangeSet = await source.load();
  return { change: { repo: settings.repo, changeSet }, scope: `cli:${settings.repo}` };
}

/**
 * The calibrated operating point for this scan from a `trailmark calibrate --json` file; undefined
 * (with a line on stderr) when the repository was not calibrated (too little history).
 */
async function loadCalibration(file: string, repository: string | undefined, io: CommandContext['io']): Promise<{ thresholds: { low: number; high: number }; reason: string } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError('NOT_FOUND', `cannot read --calibration ${printable(file, 200)}: ${describeError(err)}`, { hint: 'write it with trailmark calibrate --json > FILE' });
  }
  const report = parseCalibration(text, file);
  const stale = calibrationStale(report);
  if (stale !== undefined) {
    io.stderr.write(`trailmark: --calibration ${printable(file, 200)} is stale: ${printable(stale, 300)}: the shipped thresholds apply (run trailmark calibrate again)\n`);
    return undefined;
  }
  const chosen = repository === undefined ? (report.repositories.length === 1 ? report.repositories[0] : undefined) : calibratedThresholds(report, repository);
  if (chosen === undefined) {
    throw new UsageError('USAGE', repository === undefined
      ? `--calibration ${printable(file, 200)} holds ${report.repositories.length} repositories`
      : `--calibration ${printable(file, 200)} has no repository ${printable(repository, 200)}`, { hint: `pass --calibration-repository with one of: ${report.repositories.map((r) => r.repository).join(', ') || '(none)'}` });
  }
  if (chosen.status !== 'calibrated') {
    io.stderr.write(`trailmark: ${printable(chosen.repository, 200)} is not calibrated: ${printable(chosen.reason, 400)}\n`);
    return undefined;
  }
  return { thresholds: { ...chosen.calibrated.thresholds }, reason: chosen.reason };
}
