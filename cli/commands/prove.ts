// `trailmark prove SEQ --ledger DIR` (inclusion) and `trailmark prove --consistency OLD_SIZE`:
// RFC 6962 proofs against the latest checkpoint, printed as JSON with hex hashes.
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { proveEntry, proveGrowth } from '../../src/engine/ledger.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import type { CommandContext } from '../main.js';

interface ProveOptions {
  readonly ledger: string;
  readonly consistency?: string;
}

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;

function count(value: string, what: string): number {
  if (!DECIMAL.test(value)) throw new UsageError('BAD_INPUT', `${what} ${JSON.stringify(value)} is not a non-negative decimal integer`, { hint: 'e.g. `trailmark prove 12` or `trailmark prove --consistency 10`' });
  return Number(value);
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('prove')
    .description('print an inclusion proof for entry SEQ, or a consistency proof from an older tree size, as JSON')
    .argument('[seq]', 'entry sequence number to prove')
    .option('--consistency <oldSize>', 'prove that the tree of this older size is a prefix of the current one')
    .option('--ledger <dir>', 'ledger directory', DEFAULT_LEDGER_DIR)
    .action(async (seq: string | undefined, opts: ProveOptions) => {
      if ((seq === undefined) === (opts.consistency === undefined)) {
        throw new UsageError('USAGE', 'give either SEQ or --consistency OLD_SIZE', { hint: '`trailmark prove 12` proves entry 12; `trailmark prove --consistency 10` proves the log only grew since size 10' });
      }
      const store = openDirStore(isAbsolute(opts.ledger) ? opts.ledger : join(ctx.io.cwd, opts.ledger));
      const proof = seq !== undefined ? await proveEntry(store, count(seq, 'seq')) : await proveGrowth(store, count(opts.consistency!, 'old size'));
      ctx.io.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
    });
}
