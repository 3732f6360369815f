// `trailmark scan`: parse the invocation once into ScanSettings, load the change set from a
// local repository (or a plain patch), run the engine, render, optionally append to a ledger.

import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_POLICY, type Policy } from '../../core/policy.js';
import type { RawRecord } from '../../core/ports.js';
import type { ChangeSet, ScanResult } from '../../core/types.js';
import { UsageError } from '../../core/errors.js';
import { analyzeChange } from '../../engine/analyze.js';
import { AGENT_TRACE_PATH, CONFIG_PATH, blockingOf } from '../../engine/review.js';
import { GitChangeSource, readFileAtRevision, readGitAiNotes } from '../../git/index.js';
import { changeSetFromPatch } from '../../diff/patch-source.js';
import { parsePolicy } from '../../config/policy.js';
import { renderJson } from '../../report/json.js';
import { renderMarkdown } from '../../report/markdown.js';
import { renderSarif } from '../../report/sarif.js';
import { renderText } from '../../report/text.js';
import { TOOL_VERSION } from '../../core/version.js';
import type { CommandContext } from '../main.js';
import { EXIT_INTEGRITY } from '../io.js';
import { appendScanToLedger } from '../ledger-sink.js';
import { progressReporter } from '../progress.js';

export { AGENT_TRACE_PATH, CONFIG_PATH };
/** Record files bigger than this are refused rather than read into memory. */
const MAX_RECORD_FILE_BYTES = 16 * 1024 * 1024;

type Format = 'text' | 'json' | 'sarif' | 'markdown';

export interface ScanSettings {
  readonly repo: string;
  readonly base?: string;
  readonly head: string;
  readonly patch?: string;
  readonly format: Format;
  readonly configFile?: string;
  readonly records: readonly string[];
  readonly failOn: 'none' | 'unattested' | 'contradicted';
  readonly output?: string;
  readonly ledger?: string;
  readonly keyFile?: string;
  readonly origin?: string;
  readonly verbose: boolean;
}

interface RawOptions {
  repo: string;
  base?: string;
  head: string;
  patch?: string;
  format: Format;
  config?: string;
  records: string[];
  failOn: 'none' | 'unattested' | 'contradicted';
  output?: string;
  ledger?: string;
  keyFile?: string;
  origin?: string;
  verbose?: boolean;
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
    .addOption(new Option('--fail-on <kind>', 'exit 1 on findings: unattested (unattested or contradicted hunks) or contradicted').choices(['none', 'unattested', 'contradicted']).default('none'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .option('--ledger <dir>', 'append the analysis to this ledger directory and publish a checkpoint')
    .option('--key-file <file>', 'ledger signing key file (default: $TRAILMARK_SIGNING_KEY)')
    .option('--origin <origin>', 'ledger origin line (default: the key name)')
    .option('-v, --verbose', 'list clear hunks too in the text report')
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
  };
}

export async function runScan(settings: ScanSettings, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const changeSet = await loadChangeSet(settings, ctx);
  const policy = await loadPolicy(settings, changeSet);
  const records = await loadRecords(settings, changeSet);
  const progress = progressReporter(io, 'analyzing files');
  let result: ScanResult;
  try {
    result = await analyzeChange(changeSet, { policy, records, onProgress: progress.update });
  } finally {
    progress.done();
  }
  if (settings.ledger !== undefined) {
    const ledger = await appendScanToLedger(result, {
      dir: settings.ledger,
      keyFile: settings.keyFile,
      origin: settings.origin,
      env: io.env,
      cwd: io.cwd,
      repository: changeSet.context?.repository ?? basename(settings.repo),
      policy,
      warn: (m) => io.stderr.write(`trailmark: ${m}\n`),
    });
    result = { ...result, ledger };
  }
  const rendered = render(result, settings, io.stdout.isTTY && settings.output === undefined && io.env.NO_COLOR === undefined);
  if (settings.output !== undefined) await writeFile(settings.output, rendered);
  else io.stdout.write(rendered);
  // The same decision as the Action's and the App's check conclusion (engine/review.ts).
  const blocking = blockingOf(result.summary, settings.failOn);
  if (blocking.failure !== undefined) {
    io.stderr.write(`trailmark: ${blocking.failure} and --fail-on ${settings.failOn} was given\n`);
    return EXIT_INTEGRITY;
  }
  return 0;
}

function render(result: ScanResult, settings: ScanSettings, color: boolean): string {
  switch (settings.format) {
    case 'json':
      return renderJson(result);
    case 'sarif':
      return renderSarif(result, { toolVersion: TOOL_VERSION });
    case 'markdown':
      return renderMarkdown(result, { failOn: settings.failOn });
    case 'text':
      return renderText(result, { color, verbose: settings.verbose, failOn: settings.failOn });
  }
}

async function loadChangeSet(settings: ScanSettings, ctx: CommandContext): Promise<ChangeSet> {
  if (settings.patch !== undefined) {
    const bytes = settings.patch === '-' ? await ctx.io.readStdin() : await readInputFile(settings.patch, 'patch');
    return changeSetFromPatch(bytes.toString('utf8'));
  }
  const source = new GitChangeSource({ repo: settings.repo, head: settings.head, ...(settings.base !== undefined ? { base: settings.base } : {}) });
  return source.load();
}

/** The policy comes from the BASE revision, so a pull request cannot weaken its own policy. */
async function loadPolicy(settings: ScanSettings, changeSet: ChangeSet): Promise<Policy> {
  if (settings.configFile !== undefined) {
    const text = (await readInputFile(settings.configFile, 'config')).toString('utf8');
    return parsePolicy(text, { source: settings.configFile });
  }
  if (settings.patch !== undefined || changeSet.base === null) return DEFAULT_POLICY;
  const text = await readFileAtRevision(settings.repo, changeSet.base, CONFIG_PATH);
  return text === undefined ? DEFAULT_POLICY : parsePolicy(text, { source: `${CONFIG_PATH}@${changeSet.base.slice(0, 12)}` });
}

async function loadRecords(settings: ScanSettings, changeSet: ChangeSet): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  if (settings.patch === undefined && changeSet.head !== null) {
    const inRepo = await readFileAtRevision(settings.repo, changeSet.head, AGENT_TRACE_PATH);
    if (inRepo !== undefined) records.push({ format: 'agent-trace', origin: `${AGENT_TRACE_PATH}@${changeSet.head.slice(0, 12)}`, text: inRepo });
    records.push(...(await readGitAiNotes(settings.repo, changeSet.commits.map((c) => c.sha))));
  }
  for (const path of settings.records) {
    for (const file of await recordFiles(path)) {
      records.push({ format: 'agent-trace', origin: file, text: (await readInputFile(file, 'record')).toString('utf8') });
    }
  }
  return records;
}

async function recordFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new UsageError('NOT_FOUND', `cannot read records at ${path}`, { cause, hint: 'pass an Agent Trace .json/.jsonl file or a directory of them' });
  });
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.endsWith('.json') || n.endsWith('.jsonl')).sort();
  return names.map((n) => join(path, n));
}

async function readInputFile(path: string, what: string): Promise<Buffer> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new UsageError('NOT_FOUND', `cannot read ${what} file ${path}`, { cause, hint: 'check the path' });
  });
  if (what === 'record' && info.size > MAX_RECORD_FILE_BYTES) {
    throw new UsageError('BAD_INPUT', `record file ${path} is ${info.size} bytes, over the ${MAX_RECORD_FILE_BYTES}-byte limit`, { hint: 'split the records into smaller files' });
  }
  return readFile(path);
}
