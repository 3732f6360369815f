// `trailmark erase --ledger DIR --subject VALUE`: erases a person's clear data from the side
// store. Entries keep their salted commitments, so the ledger still verifies; reports show
// `[erased]`. The value is compared literally and never echoed.
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { systemClock } from '../../core/ports.js';
import { eraseSubject } from '../../ledger/erase.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../ledger/store/dir.js';
import type { CommandContext } from '../main.js';

interface EraseOptions {
  readonly ledger: string;
  readonly subject: string;
  readonly json?: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('erase')
    .description('erase a data subject (login, e-mail, name) from the ledger side store; the ledger still verifies')
    .option('--ledger <dir>', 'ledger directory', DEFAULT_LEDGER_DIR)
    .requiredOption('--subject <value>', 'the exact value to erase (case-sensitive)')
    .option('--json', 'machine-readable result')
    .action(async (opts: EraseOptions) => {
      if (opts.subject === '') throw new UsageError('BAD_INPUT', 'empty --subject', { hint: 'pass the exact login, e-mail or name to erase' });
      const store = openDirStore(isAbsolute(opts.ledger) ? opts.ledger : join(ctx.io.cwd, opts.ledger));
      const result = await eraseSubject(store, opts.subject, systemClock);
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({ erased: result.erased, seqs: result.seqs }, null, 2)}\n`);
      } else if (result.erased === 0) {
        ctx.io.stdout.write('erased nothing: no side-store record holds that value (already erased, never recorded, or spelled differently)\n');
      } else {
        ctx.io.stdout.write(`erased ${result.erased} record(s) referenced by entries ${result.seqs.join(', ')}; the entries keep only salted commitments and still verify\n`);
      }
    });
}
