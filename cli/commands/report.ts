// `trailmark report`: the attestation-gap report over one or more ledgers, for a period (the
// last complete ISO week by default). Every ledger is verified first; the report is always
// written, and the exit code is 1 when a ledger failed verification (the failure is shown in
// the report's provenance), 2 on usage errors.
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { Option, type Command } from 'commander';
import { parsePolicy } from '../../src/config/policy.js';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.js';
import { UsageError } from '../../src/core/errors.js';
import { systemClock, type Clock } from '../../src/core/ports.js';
import { isEmptyLedger } from '../../src/engine/ledger.js';
import { renderReportHtml } from '../../src/engine/report-html.js';
import { operatingPointsFor } from '../../src/engine/report-job.js';
import { CONFIG_PATH } from '../../src/engine/review.js';
import { buildReport, findingsCsv, renderWeeklyReport, verifySources, weekRange, type ReportOptions, type ReportSource } from '../../src/engine/report.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { loadVerifiers } from '../../src/ledger/store/key-source.js';
import { subjectsAtRestOf } from '../../src/ledger/store/subject-keyring.js';
import { EXIT_INTEGRITY, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

interface ReportCliOptions {
  readonly ledger: string[];
  readonly key: string[];
  readonly verifierKey: string[];
  readonly since?: string;
  readonly until?: string;
  readonly week?: string;
  readonly format: 'markdown' | 'html' | 'json' | 'csv';
  readonly repo: string[];
  readonly sensitive: string[];
  /** A policy file; `false` with --no-config (no policy, not even the repository's). */
  readonly config?: string | false;
  readonly output?: string;
  readonly trendWeeks?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Test hook: a fixed clock through TRAILMARK_REPORT_NOW (RFC 3339), else the system clock. */
function clockOf(env: Readonly<Record<string, string | undefined>>): Clock {
  const fixed = env.TRAILMARK_REPORT_NOW;
  if (fixed === undefined || fixed === '') return systemClock;
  const ms = Date.parse(fixed);
  if (!Number.isFinite(ms)) throw new UsageError('BAD_INPUT', `TRAILMARK_REPORT_NOW ${JSON.stringify(fixed.slice(0, 60))} is not a time`, { hint: 'unset it, or use an RFC 3339 time' });
  return { now: () => ms };
}

function trendWeeks(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 260) throw new UsageError('BAD_INPUT', `--trend-weeks ${JSON.stringify(text.slice(0, 20))} must be a whole number from 1 to 260`, { hint: 'e.g. --trend-weeks 8' });
  return n;
}

/**
 * The policy file whose sensitive paths the report uses: `--config FILE`, else the repository's
 * own `.github/trailmark.yml` when run inside a git work tree (found by walking up to the
 * directory holding `.git`), else none. `--no-config` turns the default off.
 */
function policyFile(config: string | false | undefined, cwd: string): { readonly path: string; readonly given: boolean } | undefined {
  if (config === false) return undefined;
  if (config !== undefined) return { path: isAbsolute(config) ? config : join(cwd, config), given: true };
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) {
      const path = join(dir, CONFIG_PATH);
      return existsSync(path) ? { path, given: false } : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The policy file (an invalid file is a configuration error, exit 2). */
async function readPolicyFile(file: { readonly path: string; readonly given: boolean }): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (cause) {
    throw new UsageError('NOT_FOUND', `cannot read the policy file ${file.path}`, { cause, hint: file.given ? 'check the --config path' : 'fix the file, or pass --no-config to report without it' });
  }
  return parsePolicy(text, { source: file.path });
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description('the attestation-gap report over ledgers for a period (default: the last complete ISO week)')
    .option('--ledger <dir>', `ledger directory (repeatable; default ${DEFAULT_LEDGER_DIR})`, collect, [])
    .option('--key <pub>', 'trusted verifier key, or a file holding keys (repeatable)', collect, [])
    .option('--verifier-key <key>', 'trusted verifier key text (repeatable)', collect, [])
    .option('--since <date>', 'period start, inclusive (YYYY-MM-DD or RFC 3339, UTC)')
    .option('--until <date>', 'period end, exclusive')
    .option('--week <week>', 'an ISO week, e.g. 2026-W49 (instead of --since/--until)')
    .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'html', 'json', 'csv']).default('markdown'))
    .option('--repo <owner/name>', 'only this repository (repeatable)', collect, [])
    .option('--sensitive <glob>', 'sensitive-path glob, for every repository (repeatable; added to the policy\'s)', collect, [])
    .option('--config <file>', `policy file whose sensitive-paths the report uses, for every repository (default: ${CONFIG_PATH} of the git work tree, when there is one)`)
    .option('--no-config', 'use no policy file (only --sensitive)')
    .option('--output <file>', 'write the report to a file instead of standard output')
    .option('--trend-weeks <n>', 'weeks in the trend (default 8)')
    .action(async (opts: ReportCliOptions) => {
      const cwd = ctx.io.cwd;
      if (opts.week !== undefined && (opts.since !== undefined || opts.until !== undefined)) {
        throw new UsageError('USAGE', '--week cannot be combined with --since/--until', { hint: 'pass either --week 2026-W49 or --since DATE --until DATE' });
      }
      const keys = loadVerifiers([...opts.key, ...opts.verifierKey], cwd);
      const dirs = opts.ledger.length > 0 ? opts.ledger : [DEFAULT_LEDGER_DIR];
      const sources: ReportSource[] = [];
      for (const d of dirs) {
        const dir = isAbsolute(d) ? d : join(cwd, d);
        const store = openDirStore(dir);
        if (await isEmptyLedger(store)) {
          throw new UsageError('NOT_FOUND', `${d} holds no ledger (no entries, no checkpoint)`, { hint: 'pass --ledger DIR pointing at a ledger directory (it holds entries.jsonl and checkpoint)' });
        }
        sources.push({ store, keys, location: d });
        // The at-rest line (docs/erasure.md): openings kept in clear are said plainly, on
        // standard error so the report document itself stays as it is; never a failure.
        const atRest = await subjectsAtRestOf(store);
        if (atRest !== null && atRest.warning !== null) ctx.io.stderr.write(`trailmark: warning: ledger ${d}: ${atRest.warning}\n`);
      }
      const period = opts.week !== undefined ? weekRange(opts.week) : { since: opts.since, until: opts.until };
      // The policy's sensitive paths, merged with --sensitive (duplicates dropped, policy first).
      const file = policyFile(opts.config, cwd);
      const policy = file === undefined ? DEFAULT_POLICY : await readPolicyFile(file);
      const sensitive = [...new Set([...(file === undefined ? [] : policy.sensitivePaths), ...opts.sensitive])];
      const tw = trendWeeks(opts.trendWeeks);
      const options: ReportOptions = {
        ...(period.since !== undefined ? { since: period.since } : {}),
        ...(period.until !== undefined ? { until: period.until } : {}),
        clock: clockOf(ctx.io.env),
        repositories: opts.repo,
        ...(sensitive.length > 0 ? { sensitivePaths: sensitive } : {}),
        ...(tw !== undefined ? { trendWeeks: tw } : {}),
      };
      const output = opts.output === undefined ? undefined : isAbsolute(opts.output) ? opts.output : join(cwd, opts.output);
      // Fail on an unwritable --output before reading any ledger.
      if (output !== undefined) await writeFile(output, '').catch((cause: unknown) => {
        throw new UsageError('BAD_INPUT', `cannot write --output ${opts.output}`, { cause, hint: 'check that the directory exists and is writable' });
      });
      let verified: boolean;
      if (opts.format === 'csv') {
        verified = (await verifySources(sources)).every((v) => v.report.ok);
        const stream = output === undefined ? null : createWriteStream(output);
        // `finished` rejects on a write error (disk full); the listener keeps it from being unhandled meanwhile.
        const done = stream === null ? null : finished(stream);
        done?.catch(() => undefined);
        for await (const chunk of findingsCsv(sources, options)) {
          if (stream === null) ctx.io.stdout.write(chunk);
          else if (!stream.write(chunk)) await Promise.race([new Promise<void>((r) => stream.once('drain', () => r())), done]);
        }
        if (stream !== null) {
          stream.end();
          await done;
        }
      } else {
        const built = await buildReport(sources, options);
        verified = built.provenance.ledgers.every((l) => l.verified);
        // The operating points (docs/calibration.md), from the ledgers that verified only: a
        // calibration moves thresholds, so it is never made from a ledger that failed.
        const trusted = sources.filter((s) => built.provenance.ledgers.some((l) => l.location === s.location && l.verified)).map((s) => s.store);
        const points = await operatingPointsFor(trusted, policy, opts.repo);
        const model = points.length === 0 ? built : { ...built, operatingPoints: points };
        const text = opts.format === 'html' ? await renderReportHtml(model) : renderWeeklyReport(model, opts.format);
        if (output === undefined) ctx.io.stdout.write(text);
        else await writeFile(output, text);
      }
      if (!verified) ctx.io.stderr.write('trailmark: a ledger failed verification; the report shows which and why\nhint: run `trailmark verify --ledger DIR --key PUB` for details\n');
      ctx.exitCode = verified ? EXIT_OK : EXIT_INTEGRITY;
    });
}
