// `trailmark calibrate --ledger DIR… [--repository R] [--config FILE] [--json]`: each repository's
// operating point from its own history in the ledgers (engine/calibration.ts has the rule). JSON:
// `trailmark.calibration/v1`, which `trailmark scan --calibration FILE` reads (docs/calibration.md).
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError, printable } from '../../src/core/errors.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { parsePolicy } from '../../src/config/policy.js';
import { CALIBRATION_DEFAULTS, calibrate, currentModel, type CalibrationReport, type RepositoryCalibration } from '../../src/engine/calibration.js';
import { isEmptyLedger } from '../../src/engine/ledger.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import type { CommandContext } from '../program.js';

interface CalibrateOptions {
  readonly ledger: string[];
  readonly repository?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly targetRate: string;
  readonly minUnattested: string;
  readonly minAttested: string;
  readonly maxShift: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function number(value: string, option: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError('USAGE', `${option} ${JSON.stringify(printable(value, 40))} is not a ${integer ? 'whole number' : 'number'} ≥ 0`);
  }
  return n;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('calibrate')
    .description("set each repository's operating point from its own history in the ledgers (bounded; see docs/calibration.md)")
    .option('--ledger <dir>', `ledger directory (repeatable; default ${DEFAULT_LEDGER_DIR})`, collect, [])
    .option('--repository <owner/name>', 'only this repository (default: every repository in the ledgers)')
    .option('--config <file>', 'policy file whose thresholds the calibration starts from (default: the shipped thresholds)')
    .option('--json', 'print trailmark.calibration/v1 (what scan --calibration reads)')
    .option('--target-rate <share>', 'largest share of unattested hunks the calibrated high threshold flags', String(CALIBRATION_DEFAULTS.targetFlagRate))
    .option('--min-unattested <n>', 'unattested hunks needed before calibrating', String(CALIBRATION_DEFAULTS.minUnattested))
    .option('--min-attested <n>', 'attested hunks needed before calibrating', String(CALIBRATION_DEFAULTS.minAttested))
    .option('--max-shift <x>', 'largest move of the high threshold from its starting value', String(CALIBRATION_DEFAULTS.maxShift))
    .action(async (opts: CalibrateOptions) => {
      const { io } = ctx;
      const dirs = (opts.ledger.length > 0 ? opts.ledger : [DEFAULT_LEDGER_DIR]).map((d) => (isAbsolute(d) ? d : join(io.cwd, d)));
      const stores = dirs.map((d) => openDirStore(d));
      for (const [i, store] of stores.entries()) {
        if (await isEmptyLedger(store)) {
          throw new UsageError('NOT_FOUND', `${printable(dirs[i]!, 200)} holds no ledger (no entries, no checkpoint)`, { hint: 'pass --ledger DIR pointing at a ledger directory' });
        }
      }
      let thresholds = DEFAULT_POLICY.thresholds;
      if (opts.config !== undefined) {
        const path = isAbsolute(opts.config) ? opts.config : join(io.cwd, opts.config);
        thresholds = parsePolicy(await readFile(path, 'utf8'), { source: opts.config }).thresholds;
      }
      const report = await calibrate(stores, {
        model: currentModel(),
        thresholds,
        targetFlagRate: number(opts.targetRate, '--target-rate', false),
        minUnattested: number(opts.minUnattested, '--min-unattested', true),
        minAttested: number(opts.minAttested, '--min-attested', true),
        maxShift: number(opts.maxShift, '--max-shift', false),
        ...(opts.repository === undefined ? {} : { repository: opts.repository }),
      });
      if (opts.repository !== undefined && report.repositories.length === 0) {
        throw new UsageError('NOT_FOUND', `the ledgers hold no analysis of ${printable(opts.repository, 200)}`, { hint: 'check the name (owner/name) or the --ledger directories' });
      }
      io.stdout.write(opts.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    });
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function renderText(report: CalibrationReport): string {
  const lines = [`calibration for ${report.model}: at most ${pct(report.rule.targetFlagRate)} of a repository's unattested hunks flagged, high moved at most ±${report.rule.maxShift}, needs ≥ ${report.rule.minUnattested} unattested and ≥ ${report.rule.minAttested} attested hunks`];
  if (report.repositories.length === 0) lines.push('', 'no analyses in the ledgers');
  for (const r of report.repositories) lines.push('', ...repositoryLines(r));
  return `${lines.join('\n')}\n`;
}

function repositoryLines(r: RepositoryCalibration): string[] {
  const p = (s: string) => printable(s, 200);
  const point = (name: string, o: RepositoryCalibration['shipped']) => `  ${name.padEnd(10)} low ${o.thresholds.low.toFixed(4)}  high ${o.thresholds.high.toFixed(4)}  unattested flagged ${pct(o.unattestedFlagRate)}  attested recall ${pct(o.attestedRecall)}`;
  return [
    `${p(r.repository)}: ${r.status} (${r.hunks.attested} attested, ${r.hunks.unattested} unattested hunks; ${r.hunks.otherModel} scored by another model version, ${r.hunks.skipped} skipped)`,
    point('shipped', r.shipped),
    ...(r.status === 'calibrated' ? [point('calibrated', r.calibrated)] : []),
    `  ${p(r.reason)}`,
  ];
}
