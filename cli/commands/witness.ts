// `trailmark witness --ledger DIR --key WITNESS_KEY_FILE --state FILE [--log-key KEY]`: act as
// a witness of a ledger. Checks the latest checkpoint's log signature and its consistency with
// the state this witness saw last (RFC 6962 proof from the log's lines), refuses (exit 1) on a
// rollback or rewrite, otherwise adds its cosignature/v1 line to the checkpoint and records the
// new state. Run it on a checkout of the ledger branch, or on a copy of the App's ledger.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { systemClock } from '../../src/core/ports.js';
import { formatWitnessState, parseWitnessState, witnessLedger } from '../../src/engine/witness.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';

interface WitnessCliOptions {
  readonly ledger: string;
  readonly key: string;
  readonly state: string;
  readonly logKey: string[];
  readonly json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError('NOT_FOUND', `cannot read ${path}`, { cause: err, hint: 'check the path and its permissions' });
  }
}

/** A key given as text, or a file of keys (one per line, # comments). */
function keyTexts(value: string, cwd: string): string[] {
  const text = readOrNull(isAbsolute(value) ? value : join(cwd, value));
  if (text === null) return [value];
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('witness')
    .description('witness a ledger: check its latest checkpoint is consistent with the state this witness saw last, cosign it (C2SP cosignature/v1), record the new state')
    .requiredOption('--ledger <dir>', 'ledger directory (e.g. a checkout of the ledger branch)')
    .requiredOption('--key <file>', 'witness signing key file (from `trailmark keygen --witness`)')
    .requiredOption('--state <file>', "this witness's last-seen state (size and root per log origin); created on the first run")
    .option('--log-key <pub>', "the log's verifier key, or a file of keys (repeatable); required on the first run, then kept in the state", collect, [])
    .option('--json', 'machine-readable outcome')
    .action(async (opts: WitnessCliOptions) => {
      const resolve = (p: string) => (isAbsolute(p) ? p : join(ctx.io.cwd, p));
      const keyText = readOrNull(resolve(opts.key));
      if (keyText === null) throw new UsageError('NOT_FOUND', `no witness key file at ${opts.key}`, { hint: 'create one with `trailmark keygen --witness --name NAME --out PREFIX`' });
      const statePath = resolve(opts.state);
      const state = parseWitnessState(readOrNull(statePath));
      const store = openDirStore(resolve(opts.ledger));
      const out = await witnessLedger({ store, witnessKey: keyText, logKeys: opts.logKey.flatMap((k) => keyTexts(k, ctx.io.cwd)), state, clock: systemClock });
      // Write then rename: the state is the old one or the new one, never a torn mix.
      const tmp = `${statePath}.tmp-${process.pid}`;
      try {
        writeFileSync(tmp, formatWitnessState(out.state));
        renameSync(tmp, statePath);
      } catch (err) {
        throw new UsageError('BAD_INPUT', `cosigned, but cannot write the witness state ${opts.state}`, { cause: err, hint: 'check the directory is writable; the next run re-checks consistency from the old state' });
      }
      if (opts.json === true) {
        const doc = { type: 'trailmark.witness/v1', origin: out.origin, size: out.size, root: out.root, previous: out.previous, proof: out.proof, cosigned: out.cosigned, witness: out.witness, time: out.time, checkpoint: out.checkpoint };
        ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        const seen = out.previous === null ? 'first sighting of this log: its state is trusted from now on' : `consistent with size ${out.previous.size} seen before (${out.proof.length}-hash proof)`;
        ctx.io.stdout.write(`${out.cosigned ? 'cosigned' : 'already cosigned'}: ${out.origin} checkpoint size ${out.size} root ${out.root} by ${out.witness}; ${seen}\n`);
      }
      ctx.exitCode = EXIT_OK;
    });
}
