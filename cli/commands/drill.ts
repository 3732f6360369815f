// `trailmark drill [--ledger DIR]... [--repo PATH] [--since T --until T] [--seed N] [--key-file K]`:
// the fire drill. Draws one merged pull request of the period, traces it from the merge entry
// to today's code, prints every link (and every missing one), appends the outcome as a signed
// `drill` entry to the first ledger. Exit 0 when every link holds, 1 when one is missing.
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError, printable } from '../../src/core/errors.js';
import { systemClock, systemRandom, type Random } from '../../src/core/ports.js';
import { runDrill, type DrillReport } from '../../src/engine/drill.js';
import { isEmptyLedger } from '../../src/engine/ledger.js';
import { localBlameGit } from '../../src/git/blame.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { loadSigner, loadVerifiers } from '../../src/ledger/store/key-source.js';
import { EXIT_INTEGRITY, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

interface DrillOptions {
  readonly ledger: string[];
  readonly repo: string;
  readonly rev: string;
  readonly repository?: string;
  readonly since?: string;
  readonly until?: string;
  readonly seed?: string;
  readonly keyFile?: string;
  readonly key: string[];
  readonly format: 'text' | 'json';
}

const collect = (value: string, previous: string[]) => [...previous, value];
const DAY = 86_400_000;

/** A replayable draw: SHA-256 in counter mode over the seed. Not for secrets (salts use systemRandom). */
export function seededRandom(seed: string): Random {
  let counter = 0;
  return {
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let o = 0; o < n; o += 32) createHash('sha256').update(`trailmark-drill/${seed}/${counter++}`).digest().copy(out, o);
      return out;
    },
  };
}

/** RFC 3339, or a date (`2026-12-01`: the start of that day for --since, its end for --until). */
function periodBound(value: string, end: boolean, what: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return `${value}T${end ? '23:59:59.999' : '00:00:00'}Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new UsageError('BAD_INPUT', `${what} ${JSON.stringify(printable(value, 60))} is not a date or an RFC 3339 time`, { hint: 'e.g. --since 2026-12-01 --until 2026-12-07T23:59:59Z' });
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('drill')
    .description('fire drill: trace one random merged change from its pull request to today\'s code, and record the outcome in the ledger')
    .option('--ledger <dir>', `ledger directory (repeatable; the drill entry goes to the first; default ${DEFAULT_LEDGER_DIR})`, collect, [])
    .option('--repo <dir>', 'git repository (clone) holding today\'s code', '.')
    .option('--rev <rev>', 'revision of today\'s code', 'HEAD')
    .option('--repository <owner/name>', 'draw only from this repository')
    .option('--since <time>', 'start of the period (date or RFC 3339; default: 7 days before --until)')
    .option('--until <time>', 'end of the period (default: now)')
    .option('--seed <n>', 'seed of the draw, to replay a drill (default: random)')
    .option('--key-file <file>', 'ledger signing key file (default: $TRAILMARK_SIGNING_KEY)')
    .option('--key <pub>', 'trusted checkpoint key the proofs must verify against (repeatable; default: the signing key\'s)', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: DrillOptions) => {
      if (opts.seed !== undefined && !/^[0-9]{1,20}$/.test(opts.seed)) throw new UsageError('BAD_INPUT', `--seed ${JSON.stringify(printable(opts.seed, 40))} is not a decimal number`, { hint: 'e.g. --seed 42' });
      const signer = loadSigner({ env: ctx.io.env, cwd: ctx.io.cwd, ...(opts.keyFile === undefined ? {} : { keyFile: opts.keyFile }) });
      const keys = opts.key.length > 0 ? loadVerifiers(opts.key, ctx.io.cwd) : undefined;
      const until = opts.until === undefined ? new Date(systemClock.now()).toISOString() : periodBound(opts.until, true, '--until');
      const since = opts.since === undefined ? new Date(Date.parse(until) - 7 * DAY).toISOString() : periodBound(opts.since, false, '--since');
      const dirs = (opts.ledger.length > 0 ? opts.ledger : [DEFAULT_LEDGER_DIR]).map((d) => (isAbsolute(d) ? d : join(ctx.io.cwd, d)));
      const stores = dirs.map((d) => openDirStore(d));
      for (const [i, store] of stores.entries()) {
        if (await isEmptyLedger(store)) throw new UsageError('NOT_FOUND', `${printable(dirs[i]!, 200)} holds no ledger (no entries, no checkpoint)`, { hint: 'pass --ledger DIR pointing at a ledger directory' });
      }
      const report = await runDrill({
        ledgers: stores,
        repository: opts.repository ?? null,
        since,
        until,
        random: opts.seed === undefined ? systemRandom : seededRandom(opts.seed),
        ...(keys === undefined ? {} : { keys }),
        git: localBlameGit(resolve(ctx.io.cwd, opts.repo)),
        rev: opts.rev,
        writer: { store: stores[0]!, signer, origin: signer.name, clock: systemClock, random: systemRandom },
      });
      ctx.io.stdout.write(opts.format === 'json' ? `${JSON.stringify({ schema: 'trailmark.drill.report/v1', ...report }, null, 2)}\n` : renderDrill(report));
      ctx.exitCode = report.outcome === 'passed' ? EXIT_OK : EXIT_INTEGRITY;
    });
}

export function renderDrill(report: DrillReport): string {
  const b = report.body;
  let out = `drill ${b.period.since} .. ${b.period.until}: ${report.candidates} merged pull request(s) in the period`;
  out += b.pullRequest === null ? '\n' : `; drew ${printable(b.repository ?? '', 200)} #${b.pullRequest} (merge ${b.mergeCommit?.slice(0, 12) ?? '(none)'})\n`;
  for (const l of b.links) out += `  ${l.ok === true ? 'ok     ' : l.ok === null ? 'UNCHECK' : 'MISSING'} ${l.link}: ${printable(l.detail, 1200)}\n`;
  out += `outcome: ${b.outcome}${b.missing.length === 0 ? '' : ` (${b.missing.length} missing link${b.missing.length === 1 ? '' : 's'})`}\n`;
  if (report.appended !== null) out += `drill entry appended: seq ${report.appended.seq} in ${printable(report.appended.ledger, 200)}\n`;
  return out;
}
