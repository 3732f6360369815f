// `trailmark detail list|show|erase|expire`: the detailed tier kept on this device
// (src/capture/detail.ts): redacted prompts and outputs, encrypted at rest under
// $TRAILMARK_HOME/detail, named by the salted commitments the capture records carry.
//
//   trailmark detail list [--json]
//   trailmark detail show COMMITMENT [--json]
//   trailmark detail erase COMMITMENT... [--json]
//   trailmark detail expire [--older-than 90d] [--config FILE] [--json]
//
// `expire` without --older-than uses `retention.prompts` of the repository policy
// (.github/trailmark.yml in the current directory, or --config FILE).
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { DETAIL_INTEGRITY_CODES, DetailError, openDetail, parseCommitment, type DetailStore } from '../../src/capture/detail.js';
import { trailmarkHome } from '../../src/capture/paths.js';
import { parsePolicy } from '../../src/config/policy.js';
import { printable, UsageError } from '../../src/core/errors.js';
import { parseRetentionPeriod, type RetentionPeriod } from '../../src/core/policy.js';
import { CONFIG_PATH } from '../../src/engine/review.js';
import { EXIT_INTEGRITY } from '../io.js';
import type { CommandContext } from '../main.js';

/** Versions of the `--json` documents; bumped on any incompatible change. */
export const DETAIL_LIST_SCHEMA = 'trailmark.detail-list/v1';
export const DETAIL_SHOW_SCHEMA = 'trailmark.detail/v1';
export const DETAIL_ERASE_SCHEMA = 'trailmark.detail-erase/v1';
export const DETAIL_EXPIRE_SCHEMA = 'trailmark.detail-expire/v1';

const EXIT_CODES = '\nExit codes: 0 ok; 1 a kept detail failed verification (altered, moved, or sealed with another key); 2 usage or input error.\nThe detail lives under $TRAILMARK_HOME/detail (default $XDG_STATE_HOME/trailmark, else ~/.local/state/trailmark).';

interface JsonOption {
  readonly json?: boolean;
}

interface ExpireOptions extends JsonOption {
  readonly olderThan?: string;
  readonly config?: string;
}

function store(ctx: CommandContext): DetailStore {
  return openDetail(trailmarkHome(ctx.io.env));
}

/** Runs `action`; a detail that fails verification is reported with exit code 1, other errors propagate (exit 2). */
async function guarded(ctx: CommandContext, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof DetailError) || !DETAIL_INTEGRITY_CODES.has(err.code)) throw err;
    ctx.io.stderr.write(`trailmark: ${err.message}${err.hint === undefined ? '' : `\nhint: ${err.hint}`}\n`);
    ctx.exitCode = EXIT_INTEGRITY;
  }
}

/** Commitments are checked before anything is erased, so a typo erases nothing. */
function parseAll(commitments: readonly string[]): void {
  for (const c of commitments) {
    try {
      parseCommitment(c);
    } catch (err) {
      if (err instanceof DetailError) throw new UsageError('BAD_INPUT', err.message, { hint: err.hint ?? 'pass sha256:<64 hex>' });
      throw err;
    }
  }
}

async function periodFromPolicy(ctx: CommandContext, config: string | undefined): Promise<RetentionPeriod> {
  const path = config === undefined ? join(ctx.io.cwd, CONFIG_PATH) : isAbsolute(config) ? config : join(ctx.io.cwd, config);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError('NOT_FOUND', `no --older-than, and cannot read the policy file ${path}`, {
      cause: err,
      hint: config === undefined ? `pass --older-than 90d, or run from the repository root (where ${CONFIG_PATH} sets retention.prompts)` : 'check the --config path',
    });
  }
  const period = parsePolicy(text, { source: path }).retention?.prompts;
  if (period === undefined) throw new UsageError('USAGE', `no --older-than, and ${path} has no retention.prompts`, { hint: 'pass --older-than 90d, or set retention: { prompts: 90d } in the policy' });
  return period;
}

export function register(program: Command, ctx: CommandContext): void {
  const detail = program
    .command('detail')
    .description("the detailed tier on this device: redacted prompts and outputs, encrypted at rest; only their salted commitments leave the machine")
    .addHelpText('after', EXIT_CODES);

  detail
    .command('list')
    .description('list the kept detail (commitment, edit time, path, redactions), oldest first')
    .option('--json', `machine-readable (${DETAIL_LIST_SCHEMA})`)
    .addHelpText('after', EXIT_CODES)
    .action((opts: JsonOption) =>
      guarded(ctx, async () => {
        const entries = await store(ctx).list();
        if (entries.some((e) => e.error !== undefined && DETAIL_INTEGRITY_CODES.has(e.error.code))) ctx.exitCode = EXIT_INTEGRITY;
        if (opts.json === true) {
          ctx.io.stdout.write(`${JSON.stringify({ schema: DETAIL_LIST_SCHEMA, details: entries }, null, 2)}\n`);
          return;
        }
        if (entries.length === 0) {
          ctx.io.stdout.write('no detail kept on this device\n');
          return;
        }
        for (const e of entries) {
          if (e.error !== undefined) ctx.io.stdout.write(`${e.commitment}  UNREADABLE  ${printable(e.error.message, 200)}\n`);
          else ctx.io.stdout.write(`${e.commitment}  ${printable(e.time ?? '', 40)}  ${printable(e.path ?? '')}  ${e.redactions ?? 0} redaction(s)\n`);
        }
      }),
    );

  detail
    .command('show')
    .description('decrypt one kept detail, re-check its commitment, and print it (secrets stay [REDACTED:<rule>])')
    .argument('<commitment>', 'sha256:<64 hex>, as the capture record carries it')
    .option('--json', `machine-readable (${DETAIL_SHOW_SCHEMA})`)
    .addHelpText('after', EXIT_CODES)
    .action((commitment: string, opts: JsonOption) =>
      guarded(ctx, async () => {
        parseAll([commitment]);
        const r = await store(ctx).open(commitment);
        if (opts.json === true) {
          ctx.io.stdout.write(`${JSON.stringify({ schema: DETAIL_SHOW_SCHEMA, ...r }, null, 2)}\n`);
          return;
        }
        const lines = [
          `commitment: ${r.commitment} (verified)`,
          `path:       ${printable(r.path)}`,
          `time:       ${printable(r.time, 40)}`,
          `redactions: ${r.redactions}${r.truncated ? ' (cut to its size bound)' : ''}`,
          '',
          '--- prompt',
          r.prompt ?? '(no prompt was stashed for this session)',
          '--- output',
          r.output,
        ];
        ctx.io.stdout.write(`${lines.join('\n')}\n`);
      }),
    );

  detail
    .command('erase')
    .description('delete kept detail; its commitment can then never be opened again (the salt is gone), and the ledger still verifies')
    .argument('<commitments...>', 'one or more sha256:<64 hex>')
    .option('--json', `machine-readable (${DETAIL_ERASE_SCHEMA})`)
    .addHelpText('after', EXIT_CODES)
    .action(async (commitments: string[], opts: JsonOption) => {
      parseAll(commitments);
      const s = store(ctx);
      const erased: string[] = [];
      const absent: string[] = [];
      for (const c of [...new Set(commitments)]) ((await s.erase(c)) ? erased : absent).push(c);
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({ schema: DETAIL_ERASE_SCHEMA, erased, absent }, null, 2)}\n`);
        return;
      }
      for (const c of erased) ctx.io.stdout.write(`erased ${c}\n`);
      for (const c of absent) ctx.io.stdout.write(`no detail for ${c} on this device (already erased, expired, or kept elsewhere)\n`);
    });

  detail
    .command('expire')
    .description(`delete kept detail and stashed prompts older than a period (default: retention.prompts of ${CONFIG_PATH})`)
    .option('--older-than <period>', 'a retention period: 30d, 12w, 18m, 1y')
    .option('--config <file>', `policy file for the default period (default: ${CONFIG_PATH} in the current directory)`)
    .option('--json', `machine-readable (${DETAIL_EXPIRE_SCHEMA})`)
    .addHelpText('after', EXIT_CODES)
    .action(async (opts: ExpireOptions) => {
      let period: RetentionPeriod;
      if (opts.olderThan !== undefined) {
        const parsed = parseRetentionPeriod(opts.olderThan);
        if (parsed === undefined) throw new UsageError('BAD_INPUT', `not a retention period: ${JSON.stringify(printable(opts.olderThan, 40))}`, { hint: 'write a positive amount and a unit: 90d, 12w, 18m, 1y' });
        period = parsed;
      } else {
        period = await periodFromPolicy(ctx, opts.config);
      }
      const result = await store(ctx).expire(period);
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({ schema: DETAIL_EXPIRE_SCHEMA, olderThan: period.text, ...result }, null, 2)}\n`);
        return;
      }
      ctx.io.stdout.write(`erased ${result.erased.length} kept detail(s) and ${result.prompts} stashed prompt(s) older than ${period.text} (before ${result.cutoff})\n`);
      for (const c of result.erased) ctx.io.stdout.write(`erased ${c}\n`);
      for (const s of result.skipped) ctx.io.stdout.write(`kept ${s.commitment}: ${printable(s.reason, 200)}\n`);
    });
}
