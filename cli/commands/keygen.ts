// `trailmark keygen --name ORIGIN --out PREFIX`: an Ed25519 note key pair for a ledger; with
// `--witness`, a cosignature/v1 key pair for `trailmark witness`.
// PREFIX.key (secret, mode 0600) and PREFIX.pub; never overwrites an existing file.
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { systemRandom } from '../../src/core/ports.js';
import { newLedgerKey, newWitnessKey } from '../../src/engine/ledger.js';
import type { CommandContext } from '../main.js';

interface KeygenOptions {
  readonly name: string;
  readonly out: string;
  readonly witness?: boolean;
}

function writeNew(path: string, text: string, mode: number): void {
  // O_EXCL: refuse to replace a key, even one created between our check and this call.
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('keygen')
    .description('create an Ed25519 key pair that signs a ledger (C2SP note key format)')
    .requiredOption('--name <origin>', 'ledger origin and key name, e.g. example.com/acme/trailmark')
    .requiredOption('--out <prefix>', 'writes PREFIX.key (secret, mode 0600) and PREFIX.pub')
    .option('--witness', 'a witness cosigning key (C2SP cosignature/v1, type 0x04) for `trailmark witness`, named after the witness, not the log')
    .action((opts: KeygenOptions) => {
      const base = isAbsolute(opts.out) ? opts.out : join(ctx.io.cwd, opts.out);
      const keyPath = `${base}.key`;
      const pubPath = `${base}.pub`;
      for (const p of [keyPath, pubPath]) {
        if (existsSync(p)) throw new UsageError('BAD_INPUT', `${p} already exists: refusing to overwrite a key`, { hint: 'choose another --out prefix, or move the old key away first' });
      }
      const { signerKey, verifierKey } = opts.witness === true ? newWitnessKey(opts.name, systemRandom) : newLedgerKey(opts.name, systemRandom);
      writeNew(keyPath, `${signerKey}\n`, 0o600);
      try {
        writeNew(pubPath, `${verifierKey}\n`, 0o644);
      } catch (err) {
        unlinkSync(keyPath);
        throw new UsageError('BAD_INPUT', `cannot write ${pubPath}`, { cause: err, hint: 'check the directory exists and is writable' });
      }
      if (opts.witness === true) {
        ctx.io.stdout.write(
          `wrote ${keyPath} (secret witness key) and ${pubPath}\n${verifierKey}\n` +
            `hint: run \`trailmark witness --ledger DIR --key ${opts.out}.key --state STATE --log-key LOG.pub\`; publish ${opts.out}.pub so verifiers can require your cosignature with \`trailmark verify --witness\`\n`,
        );
        return;
      }
      ctx.io.stdout.write(
        `wrote ${keyPath} (secret signing key) and ${pubPath}\n${verifierKey}\n` +
          `hint: keep ${opts.out}.key out of the repository (CI: store it in the TRAILMARK_SIGNING_KEY secret); publish ${opts.out}.pub so anyone can run \`trailmark verify --key\`\n`,
      );
    });
}
