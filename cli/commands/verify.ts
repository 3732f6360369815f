// `trailmark verify --ledger DIR --key PUB...`: offline verification of a ledger directory.
// Exit 0 when it verifies, 1 with the first bad seq and what is wrong, 2 on usage errors.
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { isEmptyLedger, verifyLedger, type Repair, type VerifyReport } from '../../src/engine/ledger.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { loadVerifiers } from '../../src/ledger/store/key-source.js';
import { EXIT_INTEGRITY, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';
import { isAbsolute, join } from 'node:path';

interface VerifyOptions {
  readonly ledger: string;
  readonly key: string[];
  readonly json?: boolean;
  readonly repair?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const HINTS: Readonly<Partial<Record<string, string>>> = {
  UNKNOWN_KEY: 'pass every key the ledger was signed with (--key is repeatable, for rotated keys)',
  TRUNCATED: 'an interrupted append leaves a partial line: `trailmark verify --repair` removes it; missing committed entries need a backup',
  ROOT_MISMATCH: 'the entries differ from what the checkpoint signed: the log was altered; compare with a backup or an external copy of the checkpoint',
};

function render(dir: string, report: VerifyReport, repairs: readonly Repair[]): string {
  let out = '';
  for (const r of repairs) out += `repaired: ${r.message}\n`;
  if (report.ok) {
    const cp = report.checkpoint;
    out += `ok: ${dir} verifies: ${report.entries} entries, origin ${report.origin ?? '(none)'}`;
    out += cp === null ? ', no checkpoint yet\n' : `, checkpoint size ${cp.size} root ${cp.root} (${report.checkpoints} checkpoint${report.checkpoints === 1 ? '' : 's'} consistent)\n`;
    const keys = Object.entries(report.keys);
    if (keys.length > 0) out += `keys: ${keys.map(([k, n]) => `${k} (${n})`).join(', ')}\n`;
    const kinds = Object.entries(report.kinds);
    if (kinds.length > 0) out += `kinds: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}\n`;
  } else {
    out += `FAILED: ${dir} does not verify\n`;
    for (const p of report.problems) out += `  ${p.seq === null ? '' : `seq ${p.seq}: `}${p.code} at ${p.location}: ${p.message}\n`;
    const hint = HINTS[report.problems[0]!.code];
    if (hint !== undefined) out += `hint: ${hint}\n`;
  }
  for (const w of report.warnings) out += `warning: ${w}\n`;
  return out;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description('verify a ledger offline: canonical entries, seq, hash chain, signatures, bodies, Merkle root and every checkpoint')
    .option('--ledger <dir>', 'ledger directory', DEFAULT_LEDGER_DIR)
    .option('--key <pub>', 'trusted verifier key, or a file holding keys (repeatable)', collect, [])
    .option('--json', 'machine-readable report')
    .option('--repair', 'first remove what an interrupted append left behind (takes the writer lock)')
    .action(async (opts: VerifyOptions) => {
      const dir = isAbsolute(opts.ledger) ? opts.ledger : join(ctx.io.cwd, opts.ledger);
      const keys = loadVerifiers(opts.key, ctx.io.cwd);
      const store = openDirStore(dir);
      if (await isEmptyLedger(store)) {
        throw new UsageError('NOT_FOUND', `${opts.ledger} holds no ledger (no entries, no checkpoint)`, { hint: 'pass --ledger DIR pointing at a ledger directory (it holds entries.jsonl and checkpoint)' });
      }
      const { repairs, report } = await verifyLedger(store, keys, { repair: opts.repair === true });
      if (opts.json === true) {
        const { ok, origin, entries, checkpoint, checkpoints, uncommitted, tornBytes, kinds, keys: byKey, problems, warnings } = report;
        const doc = { ok, ledger: opts.ledger, origin, entries, checkpoint, checkpoints, uncommitted, tornBytes, kinds, keys: byKey, problems, warnings, repairs };
        ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        (report.ok ? ctx.io.stdout : ctx.io.stderr).write(render(opts.ledger, report, repairs));
      }
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_INTEGRITY;
    });
}
