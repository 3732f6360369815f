// `trailmark erase --ledger DIR --subject VALUE`: erases a person's clear data from the side
// store. Entries keep their salted commitments, so the ledger still verifies; reports show
// `[erased]`. The value is compared literally and never echoed.
//
// `--app-data DIR` (the App's TRAILMARK_DATA_DIR) erases it from every installation ledger there
// and from the logins the App keeps in its own state files: the declaring user of remediations
// (`installations/<id>/pulls.json`) and the user, reviewer or merger of queued and failed jobs
// (`queue.json`, `failed.json`), each replaced by `[erased]`. Stop the App first: its state
// files have one writer. Each file is replaced atomically (temporary file, fsync, rename).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { systemClock } from '../../src/core/ports.js';
import { eraseFromLedger } from '../../src/engine/ledger.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { writeJsonAtomic } from '../../src/ledger/store/json-file.js';
import type { CommandContext } from '../main.js';

interface EraseOptions {
  readonly ledger: string;
  readonly appData?: string;
  readonly subject: string;
  readonly json?: boolean;
}

export const ERASED = '[erased]';

/** The fields of App state documents that hold a login (app/job.ts, src/core/types.ts Remediation). */
const LOGIN_FIELDS = new Set(['user', 'reviewer', 'mergedBy']);

/** Replaces `value` in LOGIN_FIELDS anywhere in `doc` (in place); returns how many. */
function eraseLogins(doc: unknown, value: string): number {
  if (Array.isArray(doc)) return doc.reduce((n: number, item) => n + eraseLogins(item, value), 0);
  if (typeof doc !== 'object' || doc === null) return 0;
  let n = 0;
  const record = doc as Record<string, unknown>;
  for (const [key, field] of Object.entries(record)) {
    if (LOGIN_FIELDS.has(key) && field === value) {
      record[key] = ERASED;
      n++;
    } else n += eraseLogins(field, value);
  }
  return n;
}

async function eraseInStateFile(path: string, value: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError('BAD_INPUT', `${path} is not JSON`, { cause: err, hint: 'start the App once: it quarantines a corrupt state file, then erase again' });
  }
  const n = eraseLogins(doc, value);
  if (n === 0) return 0;
  await writeJsonAtomic(path, doc);
  return n;
}

interface AppErasure {
  readonly erased: number;
  readonly seqs: number[];
  readonly stateValues: number;
}

async function eraseFromAppData(dataDir: string, value: string): Promise<AppErasure> {
  let erased = 0;
  const seqs: number[] = [];
  let stateValues = 0;
  for (const name of ['queue.json', 'failed.json']) stateValues += await eraseInStateFile(join(dataDir, name), value);
  const installations = join(dataDir, 'installations');
  const ids = existsSync(installations) ? (await readdir(installations)).filter((n) => /^\d+$/.test(n)).sort() : [];
  for (const id of ids) {
    stateValues += await eraseInStateFile(join(installations, id, 'pulls.json'), value);
    const ledgerDir = join(installations, id, 'ledger');
    if (!existsSync(ledgerDir)) continue;
    const result = await eraseFromLedger(openDirStore(ledgerDir), value, systemClock);
    erased += result.erased;
    seqs.push(...result.seqs);
  }
  return { erased, seqs, stateValues };
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('erase')
    .description('erase a data subject (login, e-mail, name) from the ledger side store; the ledger still verifies')
    .option('--ledger <dir>', 'ledger directory', DEFAULT_LEDGER_DIR)
    .option('--app-data <dir>', "the App's TRAILMARK_DATA_DIR: every installation ledger and the logins in the App's state files (stop the App first)")
    .requiredOption('--subject <value>', 'the exact value to erase (case-sensitive)')
    .option('--json', 'machine-readable result')
    .action(async (opts: EraseOptions) => {
      if (opts.subject === '') throw new UsageError('BAD_INPUT', 'empty --subject', { hint: 'pass the exact login, e-mail or name to erase' });
      const resolve = (dir: string) => (isAbsolute(dir) ? dir : join(ctx.io.cwd, dir));
      let result: { erased: number; seqs: readonly number[] };
      let stateValues: number | undefined;
      if (opts.appData !== undefined) {
        const app = await eraseFromAppData(resolve(opts.appData), opts.subject);
        result = app;
        stateValues = app.stateValues;
      } else {
        result = await eraseFromLedger(openDirStore(resolve(opts.ledger)), opts.subject, systemClock);
      }
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({ erased: result.erased, seqs: result.seqs, ...(stateValues === undefined ? {} : { appState: stateValues }) }, null, 2)}\n`);
        return;
      }
      if (result.erased === 0) {
        ctx.io.stdout.write('erased nothing: no side-store record holds that value (already erased, never recorded, or spelled differently)\n');
      } else {
        ctx.io.stdout.write(`erased ${result.erased} record(s) referenced by entries ${result.seqs.join(', ')}; the entries keep only salted commitments and still verify\n`);
      }
      if (stateValues !== undefined) ctx.io.stdout.write(`erased ${stateValues} login(s) from the App's state files\n`);
    });
}
