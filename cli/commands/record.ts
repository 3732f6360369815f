// `trailmark record register|push|status`: the device side of the collector protocol
// (docs/collector-protocol.md, docs/spool.md).
//   register --collector URL --repository O/N [--token-env NAME]  registers this device with the
//            App (the GitHub user token is read from an environment variable, never a flag value)
//   push [--json] [--background]   replays the spool; --background logs to capture.log, prints nothing
//   status [--json]                device, last seq, cursors, pending, last receipt, gaps
// Exit codes: 0 ok (also when another push is running), 1 a receipt failed verification,
// 2 usage error or a collector that refused or could not be reached (nothing is lost).
import type { Command } from 'commander';
import { UsageError, describeError } from '../../src/core/errors.js';
import { trailmarkHome } from '../../src/capture/paths.js';
import { DEFAULT_MAX_ATTEMPTS, appendLog, cursorKey, lastReceipt, pushSpool, readCollectors, register as registerDevice, type PushResult } from '../../src/capture/push.js';
import { openSpool } from '../../src/capture/spool.js';
import { EXIT_INTEGRITY, EXIT_OK, EXIT_USAGE } from '../io.js';
import { progressReporter } from '../progress.js';
import type { CommandContext } from '../main.js';

export const RECORD_STATUS_SCHEMA = 'trailmark.record-status/v1';
const INTEGRITY = new Set(['BAD_SIGNATURE', 'RECEIPT_INVALID', 'BAD_KEY']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;

interface RegisterCliOptions {
  readonly collector: string;
  readonly repository: string;
  readonly tokenEnv: string;
}

function pushExitCode(result: PushResult): number {
  if (result.collectors.some((c) => c.error !== undefined && INTEGRITY.has(c.error.code))) return EXIT_INTEGRITY;
  return result.ok ? EXIT_OK : EXIT_USAGE;
}

function describePush(result: PushResult): string {
  if (result.busy) return 'a push is already running for this device; it will send everything\n';
  let out = '';
  for (const c of result.collectors) {
    out += `${c.url} (installation ${c.installation}): sent ${c.sent}, accepted ${c.accepted}, duplicates ${c.duplicates}, rejected ${c.rejected.length}, skipped ${c.skipped.length}; cursor ${c.cursor}, pending ${c.pending}\n`;
    for (const r of c.rejected) out += `  rejected seq ${r.seq}: ${r.reason}\n`;
    for (const s of c.skipped) out += `  skipped seq ${s.seq}: ${s.reason}\n`;
    if (c.gaps.length > 0) out += `  the collector is missing seqs ${c.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ')}\n`;
    if (c.error !== undefined) out += `  error: ${c.error.message}${c.error.hint !== undefined ? `\n  hint: ${c.error.hint}` : ''}\n`;
  }
  return out;
}

export function register(program: Command, ctx: CommandContext): void {
  const record = program
    .command('record')
    .description('send captured records to the App\'s collector: register this device, push the spool, show its status')
    .addHelpText('after', '\nExit codes: 0 ok, 1 a collector receipt failed verification, 2 usage error or a collector refused or was unreachable (nothing is lost: the spool keeps every record).');

  record
    .command('register')
    .description('register this device with a trailmark App collector for a repository (stores an upload token in collectors.json, mode 0600)')
    .requiredOption('--collector <url>', 'the App origin, e.g. https://trailmark.example.com')
    .requiredOption('--repository <owner/name>', 'a repository the App is installed on and you can push to')
    .option('--token-env <name>', 'environment variable holding your GitHub user token (never pass the token itself)', 'GITHUB_TOKEN')
    .action(async (opts: RegisterCliOptions) => {
      if (!ENV_NAME.test(opts.tokenEnv)) throw new UsageError('USAGE', `--token-env ${opts.tokenEnv} is not an environment variable name`, { hint: 'pass a name such as GITHUB_TOKEN, not the token' });
      const githubToken = ctx.io.env[opts.tokenEnv] ?? '';
      if (githubToken === '') throw new UsageError('USAGE', `environment variable ${opts.tokenEnv} is empty`, { hint: `export ${opts.tokenEnv}="$(gh auth token)" or name another variable with --token-env` });
      const home = trailmarkHome(ctx.io.env);
      const entry = await registerDevice({ home, url: opts.collector, githubToken, repository: opts.repository });
      ctx.io.stdout.write(`registered device ${entry.device} with ${entry.url} (installation ${entry.installation}${entry.login !== undefined ? `, user ${entry.login}` : ''}) for ${(entry.repositories ?? []).join(', ')}\nhint: run \`trailmark record push\` to send the spool\n`);
      ctx.exitCode = EXIT_OK;
    });

  record
    .command('push')
    .description('send the spool to every registered collector, in order and in batches, keeping the signed receipts')
    .option('--json', 'machine-readable outcome (schema trailmark.record-push/v1)')
    .option('--background', 'run quietly: outcome and errors go to capture.log (used by the hooks)')
    .option('--attempts <n>', `tries per batch before giving up, with backoff between them (default ${DEFAULT_MAX_ATTEMPTS}); nothing is lost when it gives up`, parseAttempts)
    .action(async (opts: { json?: boolean; background?: boolean; attempts?: number }) => {
      // A background push (started by a hook) gives up sooner: the next hook or an explicit push
      // tries again, and the spool keeps everything meanwhile.
      const attempts = opts.attempts !== undefined ? { maxAttempts: opts.attempts } : opts.background === true ? { maxAttempts: BACKGROUND_ATTEMPTS } : {};
      const home = trailmarkHome(ctx.io.env);
      if (opts.background === true) {
        try {
          if (readCollectors(home).length === 0) return;
          const result = await pushSpool({ home, ...attempts, log: (line) => appendLog(home, `record push: ${line}`) });
          if (!result.busy) appendLog(home, `record push: ${describePush(result).trim().replace(/\n/g, '; ')}`);
        } catch (err) {
          appendLog(home, `record push: ${describeError(err)}`);
        }
        ctx.exitCode = EXIT_OK;
        return;
      }
      if (readCollectors(home).length === 0) throw new UsageError('NOT_FOUND', 'no collector is registered for this device', { hint: 'run `trailmark record register --collector URL --repository OWNER/NAME` first' });
      const progress = progressReporter(ctx.io, 'record push');
      let result: PushResult;
      try {
        result = await pushSpool({ home, ...attempts, progress: progress.update, log: ctx.io.stderr.isTTY ? (line) => ctx.io.stderr.write(`${line}\n`) : undefined });
      } finally {
        progress.done();
      }
      ctx.io.stdout.write(opts.json === true ? `${JSON.stringify(result, null, 2)}\n` : describePush(result));
      ctx.exitCode = pushExitCode(result);
    });

  record
    .command('status')
    .description('this device, its spool (last seq, pending per collector) and the last receipt')
    .option('--json', 'machine-readable status (schema trailmark.record-status/v1)')
    .action(async (opts: { json?: boolean }) => {
      const home = trailmarkHome(ctx.io.env);
      const spool = await openSpool(home);
      const stats = await spool.stats();
      const collectors = await Promise.all(readCollectors(home).map(async (e) => {
        const s = await spool.stats(cursorKey(e));
        return { url: e.url, installation: e.installation, repositories: e.repositories ?? [], cursor: s.cursor, pending: s.pending };
      }));
      const receipt = lastReceipt(home);
      const last = receipt === null ? null : { time: receipt.time, collector: receipt.collector, batch: receipt.batch, accepted: receipt.accepted.length, duplicates: receipt.duplicates.length, rejected: receipt.rejected.length };
      const gaps = receipt?.gaps ?? [];
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({ schema: RECORD_STATUS_SCHEMA, device: spool.device, spool: spool.dir, lastSeq: stats.lastSeq, records: stats.count, segments: stats.segments, collectors, lastReceipt: last, gaps }, null, 2)}\n`);
        return;
      }
      let out = `device ${spool.device}\nspool ${spool.dir}: last seq ${stats.lastSeq}, ${stats.count} records in ${stats.segments} segments\n`;
      if (collectors.length === 0) out += 'no collector registered (hint: `trailmark record register --collector URL --repository OWNER/NAME`)\n';
      for (const c of collectors) out += `collector ${c.url} (installation ${c.installation}): cursor ${c.cursor}, pending ${c.pending}\n`;
      out += last === null ? 'no receipt yet\n' : `last receipt ${last.time} from ${last.collector}: accepted ${last.accepted}, duplicates ${last.duplicates}, rejected ${last.rejected}\n`;
      if (gaps.length > 0) out += `the collector reports missing seqs ${gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ')}\n`;
      ctx.io.stdout.write(out);
    });
}

/** Tries per batch of a background push. */
const BACKGROUND_ATTEMPTS = 2;

function parseAttempts(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > 100) throw new UsageError('USAGE', `--attempts ${JSON.stringify(text)} is not a whole number from 1 to 100`, { hint: 'leave it out for the default' });
  return n;
}
