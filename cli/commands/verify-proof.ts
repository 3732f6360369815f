// `trailmark verify-proof PROOF.json --key PUB...`: checks a proof offline: the checkpoint's
// signature first, then the entry (inclusion) and the RFC 6962 proof. Exit 0 ok, 1 invalid.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { LedgerError, UsageError } from '../../src/core/errors.js';
import { checkProof } from '../../src/engine/ledger.js';
import { loadVerifiers } from '../../src/ledger/store/key-source.js';
import { EXIT_INTEGRITY, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

interface VerifyProofOptions {
  readonly key: string[];
  readonly json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('verify-proof')
    .description('verify an inclusion or consistency proof written by `trailmark prove`, offline')
    .argument('<proof>', 'proof JSON file, or - for standard input')
    .option('--key <pub>', 'trusted verifier key, or a file holding keys (repeatable)', collect, [])
    .option('--json', 'machine-readable result')
    .action(async (file: string, opts: VerifyProofOptions) => {
      const keys = loadVerifiers(opts.key, ctx.io.cwd);
      let text: string;
      try {
        text = file === '-' ? (await ctx.io.readStdin()).toString('utf8') : readFileSync(isAbsolute(file) ? file : join(ctx.io.cwd, file), 'utf8');
      } catch (err) {
        throw new UsageError('NOT_FOUND', `cannot read proof ${file}`, { cause: err, hint: 'write one with `trailmark prove SEQ > proof.json`' });
      }
      try {
        const v = checkProof(text, keys);
        if (opts.json === true) ctx.io.stdout.write(`${JSON.stringify({ ok: true, ...v }, null, 2)}\n`);
        else if (v.entry !== undefined) ctx.io.stdout.write(`ok: entry ${v.entry.seq} (${v.entry.kind}, signed by ${v.entry.kid}) is in ${v.origin} at tree size ${v.size}, root ${v.root}\n`);
        else if (v.consistency !== undefined) {
          ctx.io.stdout.write(
            `ok: ${v.origin} at tree size ${v.size} (root ${v.root}) extends tree size ${v.consistency.oldSize} (root ${v.consistency.oldRoot})\n` +
              (v.consistency.oldCheckpointVerified ? '' : 'note: the old root comes from the proof itself: compare it with a checkpoint you saved\n'),
          );
        }
        ctx.exitCode = EXIT_OK;
      } catch (err) {
        if (!(err instanceof LedgerError) || err.code === 'BAD_KEY') throw err;
        if (opts.json === true) ctx.io.stdout.write(`${JSON.stringify({ ok: false, code: err.code, message: err.message }, null, 2)}\n`);
        ctx.io.stderr.write(`FAILED: proof ${file} does not verify: ${err.code}: ${err.message}\nhint: ${err.hint ?? 'the proof, its checkpoint or the entry was altered, or --key is not the ledger\'s key'}\n`);
        ctx.exitCode = EXIT_INTEGRITY;
      }
    });
}
